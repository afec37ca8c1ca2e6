import { Injectable } from '@nestjs/common';
import { DomainError, ValidationFailedError } from 'src/common/errors/domain.error';
import { parseIfMatch } from './etag';
import type { BatchDto, BatchResponse, BatchResultDto } from './dto/batch.dto';
import type { Grant } from 'src/modules/access/access.types';
import { RecordAccess, both, type Caller } from './record-access';
import { RecordsService, type RecordData } from './records.service';
import { RecordValidator } from './record-validator';
import type { CollectionSchema } from 'src/modules/collections/collection-schema';

/** Several writes across collections in one transaction: all apply, or none and the first failure is answered. */
@Injectable()
export class BatchService {
  constructor(
    private readonly records: RecordsService,
    private readonly validator: RecordValidator,
    private readonly access: RecordAccess,
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

  /**
   * A restricted caller's permission for each operation, checked before the
   * transaction opens: a create needs the create permission (403) and sends
   * only writable fields (400); an update or delete of a record the caller
   * may not read is a 404. Presets are applied to the data.
   */
  private authorizeAll(dto: BatchDto, caller: Caller): { data: unknown; where?: Grant['where']; read?: Grant; write?: Grant }[] {
    return dto.operations.map((operation, index) => {
      const path = `operations[${index}]`;
      try {
        if (operation.action === 'create') {
          const grant = this.access.authorize(caller, operation.collection, 'create');
          return { data: this.access.writable(operation.data, grant, `${path}.data`), write: grant };
        }
        const read = this.access.authorize(caller, operation.collection, 'read', operation.id ?? '');
        const grant = this.access.authorize(caller, operation.collection, operation.action, operation.id ?? '');
        const data = operation.action === 'update' ? this.access.writable(operation.data, { writable: grant.writable }, `${path}.data`) : operation.data;
        return { data, where: both(read.where, grant.where), read, write: grant };
      } catch (error) {
        throw prefixed(error, path);
      }
    });
  }

  run(dto: BatchDto, caller?: Caller): Promise<BatchResponse> {
    // Resolve every collection before opening the transaction, so a typo fails fast.
    const schemas = dto.operations.map((operation, index) => {
      try {
        return this.records.collection(operation.collection);
      } catch (error) {
        throw prefixed(error, `operations[${index}]`, 'collection');
      }
    });
    const restricted = this.access.restricted(caller) ? this.authorizeAll(dto, caller) : undefined;
    if (restricted) dto = { ...dto, operations: dto.operations.map((operation, index) => ({ ...operation, data: restricted[index].data as typeof operation.data })) };
    this.validateAll(dto, schemas);
    const shown = (index: number, record: RecordData): RecordData => {
      if (!restricted || !caller) return record;
      const read = restricted[index].read;
      return read ? this.access.shape(record, read) : this.access.present(caller, dto.operations[index].collection, record);
    };
    const actor = caller?.user?.id ?? null;
    return this.records.writing(dto.operations.map((operation) => operation.collection), async (tx) => {
      const results: BatchResultDto[] = [];
      for (const [index, operation] of dto.operations.entries()) {
        const path = `operations[${index}]`;
        const schema = schemas[index];
        try {
          const write = restricted?.[index].write;
          if (operation.action === 'create') {
            const record = await this.records.insert(tx, schema, operation.data, `${path}.data`, actor);
            if (write) await this.access.checkWritten(tx, schema, record.id as string, write, 'create', `${path}.data`);
            results.push({ status: 201, record: shown(index, record) });
            continue;
          }
          const ifMatch = parseIfMatch(operation.ifMatch);
          if (restricted) await this.access.lockVisible(tx, schema, operation.id!, restricted[index].where);
          if (operation.action === 'update') {
            const record = await this.records.change(tx, schema, operation.id!, operation.data, ifMatch, `${path}.data`, actor);
            if (write) await this.access.checkWritten(tx, schema, operation.id!, write, 'update', `${path}.data`);
            results.push({ status: 200, record: shown(index, record) });
          } else {
            await this.records.delete(tx, schema, operation.id!, ifMatch, actor);
            results.push({ status: 204 });
          }
        } catch (error) {
          throw prefixed(error, path);
        }
      }
      return { results };
    }, true);
  }
}

/** Names the failing operation in the answer. */
function prefixed(error: unknown, path: string, field?: string): unknown {
  if (!(error instanceof DomainError)) return error;
  const detail = `${path} (${error.detail ?? error.title})`;
  const errors = error.errors ?? (field ? [{ field: `${path}.${field}`, message: error.detail ?? error.title }] : undefined);
  return new DomainError(error.code, error.status, error.title, `Nothing was applied: ${detail}`, errors);
}
