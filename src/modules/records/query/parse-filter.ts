import { isTextual, type CollectionSchema } from 'src/modules/collections/collection-schema';
import { modelOf, type CollectionModel, type FieldInfo } from './collection-model';
import { checkText, coerceValue, invalid } from './coerce-value';
import type { ComparisonOperator, FilterNode, SchemaLookup } from './list-query';
import { MAX_FILTER_CONDITIONS, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, MAX_IN_VALUES, MAX_RELATION_DEPTH } from './query-limits';

export interface ParseFilterOptions {
  /** The name errors use for the filter: `filter` for the query parameter, something else for permission rules. */
  readonly param?: string;
  /** The filter applies to the trash, where deleted_at may be named. */
  readonly trash?: boolean;
}

const COMPARISONS: Record<string, ComparisonOperator> = {
  $eq: 'eq',
  $ne: 'ne',
  $gt: 'gt',
  $gte: 'gte',
  $lt: 'lt',
  $lte: 'lte',
  $like: 'like',
  $ilike: 'ilike',
};

interface Walk {
  readonly param: string;
  readonly schemas: SchemaLookup;
  conditions: number;
}

/** The `filter` query parameter: JSON text, parsed and checked against the collection. Undefined when it asks for nothing. */
export function parseFilterParam(text: string, collection: CollectionSchema, schemas: SchemaLookup, options: ParseFilterOptions = {}): FilterNode | undefined {
  const param = options.param ?? 'filter';
  if (text.length > MAX_FILTER_LENGTH) throw invalid(param, `must be at most ${MAX_FILTER_LENGTH} characters`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw invalid(param, `is not valid JSON (${(error as Error).message})`);
  }
  if (isPlainObject(raw) && Object.keys(raw).length === 0) return undefined;
  return parseFilter(raw, collection, schemas, options);
}

/**
 * A filter object — `{"status": "published", "views": {"$gt": 10}, "author.name": {"$ilike": "a%"}}` —
 * checked against the collection: every field must exist, every operator
 * suit its field's type, every value its type. Errors name the field as
 * `<param>.<path>`. The permission layer can hand its row filters here too.
 *
 * Matching follows SQL: a NULL field satisfies no comparison ($ne and $nin
 * included), only $null; a relation path never matches a record whose
 * relation is NULL or points to a record in the trash.
 */
export function parseFilter(raw: unknown, collection: CollectionSchema, schemas: SchemaLookup, options: ParseFilterOptions = {}): FilterNode {
  const walk: Walk = { param: options.param ?? 'filter', schemas, conditions: 0 };
  const model = modelOf(collection);
  return parseConditions(raw, walk, model, options.trash ? model.trashFields : model.fields, walk.param, 1);
}

function parseConditions(raw: unknown, walk: Walk, model: CollectionModel, fields: ReadonlyMap<string, FieldInfo>, at: string, depth: number): FilterNode {
  if (depth > MAX_FILTER_DEPTH) throw invalid(walk.param, `nests deeper than ${MAX_FILTER_DEPTH} levels`);
  if (!isPlainObject(raw)) throw invalid(at, 'must be an object of conditions');
  const keys = Object.keys(raw);
  if (keys.length === 0) throw invalid(at, 'must hold at least one condition');
  const nodes = keys.map((key): FilterNode => {
    const value = raw[key];
    switch (key) {
      case '$and':
      case '$or': {
        const where = `${walk.param}.${key}`;
        if (!Array.isArray(value) || value.length === 0) throw invalid(where, 'must be a non-empty array of conditions');
        const children = value.map((child) => parseConditions(child, walk, model, fields, where, depth + 1));
        return children.length === 1 ? children[0] : { kind: key === '$and' ? 'and' : 'or', nodes: children };
      }
      case '$not':
        return { kind: 'not', node: parseConditions(value, walk, model, fields, `${walk.param}.$not`, depth + 1) };
      default:
        if (key.startsWith('$')) throw invalid(`${walk.param}.${key}`, 'is not a logical operator ($and, $or, $not)');
        return parsePath(key, value, walk, model, fields, depth);
    }
  });
  return nodes.length === 1 ? nodes[0] : { kind: 'and', nodes };
}

