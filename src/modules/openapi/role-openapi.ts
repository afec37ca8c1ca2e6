import type { OpenAPIObject } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { SYSTEM_FIELDS, type CollectionView } from 'src/modules/access/access.types';
import { pascalCase } from './collections-openapi';

const COLLECTIONS_PATH = '/api/v1/collections';
const METHODS = { read: [['records', 'get'], ['records/{id}', 'get']], create: [['records', 'post']], update: [['records/{id}', 'patch']], delete: [['records/{id}', 'delete']] } as const;

/**
 * The live document as one role sees it: of each collection, only the
 * operations the role has a rule for (the trash is for administrators), and
 * record schemas limited to the fields it may read or write. `views` holds the
 * role's rules by collection; a collection absent from it disappears. Pure:
 * the input document is not changed.
 */
export function restrictDocument(document: OpenAPIObject, collections: readonly string[], views: ReadonlyMap<string, CollectionView>): OpenAPIObject {
  const paths = { ...document.paths };
  const schemas = { ...document.components?.schemas };
  const hidden = new Set<string>();
  for (const name of collections) {
    const view = views.get(name) ?? {};
    const base = `${COLLECTIONS_PATH}/${name}`;
    for (const suffix of ['trash', 'trash/{id}/restore', 'trash/{id}']) delete paths[`${base}/${suffix}`];
    for (const suffix of ['records', 'records/{id}']) {
      const item = paths[`${base}/${suffix}`];
      if (!item) continue;
      const kept: Record<string, unknown> = { ...item };
      for (const [action, pairs] of Object.entries(METHODS) as [keyof typeof METHODS, (typeof METHODS)[keyof typeof METHODS]][]) {
        for (const [where, method] of pairs) if (where === suffix && !view[action]) delete kept[method];
      }
      if (['get', 'post', 'patch', 'delete'].some((method) => method in kept)) paths[`${base}/${suffix}`] = kept;
      else delete paths[`${base}/${suffix}`];
    }
    const base2 = pascalCase(name);
    if (!view.read && !view.create && !view.update && !view.delete) {
      hidden.add(name);
      for (const kind of ['Record', 'Create', 'Update', 'List']) delete schemas[`${base2}${kind}`];
      continue;
    }
    // A write answers with the record as the role may read it, or only its id.
    schemas[`${base2}Record`] = narrow(schemas[`${base2}Record`] as SchemaObject | undefined, view.read ? allowed(view.read.fields, SYSTEM_FIELDS) : ['id']);
    if (!view.read) delete schemas[`${base2}List`];
    if (view.create) schemas[`${base2}Create`] = narrow(schemas[`${base2}Create`] as SchemaObject | undefined, allowed(view.create.fields, []), view.create.presets);
    else delete schemas[`${base2}Create`];
    if (view.update) schemas[`${base2}Update`] = narrow(schemas[`${base2}Update`] as SchemaObject | undefined, allowed(view.update.fields, []));
    else delete schemas[`${base2}Update`];
  }
  return {
    ...document,
    tags: (document.tags ?? []).filter((tag) => !hidden.has(tag.name)),
    paths,
    components: { ...document.components, schemas },
  };
}

/** null: every field. */
function allowed(fields: readonly string[] | null, always: readonly string[]): readonly string[] | null {
  return fields === null ? null : [...always, ...fields];
}

/** A copy of an object schema keeping only `keep` (null: all) and never `drop`. */
function narrow(schema: SchemaObject | undefined, keep: readonly string[] | null, drop: readonly string[] = []): SchemaObject {
  if (!schema?.properties) return schema ?? { type: 'object' };
  const shown = (field: string) => (keep === null || keep.includes(field)) && !drop.includes(field);
  const properties = Object.fromEntries(Object.entries(schema.properties).filter(([field]) => shown(field)));
  const required = (schema.required ?? []).filter(shown);
  const { required: _required, ...rest } = schema;
  return { ...rest, properties, ...(required.length > 0 ? { required } : {}) };
}
