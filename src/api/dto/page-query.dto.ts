import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { EXAMPLE_CURSOR } from './api-examples';
import type { PageQuery } from '../contract';

/** The page size every paged list takes. */
export class PageLimitDto {
  /** Page size, 1–500 (default 50). */
  @ApiProperty({ type: 'integer', required: false, example: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class PageQueryDto extends PageLimitDto implements PageQuery {
  /** `nextCursor` of the previous page. */
  @ApiProperty({ required: false, example: EXAMPLE_CURSOR })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}