/** `field` or `relation.….field`: each step but the last must be a relation. */
function parsePath(path: string, value: unknown, walk: Walk, model: CollectionModel, fields: ReadonlyMap<string, FieldInfo>, depth: number): FilterNode {
  const at = `${walk.param}.${path}`;
  const steps = path.split('.');
  if (steps.length - 1 > MAX_RELATION_DEPTH) throw invalid(at, `crosses more than ${MAX_RELATION_DEPTH} relations`);
  if (depth + steps.length - 1 > MAX_FILTER_DEPTH) throw invalid(walk.param, `nests deeper than ${MAX_FILTER_DEPTH} levels`);
  const hops: { field: string; target: string }[] = [];
  let current = model;
  let available = fields;
  for (let i = 0; i < steps.length - 1; i++) {
    const info = available.get(steps[i]);
    if (!info) throw unknownField(at, steps[i], current);
    if (!info.target) throw invalid(at, `"${steps[i]}" is not a relation, so a path cannot continue past it`);
    const target = walk.schemas.get(info.target);
    if (!target) throw invalid(at, `"${steps[i]}" points to the missing collection "${info.target}"`);
    hops.push({ field: steps[i], target: info.target });
    current = modelOf(target);
    // Related records in the trash count as gone, so their deleted_at is not a field here.
    available = current.fields;
  }
  const last = steps[steps.length - 1];
  const info = available.get(last);
  if (!info) throw unknownField(at, last, current);
  let node = parseOperators(info, value, walk, at, depth + hops.length);
  for (let i = hops.length - 1; i >= 0; i--) node = { kind: 'relation', field: hops[i].field, target: hops[i].target, node };
  return node;
}

function unknownField(at: string, name: string, model: CollectionModel) {
  return invalid(at, `"${name}" is not a field of "${model.schema.name}"`);
}

/** A bare value (meaning $eq) or an object of operators, all of which must hold. */
function parseOperators(info: FieldInfo, value: unknown, walk: Walk, at: string, depth: number): FilterNode {
  if (!isOperatorObject(value)) {
    if (info.type !== 'json' && (isPlainObject(value) || Array.isArray(value))) {
      throw invalid(at, Array.isArray(value) ? 'a list of values needs $in or $nin' : 'must be a value or an object of operators such as {"$eq": …}');
    }
    return comparison(info, 'eq', value, walk, at);
  }
  const nodes = Object.keys(value).map((key): FilterNode => {
    const operand = value[key];
    if (Object.hasOwn(COMPARISONS, key)) return comparison(info, COMPARISONS[key], operand, walk, at);
    switch (key) {
      case '$in':
      case '$nin':
        return membership(info, key === '$nin', operand, walk, at);
      case '$null':
        if (typeof operand !== 'boolean') throw invalid(at, '$null must be true or false');
        count(walk);
        return { kind: 'null', field: info.name, isNull: operand };
      case '$not':
        if (depth + 1 > MAX_FILTER_DEPTH) throw invalid(walk.param, `nests deeper than ${MAX_FILTER_DEPTH} levels`);
        if (!isOperatorObject(operand)) throw invalid(at, '$not must hold an object of operators');
        return { kind: 'not', node: parseOperators(info, operand, walk, at, depth + 1) };
      default:
        throw invalid(at, `${key} is not an operator; use one of $eq $ne $gt $gte $lt $lte $in $nin $like $ilike $null $not`);
    }
  });
  return nodes.length === 1 ? nodes[0] : { kind: 'and', nodes };
}

function comparison(info: FieldInfo, op: ComparisonOperator, operand: unknown, walk: Walk, at: string): FilterNode {
  count(walk);
  if (op === 'like' || op === 'ilike') {
    if (!isTextual(info.type)) throw invalid(at, `$${op} applies to text fields, not to ${info.type}`);
    const pattern = checkText(operand, at);
    // A backslash escapes % and _; a pattern ending in a lone one is an error on PostgreSQL (a 500, were it let through).
    if (/(?:^|[^\\])(?:\\\\)*\\$/.test(pattern)) throw invalid(at, `$${op} pattern must not end with a lone \\ (it escapes the character after it)`);
    return { kind: 'compare', field: info.name, op, value: pattern };
  }
  if (op !== 'eq' && op !== 'ne' && (info.type === 'json' || info.type === 'boolean')) throw invalid(at, `$${op} does not apply to ${info.type} fields`);
  return { kind: 'compare', field: info.name, op, value: coerceValue(info, operand, at) };
}

function membership(info: FieldInfo, negated: boolean, operand: unknown, walk: Walk, at: string): FilterNode {
  count(walk);
  const name = negated ? '$nin' : '$in';
  if (info.type === 'json') throw invalid(at, `${name} does not apply to json fields`);
  if (!Array.isArray(operand) || operand.length === 0 || operand.length > MAX_IN_VALUES) throw invalid(at, `${name} must be an array of 1 to ${MAX_IN_VALUES} values`);
  return { kind: 'in', field: info.name, negated, values: operand.map((item) => coerceValue(info, item, at)) };
}

function count(walk: Walk): void {
  walk.conditions += 1;
  if (walk.conditions > MAX_FILTER_CONDITIONS) throw invalid(walk.param, `holds more than ${MAX_FILTER_CONDITIONS} conditions`);
}

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
