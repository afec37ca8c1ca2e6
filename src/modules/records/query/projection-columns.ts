import type { CollectionModel } from './collection-model';
import type { Projection } from './list-query';

/** The keys of each record as the API returns it: the fields asked for, then the expanded relations. */
export function outputFieldsOf(projection: Projection, model: CollectionModel, trash: boolean): string[] {
  const output = new Set(projection.fields ?? (trash ? model.trashDefaultFields : model.defaultFields));
  for (const expansion of projection.expand) output.add(expansion.name);
  return [...output];
}

/** The columns a statement must read: id, the output's columns, the foreign keys expansion follows, and `more` (sort keys, …). */
export function selectedColumnsOf(projection: Projection, model: CollectionModel, trash: boolean, more: Iterable<string> = []): string[] {
  const columns = new Set(['id', ...(projection.fields ?? (trash ? model.trashDefaultFields : model.defaultFields))]);
  for (const expansion of projection.expand) if (expansion.kind === 'forward') columns.add(expansion.field);
  for (const name of more) columns.add(name);
  return [...columns];
}
