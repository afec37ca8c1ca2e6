import type { AccessAction } from './access.types';

/**
 * The pure half of permissions: variable substitution and how the rules of a
 * caller's several roles combine. No Nest, no database: AccessService parses
 * the filters and hands them here.
 */

/** The values the variables of a rule stand for, for one caller. */
export interface Variables {
  /** "$user.id" */
  readonly userId: string;
  /** "$user.roles": every role the caller acts with, built-in ones included. */
  readonly roles: readonly string[];
  /** "$now": an ISO timestamp. */
  readonly now: string;
}

export const VARIABLES = ['$user.id', '$user.roles', '$now'] as const;

/** Replaces "$user.id", "$user.roles" and "$now" wherever they stand as a whole value (in arrays and objects too). */
export function substitute(value: unknown, vars: Variables): unknown {
  if (value === '$user.id') return vars.userId;
  if (value === '$user.roles') return [...vars.roles];
  if (value === '$now') return vars.now;
  if (Array.isArray(value)) return value.map((item) => substitute(item, vars));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  return value;
}

/** One role's rule for a collection and action, its filters already in the form F (parsed, or raw in tests). */
export interface RuleParts<F> {
  /** Which records the rule reaches; null: all. */
  readonly where: F | null;
  /** read: readable, create/update: writable fields; null: all. */
  readonly fields: readonly string[] | null;
  /** create: values the server sets (raw, before substitution). */
  readonly presets: Readonly<Record<string, unknown>> | null;
  /** create/update: what a written record must match; null: anything (see effectiveCheck). */
  readonly check: F | null;
}

/** The rules of all of a caller's roles for one collection and action, OR-merged. */
export interface Merged<F> {
  /** Row filters to OR; null when some rule reaches every record. */
  readonly where: F[] | null;
  /** The union of the allow-lists; null when some rule allows every field. */
  readonly fields: string[] | null;
  /** Every rule's presets together; null when none sets any. */
  readonly presets: Record<string, unknown> | null;
  /** Fields two rules preset to different values: a create must be refused (ambiguous). */
  readonly conflicts: string[];
  /** Checks to OR (a written record must match one); null when some rule checks nothing. */
  readonly checks: F[] | null;
}

/**
 * What a written record must match under one rule: its explicit check; for
 * update without one, its row filter (a record may not be moved out of the
 * rule's reach, as PostgreSQL's WITH CHECK defaults to USING); null: nothing.
 */
export function effectiveCheck<F>(action: AccessAction, where: F | null, check: F | null): F | null {
  if (check !== null) return check;
  return action === 'update' ? where : null;
}

/**
 * OR-merges rules (at least one): a caller may do what any one of its roles
 * allows. Row filters and checks are ORed (any rule without one lifts the
 * restriction, as permissive policies do in PostgreSQL), allow-lists unioned
 * (any "all fields" wins), presets combined (a field two rules preset
 * differently is reported in `conflicts`).
 */
export function mergeRules<F>(rules: readonly RuleParts<F>[]): Merged<F> {
  if (rules.length === 0) throw new Error('mergeRules needs at least one rule');
  const where = rules.some((rule) => rule.where === null) ? null : rules.map((rule) => rule.where as F);
  const checks = rules.some((rule) => rule.check === null) ? null : rules.map((rule) => rule.check as F);
  const fields = rules.some((rule) => rule.fields === null) ? null : [...new Set(rules.flatMap((rule) => rule.fields ?? []))].sort();
  const presets: Record<string, unknown> = {};
  const conflicts = new Set<string>();
  for (const rule of rules) {
    for (const [field, value] of Object.entries(rule.presets ?? {})) {
      if (Object.hasOwn(presets, field) && !sameValue(presets[field], value)) conflicts.add(field);
      else presets[field] = value;
    }
  }
  return { where, fields, presets: Object.keys(presets).length > 0 ? presets : null, conflicts: [...conflicts].sort(), checks };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Objects with their keys sorted, so {"a":1,"b":2} equals {"b":2,"a":1}. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  return value;
}

/** Role names administrators may create: lower-case, starting with a letter, at most 32 characters. */
export const ROLE_NAME = /^[a-z][a-z0-9_-]{1,31}$/;

/** Built-in roles: they exist without a row and cannot be created or deleted. */
export const BUILT_IN_ROLES = ['admin', 'user', 'public'] as const;

export function isBuiltInRole(name: string): boolean {
  return (BUILT_IN_ROLES as readonly string[]).includes(name);
}

/**
 * The roles a caller acts with: anonymous ['public']; a signed-in user
 * 'user' (or 'admin') followed by its custom roles, sorted.
 */
export function effectiveRoles(base: 'admin' | 'user' | 'public', custom: readonly string[]): string[] {
  if (base === 'public') return ['public'];
  return [base, ...[...new Set(custom)].filter((role) => !isBuiltInRole(role)).sort()];
}
