import { ParseUUIDPipe } from '@nestjs/common';
import { DomainError, ErrorCode } from '../domain/domain-error';

/** A path id that is not a UUID is a 400 naming the parameter, not a 404 or a database error. */
export function uuidParam(name: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () => new DomainError(ErrorCode.InvalidInput, `${name} must be a UUID`),
  });
}
