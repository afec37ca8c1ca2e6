import { SOFT_DELETE_COLUMN } from 'src/modules/collections/collection-schema';
import { MAIN_ALIAS, modelOf, type CollectionModel, type FieldInfo } from './collection-model';
import type { FilterNode, SchemaLookup } from './list-query';
import type { SqlSyntax } from './sql-dialect';
import type { SqlParams } from './sql-params';

/** One collection's table in the statement: the main one (alias t) or a relation subquery (t1, t2, …). */
export interface FilterScope {
  readonly model: CollectionModel;
  readonly fields: ReadonlyMap<string, FieldInfo>;
  /** Qualified, quoted column reference. */
  column(name: string): string;
  /** Relation subqueries nested around this scope. */
  readonly depth: number;
}

export interface FilterContext {
  readonly syntax: SqlSyntax;
  readonly params: SqlParams;
  readonly schemas: SchemaLookup;
}

const OPERATORS = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** The scope of a statement's main table, with its identifiers quoted once per schema version. */
export function mainScope(model: CollectionModel, syntax: SqlSyntax, trash: boolean): FilterScope {
  const columns = model.sql(syntax.dialect).columns;
  return { model, fields: trash ? model.trashFields : model.fields, column: (name) => columns.get(name)!, depth: 0 };
}

/**
 * A filter as a SQL condition. Composite results come parenthesised, so
 * callers can join them with AND. Parameters are added in text order.
 */
export function compileFilter(node: FilterNode, scope: FilterScope, context: FilterContext): string {
  switch (node.kind) {
    case 'and':
    case 'or':
      return `(${node.nodes.map((child) => compileFilter(child, scope, context)).join(node.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not': {
      const inner = compileFilter(node.node, scope, context);
      return node.node.kind === 'and' || node.node.kind === 'or' ? `NOT ${inner}` : `NOT (${inner})`;
    }
    case 'null':
      return `${scope.column(field(scope, node.field).name)} IS ${node.isNull ? '' : 'NOT '}NULL`;
    case 'in': {
      const info = field(scope, node.field);
      return context.syntax.anyOf(scope.column(info.name), info.type, node.values, context.params, node.negated);
    }
    case 'compare': {
      const info = field(scope, node.field);
      const column = scope.column(info.name);
      const { syntax, params } = context;
      if (node.op === 'like' || node.op === 'ilike') return syntax.like(column, info.type, params.add(node.value), node.op === 'ilike');
      if (info.type === 'json') {
        const equals = syntax.jsonEquals(column, params.add(node.value));
        return node.op === 'eq' ? equals : `NOT (${equals})`;
      }
      return `${column} ${OPERATORS[node.op]} ${params.add(syntax.parameter(node.value, info.type))}`;
    }
    case 'relation':
      return relation(node, scope, context);
  }
}

/** `author IN (SELECT id FROM c_users WHERE …)`: the target's live records only. */
function relation(node: Extract<FilterNode, { kind: 'relation' }>, scope: FilterScope, context: FilterContext): string {
  const { syntax } = context;
  const target = context.schemas.get(node.target);
  if (!target) throw new Error(`filter: collection ${node.target} is gone`);
  const model = modelOf(target);
  const depth = scope.depth + 1;
  const alias = syntax.quote(`${MAIN_ALIAS}${depth}`);
  const inner: FilterScope = { model, fields: model.fields, column: (name) => `${alias}.${syntax.quote(name)}`, depth };
  const alive = target.softDelete ? `${inner.column(SOFT_DELETE_COLUMN)} IS NULL AND ` : '';
  const condition = compileFilter(node.node, inner, context);
  return `${scope.column(field(scope, node.field).name)} IN (SELECT ${inner.column('id')} FROM ${model.sql(syntax.dialect).table} AS ${alias} WHERE ${alive}${condition})`;
}

function field(scope: FilterScope, name: string): FieldInfo {
  const info = scope.fields.get(name);
  // Parsed filters only name existing fields; this is a filter built against another schema version.
  if (!info) throw new Error(`filter: ${scope.model.schema.name} has no field ${name}`);
  return info;
}
