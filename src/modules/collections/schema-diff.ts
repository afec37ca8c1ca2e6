import type { FieldError } from 'src/common/errors/domain.error';
import { isSearchable, type CollectionDefinition, type FieldDefinition, type IndexDefinition } from './collection-schema';

export type FieldInput = FieldDefinition & { renamedFrom?: string };

/** One step from a collection's current definition to the requested one. */
export type SchemaChange =
  | { kind: 'add-field'; field: FieldDefinition }
  | { kind: 'drop-field'; field: FieldDefinition }
  | { kind: 'rename-field'; from: string; to: string }
  | { kind: 'alter-field'; before: FieldDefinition; after: FieldDefinition }
  | { kind: 'add-index'; index: IndexDefinition }
  | { kind: 'drop-index'; index: IndexDefinition }
  | { kind: 'soft-delete'; enabled: boolean }
  /** Metadata only: no statement, no data check. */
  | { kind: 'owner-field'; ownerField: string | null };

export interface SchemaDiff {
  changes: SchemaChange[];
  /** Whether the set of full-text fields changed, so the search index must be rebuilt. */
  searchChanged: boolean;
  errors: FieldError[];
}

const IMMUTABLE: (keyof FieldDefinition)[] = ['type', 'target'];

/**
 * The changes that turn `current` into `next`. The request is declarative
 * (the whole desired definition); a rename is explicit (`renamedFrom`), since
 * a diff cannot tell a rename from a drop plus an add.
 */
export function diffCollection(current: Required<Pick<CollectionDefinition, 'fields' | 'indexes' | 'softDelete'>>, next: { fields: FieldInput[]; indexes: IndexDefinition[]; softDelete: boolean }): SchemaDiff {
  const changes: SchemaChange[] = [];
  const errors: FieldError[] = [];
  const byName = new Map(current.fields.map((f) => [f.name, f]));
  const kept = new Set<string>();

  next.fields.forEach((input, index) => {
    const { renamedFrom, ...field } = input;
    const sourceName = renamedFrom ?? field.name;
    const before = byName.get(sourceName);
    if (renamedFrom !== undefined && !before) {
      errors.push({ field: `fields[${index}].renamedFrom`, message: `no field "${renamedFrom}" to rename` });
      return;
    }
    if (!before) {
      changes.push({ kind: 'add-field', field });
      return;
    }
    kept.add(sourceName);
    for (const key of IMMUTABLE) {
      if (before[key] !== field[key]) errors.push({ field: `fields[${index}].${key}`, message: `cannot change a field's ${key} (add a new field and drop this one)` });
    }
    if (renamedFrom !== undefined && renamedFrom !== field.name) changes.push({ kind: 'rename-field', from: renamedFrom, to: field.name });
    if (!sameConstraints(before, field)) changes.push({ kind: 'alter-field', before: { ...before, name: field.name }, after: field });
  });
  for (const field of current.fields) if (!kept.has(field.name)) changes.push({ kind: 'drop-field', field });

  const currentIndexes = new Map(current.indexes.map((i) => [i.name, i]));
  const nextIndexes = new Map(next.indexes.map((i) => [i.name, i]));
  for (const [name, index] of currentIndexes) {
    const wanted = nextIndexes.get(name);
    if (!wanted || JSON.stringify(normaliseIndex(wanted)) !== JSON.stringify(normaliseIndex(index))) changes.push({ kind: 'drop-index', index });
  }
  for (const [name, index] of nextIndexes) {
    const existing = currentIndexes.get(name);
    if (!existing || JSON.stringify(normaliseIndex(existing)) !== JSON.stringify(normaliseIndex(index))) changes.push({ kind: 'add-index', index });
  }
  if (current.softDelete !== next.softDelete) changes.push({ kind: 'soft-delete', enabled: next.softDelete });

  const searchable = (fields: FieldDefinition[]) => fields.filter(isSearchable).map((f) => f.name).join(',');
  const nextFields = next.fields.map(({ renamedFrom: _ignored, ...f }) => f);
  return { changes, searchChanged: searchable(current.fields) !== searchable(nextFields), errors };
}

function sameConstraints(a: FieldDefinition, b: FieldDefinition): boolean {
  return JSON.stringify(normaliseField(a)) === JSON.stringify(normaliseField(b));
}

function normaliseField(field: FieldDefinition) {
  const { name: _name, ...rest } = field;
  return Object.fromEntries(Object.entries({ ...rest, required: Boolean(rest.required), unique: Boolean(rest.unique) }).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b)));
}

function normaliseIndex(index: IndexDefinition) {
  return { fields: index.fields, unique: Boolean(index.unique) };
}
