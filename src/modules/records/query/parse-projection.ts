import { modelOf, type CollectionModel } from './collection-model';
import { invalid } from './coerce-value';
import type { Expansion, Projection, SchemaLookup } from './list-query';
import { commaList } from './comma-list';
import { MAX_RELATION_DEPTH } from './query-limits';

/** A projection while it is being built from `fields` and `expand`. */
interface Draft {
  readonly model: CollectionModel;
  /** Relations crossed to get here. */
  readonly depth: number;
  /** Undefined until a `fields` entry narrows this level. */
  fields?: string[];
  readonly expand: Map<string, DraftExpansion>;
}

interface DraftExpansion {
  readonly kind: Expansion['kind'];
  readonly collection: string;
  readonly field: string;
  readonly draft: Draft;
}

/**
 * `fields` and `expand` together. `expand=author.company` attaches the
 * author and the author's company; a dotted `fields` entry such as
 * `author.name` expands `author` too and narrows it to the fields named.
 * An expanded relation is always part of the output, whatever `fields`
 * lists at its level; without dotted entries it carries all its fields.
 */
export function parseProjection(fieldsParam: string | undefined, expandParam: string | undefined, model: CollectionModel, schemas: SchemaLookup, trash: boolean): Projection {
  const root: Draft = { model, depth: 0, expand: new Map() };
  for (const path of commaList(expandParam, 'expand')) {
    path.split('.').reduce((draft, step) => relation(draft, step, schemas, 'expand', path).draft, root);
  }
  if (fieldsParam !== undefined) {
    root.fields = [];
    for (const path of commaList(fieldsParam, 'fields')) {
      const steps = path.split('.');
      let draft = root;
      for (const step of steps.slice(0, -1)) {
        draft = relation(draft, step, schemas, 'fields', path).draft;
        draft.fields ??= [];
      }
      select(draft, steps[steps.length - 1], schemas, path, draft === root && trash);
    }
  }
  return finish(root);
}

/** Adds the last step of a `fields` entry: a field of this level, or a reverse relation (which can only mean expanding it). */
function select(draft: Draft, name: string, schemas: SchemaLookup, path: string, trash: boolean): void {
  const fields = trash ? draft.model.trashFields : draft.model.fields;
  if (fields.has(name)) {
    if (!draft.fields!.includes(name)) draft.fields!.push(name);
    return;
  }
  if (!reverseRelation(draft.model, name, schemas)) throw invalid('fields', `"${path}": "${name}" is not a field of "${draft.model.schema.name}"`);
  relation(draft, name, schemas, 'fields', path);
}

/** The expansion `name` at this level, created on first use. */
function relation(draft: Draft, name: string, schemas: SchemaLookup, param: string, path: string): DraftExpansion {
  const existing = draft.expand.get(name);
  if (existing) return existing;
  if (draft.depth === MAX_RELATION_DEPTH) throw invalid(param, `"${path}" goes deeper than ${MAX_RELATION_DEPTH} relations`);
  const source = draft.model;
  const depth = draft.depth + 1;
  const field = source.fields.get(name);
  let expansion: DraftExpansion;
  if (field?.target) {
    const target = schemas.get(field.target);
    if (!target) throw invalid(param, `"${path}": "${name}" points to the missing collection "${field.target}"`);
    expansion = { kind: 'forward', collection: field.target, field: name, draft: { model: modelOf(target), depth, expand: new Map() } };
  } else {
    const reverse = field ? undefined : reverseRelation(source, name, schemas);
    if (!reverse) {
      const why = field ? 'is not a relation' : `is not a relation of "${source.schema.name}" (nor <collection>_via_<field> pointing to it)`;
      throw invalid(param, `"${path}": "${name}" ${why}`);
    }
    expansion = { kind: 'reverse', collection: reverse.collection, field: reverse.field, draft: { model: modelOf(reverse.schema), depth, expand: new Map() } };
  }
  draft.expand.set(name, expansion);
  return expansion;
}

/** `<collection>_via_<field>`: records of that collection whose relation `field` points to `model`'s records. */
function reverseRelation(model: CollectionModel, name: string, schemas: SchemaLookup) {
  // A collection name may itself contain `_via_`, so try every split.
  for (let at = name.indexOf('_via_'); at > 0; at = name.indexOf('_via_', at + 1)) {
    const collection = name.slice(0, at);
    const field = name.slice(at + 5);
    const schema = schemas.get(collection);
    const info = schema ? modelOf(schema).fields.get(field) : undefined;
    if (schema && info?.target === model.schema.name) return { schema, collection, field };
  }
  return undefined;
}

function finish(draft: Draft): Projection {
  const expand = [...draft.expand].map(([name, e]): Expansion => ({ name, kind: e.kind, collection: e.collection, field: e.field, projection: finish(e.draft) }));
  return draft.fields ? { fields: draft.fields, expand } : { expand };
}
