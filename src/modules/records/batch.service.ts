import { Injectable } from '@nestjs/common';
import { DomainError, ValidationFailedError } from 'src/common/errors/domain.error';
import { parseIfMatch } from './etag';
import type { BatchDto, BatchResponse, BatchResultDto } from './dto/batch.dto';
import { RecordsService } from './records.service';
import { RecordValidator } from './record-validator';
import { SqlExecutor } from './sql-executor';
import type { CollectionSchema } from 'src/modules/collections/collection-schema';

/** Several writes across collections in one transaction: all apply, or none and the first failure is answered. */
@Injectable()
export class BatchService {
  constructor(
    private readonly records: RecordsService,
    private readonly executor: SqlExecutor,
    private readonly validator: RecordValidator,
  ) {}

  /** Every payload is checked before the transaction opens, so one answer names every bad field of every operation. */
  private validateAll(dto: BatchDto, schemas: CollectionSchema[]): void {
    const errors = dto.operations.flatMap((operation, index) => {
      const path = `operations[${index}]`;
      if (operation.action !== 'delete' && operation.data === undefined) return [{ field: `${path}.data`, message: `is required to ${operation.action}` }];
      if (operation.action !== 'create' && !operation.id) return [{ field: `${path}.id`, message: `is required to ${operation.action}` }];
      return operation.action === 'delete' ? [] : this.validator.check(schemas[index], operation.action, operation.data, `${path}.data`);
    });
    if (errors.length > 0) throw new ValidationFailedError(errors, 'Nothing was applied: some operations are invalid.');
  }

  run(dto: BatchDto): Promise<BatchResponse> {
    // Resolve every collection before opening the transaction, so a typo fails fast.
    const schemas = dto.operations.map((operation, index) => {
      try {
        return this.records.collection(operation.collection);
      } catch (error) {
        throw prefixed(error, `operations[${index}]`, 'collection');
      }
    });
    this.validateAll(dto, schemas);
    return this.executor.transaction(async (tx) => {
      const results: BatchResultDto[] = [];
      for (const [index, operation] of dto.operations.entries()) {
        const path = `operations[${index}]`;
        const schema = schemas[index];
        try {
          if (operation.action === 'create') {
            results.push({ status: 201, record: await this.records.insert(tx, schema, operation.data, `${path}.data`) });
            continue;
          }
          const ifMatch = parseIfMatch(operation.ifMatch);
          if (operation.action === 'update') {
            results.push({ status: 200, record: await this.records.change(tx, schema, operation.id!, operation.data, ifMatch, `${path}.data`) });
          } else {
            await this.records.delete(tx, schema, operation.id!, ifMatch);
            results.push({ status: 204 });
          }
        } catch (error) {
          throw prefixed(error, path);
        }
      }
      return { results };
    });
  }
}

/** Names the failing operation in the answer. */
function prefixed(error: unknown, path: string, field?: string): unknown {
  if (!(error instanceof DomainError)) return error;
  const detail = `${path} (${error.detail ?? error.title})`;
  const errors = error.errors ?? (field ? [{ field: `${path}.${field}`, message: error.detail ?? error.title }] : undefined);
  return new DomainError(error.code, error.status, error.title, `Nothing was applied: ${detail}`, errors);
}
