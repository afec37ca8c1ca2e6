import { QueryFailedError } from 'typeorm';
import { ConflictError, DomainError, ValidationFailedError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import type { CollectionSchema } from 'src/modules/collections/collection-schema';
import { constraintName } from 'src/modules/collections/sql-identifiers';

interface DriverError {
  code?: string;
  errno?: number;
  constraint?: string;
  table?: string;
  message?: string;
  sqlMessage?: string;
}

/** Errors that mean the schema changed under a statement prepared for the old one. */
export function isStaleSchemaError(error: unknown): boolean {
  const driver = driverError(error);
  return driver?.code === '42703' || driver?.code === '42P01' || driver?.code === '0A000' || driver?.errno === 1054 || driver?.errno === 1146;
}

/**
 * Turns constraint violations into the client errors they are: a duplicate
 * unique value is a 409 naming the field, a relation to a missing record a
 * 400 naming the field, deleting a record others still point to a 409.
 */
export function mapWriteError(error: unknown, schema: CollectionSchema, pathPrefix = ''): unknown {
  const driver = driverError(error);
  if (!driver) return error;
  const name = driver.constraint ?? constraintFromMessage(driver.sqlMessage ?? driver.message ?? '');
  const path = (field: string) => (pathPrefix ? `${pathPrefix}.${field}` : field);
  if (driver.code === '23505' || driver.errno === 1062) {
    const field = schema.fields.find((f) => constraintName(schema.table, f.name, 'key') === name);
    const index = schema.indexes.find((i) => constraintName(schema.table, i.name, 'idx') === name);
    const fields = field ? [field.name] : (index?.fields ?? []);
    const detail = fields.length ? `Another record already has this ${fields.join(' + ')}.` : 'Another record already has these values.';
    return new DomainError(ErrorCode.UniqueViolation, 409, 'Conflict', detail, fields.map((f) => ({ field: path(f), message: 'is already taken' })));
  }
  if (driver.code === '23503' || driver.code === '23001' || driver.errno === 1452 || driver.errno === 1451) {
    const own = schema.fields.find((f) => constraintName(schema.table, f.name, 'fkey') === name);
    if (own && (driver.errno === 1452 || driver.table === schema.table)) {
      return new ValidationFailedError([{ field: path(own.name), message: `refers to no record of "${own.target}"` }], 'A relation points to a record that does not exist.');
    }
    return new ConflictError(ErrorCode.Conflict, 'Other records still refer to this record (their relation does not allow deleting it).');
  }
  return error;
}

function driverError(error: unknown): DriverError | undefined {
  return error instanceof QueryFailedError ? (error.driverError as DriverError) : ((error as DriverError | undefined)?.code || (error as DriverError | undefined)?.errno ? (error as DriverError) : undefined);
}

function constraintFromMessage(message: string): string | undefined {
  // MySQL names the key or constraint in its message: "... for key 'c_articles_slug_key'" / "CONSTRAINT `c_x_y_fkey`".
  return /for key '(?:[^'.]*\.)?([^']+)'/.exec(message)?.[1] ?? /CONSTRAINT `([^`]+)`/.exec(message)?.[1];
}
