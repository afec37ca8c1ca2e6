import { Type } from 'class-transformer';
import { Allow, ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, ValidateNested } from 'class-validator';

export const BATCH_ACTIONS = ['create', 'update', 'delete'] as const;
export type BatchAction = (typeof BATCH_ACTIONS)[number];

export class BatchOperationDto {
  @IsIn(BATCH_ACTIONS)
  action: BatchAction;

  /** @example articles */
  @IsString()
  collection: string;

  /** update and delete: the record's id. */
  @IsOptional()
  @IsString()
  id?: string;

  /** create and update: the record's fields. */
  @Allow()
  data?: unknown;

  /** update and delete: the ETag the record must still have. */
  @IsOptional()
  @IsString()
  ifMatch?: string;
}

export class BatchDto {
  /** Run in order, in one transaction: all apply or none. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => BatchOperationDto)
  operations: BatchOperationDto[];
}

export class BatchResultDto {
  /** What the operation alone would have answered: 201, 200 or 204. */
  status: number;
  record?: Record<string, unknown>;
}

export class BatchResponse {
  results: BatchResultDto[];
}
