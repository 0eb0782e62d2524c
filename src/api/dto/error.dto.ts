import { ApiProperty } from '@nestjs/swagger';
import type { ErrorBody } from '../contract';

/** The body of every error the API answers. */
export class ErrorDto implements ErrorBody {
  /** The HTTP status, repeated. */
  @ApiProperty({ type: 'integer', example: 400 })
  statusCode: number;

  /**
   * The status's reason phrase.
   * @example "Bad Request"
   */
  error: string;

  /**
   * What is wrong, in one sentence; several fields' messages are joined with `; `.
   * @example "name is required"
   */
  message: string;
}
