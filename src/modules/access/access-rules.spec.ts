import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from 'src/common/errors/domain.error';
import { articles, schemas } from 'src/modules/records/query/spec-fixtures';
import { ROLE_NAME, effectiveCheck, effectiveRoles, mergeRules, substitute, type RuleParts, type Variables } from './access-rules';
import { buildGrant, type StoredRule } from './grant';

const vars: Variables = { userId: '0190a000-0000-7000-8000-000000000001', roles: ['user', 'editor'], now: '2026-01-01T00:00:00.000Z' };

const part = (over: Partial<RuleParts<string>> = {}): RuleParts<string> => ({ where: null, fields: null, presets: null, check: null, ...over });

let next = 0;
function rule(over: Partial<StoredRule>): StoredRule {
  next += 1;
  return { id: `r${next}`, role: 'user', collection: 'articles', action: 'read', rowFilter: null, fields: null, presets: null, check: null, createdAt: new Date(0), ...over };
}

describe('substitute', () => {
  it('replaces $user.id, $user.roles and $now wherever they stand as a whole value', () => {
    assert.deepEqual(substitute({ owner: { $eq: '$user.id' }, $or: [{ team: { $in: '$user.roles' } }, { at: { $lt: '$now' } }] }, vars), {
      owner: { $eq: vars.userId },
      $or: [{ team: { $in: ['user', 'editor'] } }, { at: { $lt: vars.now } }],
    });
  });

  it('leaves other strings alone, inside text too, and keys untouched', () => {
    assert.deepEqual(substitute({ '$user.id': 'x $user.id', n: 1, b: null, list: ['$now!', '$user'] }, vars), { '$user.id': 'x $user.id', n: 1, b: null, list: ['$now!', '$user'] });
  });

  it('gives each substitution its own array, so a grant cannot change the caller’s roles', () => {
    const out = substitute(['$user.roles'], vars) as string[][];
    out[0].push('admin');
    assert.deepEqual(vars.roles, ['user', 'editor']);
  });
});

describe('mergeRules: OR across roles', () => {
  it('ORs row filters; one unfiltered rule lifts the filter', () => {
    assert.deepEqual(mergeRules([part({ where: 'A' }), part({ where: 'B' })]).where, ['A', 'B']);
    assert.equal(mergeRules([part({ where: 'A' }), part()]).where, null);
  });

  it('unions allow-lists; one "all fields" rule wins', () => {
    assert.deepEqual(mergeRules([part({ fields: ['title', 'body'] }), part({ fields: ['views', 'title'] })]).fields, ['body', 'title', 'views']);
    assert.equal(mergeRules([part({ fields: ['title'] }), part()]).fields, null);
  });

  it('combines presets; equal values agree, different ones are conflicts', () => {
    const merged = mergeRules([part({ presets: { owner: '$user.id', meta: { a: 1, b: 2 } } }), part({ presets: { team: 'x', meta: { b: 2, a: 1 } } })]);
    assert.deepEqual(merged.presets, { owner: '$user.id', meta: { a: 1, b: 2 }, team: 'x' });
    assert.deepEqual(merged.conflicts, []);
    const clash = mergeRules([part({ presets: { status: 'draft', owner: '$user.id' } }), part({ presets: { status: 'published', owner: '$user.id' } })]);
    assert.deepEqual(clash.conflicts, ['status']);
    assert.equal(mergeRules([part(), part()]).presets, null);
  });

  it('ORs checks; one rule without a check lifts it', () => {
    assert.deepEqual(mergeRules([part({ check: 'A' }), part({ check: 'B' })]).checks, ['A', 'B']);
    assert.equal(mergeRules([part({ check: 'A' }), part()]).checks, null);
  });

  it('needs a rule', () => {
    assert.throws(() => mergeRules([]));
  });
});

describe('effectiveCheck', () => {
  it('an explicit check wins; update falls back to the row filter; create and others check nothing by default', () => {
    assert.equal(effectiveCheck('update', 'W', 'C'), 'C');
    assert.equal(effectiveCheck('update', 'W', null), 'W');
    assert.equal(effectiveCheck('update', null, null), null);
    assert.equal(effectiveCheck('create', null, 'C'), 'C');
    assert.equal(effectiveCheck('create', null, null), null);
  });
});

describe('roles', () => {
  it('anonymous callers act as public; signed-in callers as their account role and their custom roles, sorted, built-ins dropped', () => {
    assert.deepEqual(effectiveRoles('public', ['editor']), ['public']);
    assert.deepEqual(effectiveRoles('user', ['zeta', 'editor', 'editor', 'admin', 'public']), ['user', 'editor', 'zeta']);
    assert.deepEqual(effectiveRoles('admin', []), ['admin']);
  });

  it('names are lower-case, 2-32 characters, starting with a letter', () => {
    for (const ok of ['editor', 'team-a', 'x1', 'a_b', 'a'.repeat(32)]) assert.ok(ROLE_NAME.test(ok), ok);
    for (const bad of ['a', 'Editor', '1team', '-x', 'a b', 'a'.repeat(33), 'é', '']) assert.ok(!ROLE_NAME.test(bad), bad);
  });
});

describe('buildGrant', () => {
  const build = (rules: StoredRule[], action: StoredRule['action'], stale?: (rule: StoredRule, error: Error) => void) => buildGrant(rules, action, articles, schemas, vars, stale);

  it('ORs the parsed row filters of several roles, variables substituted', () => {
    const grant = build([rule({ rowFilter: { status: 'published' } }), rule({ role: 'editor', rowFilter: { status: { $in: ['draft', 'archived'] } } })], 'read');
    assert.deepEqual(grant.where, {
      kind: 'or',
      nodes: [
        { kind: 'compare', field: 'status', op: 'eq', value: 'published' },
        { kind: 'in', field: 'status', negated: false, values: ['draft', 'archived'] },
      ],
    });
  });

  it('$user.roles feeds $in', () => {
    const grant = build([rule({ rowFilter: { title: { $in: '$user.roles' } } })], 'read');
    assert.deepEqual(grant.where, { kind: 'in', field: 'title', negated: false, values: ['user', 'editor'] });
  });

  it('read allow-lists union into readable; create/update into writable', () => {
    assert.deepEqual(build([rule({ fields: ['title'] }), rule({ fields: ['views'] })], 'read').readable, ['title', 'views']);
    assert.deepEqual(build([rule({ action: 'update', fields: ['title'] })], 'update').writable, ['title']);
    assert.equal(build([rule({ fields: ['title'] }), rule({})], 'read').readable, undefined);
  });

  it('update without an explicit check is checked against its row filter; an explicit check replaces it', () => {
    const own = { external: { $eq: '$user.id' } };
    const implicit = build([rule({ action: 'update', rowFilter: own })], 'update');
    assert.deepEqual(implicit.check, { kind: 'compare', field: 'external', op: 'eq', value: vars.userId });
    assert.deepEqual(implicit.where, implicit.check);
    const explicit = build([rule({ action: 'update', rowFilter: own, check: { views: { $lt: 100 } } })], 'update');
    assert.deepEqual(explicit.check, { kind: 'compare', field: 'views', op: 'lt', value: 100 });
    assert.equal(build([rule({ action: 'update', rowFilter: own }), rule({ action: 'update' })], 'update').check, undefined, 'one unrestricted update rule: nothing to check');
    assert.equal(build([rule({ action: 'read', rowFilter: own })], 'read').check, undefined, 'reads carry no check');
  });

  it('create checks and presets; conflicting presets are a 409 naming the field', () => {
    const grant = build([rule({ action: 'create', presets: { external: '$user.id' }, check: { views: { $gte: 0 } } })], 'create');
    assert.deepEqual(grant.presets, { external: vars.userId });
    assert.deepEqual(grant.check, { kind: 'compare', field: 'views', op: 'gte', value: 0 });
    assert.throws(
      () => build([rule({ action: 'create', presets: { status: 'draft' } }), rule({ action: 'create', presets: { status: 'published' } })], 'create'),
      (error: unknown) => error instanceof DomainError && error.status === 409 && error.code === 'preset-conflict' && /"status"/.test(error.detail ?? ''),
    );
  });

  it('a rule that no longer parses grants nothing; none left is a 403', () => {
    const reported: string[] = [];
    const broken = rule({ rowFilter: { dropped: 'x' } });
    const grant = build([broken, rule({ rowFilter: { status: 'published' } })], 'read', (r) => reported.push(r.id));
    assert.deepEqual(grant.where, { kind: 'compare', field: 'status', op: 'eq', value: 'published' }, 'the broken rule does not widen to "all"');
    assert.deepEqual(reported, [broken.id]);
    assert.throws(() => build([broken], 'read'), (error: unknown) => error instanceof DomainError && error.status === 403);
    // A broken check must not leave the write unchecked either.
    assert.throws(() => build([rule({ action: 'update', check: { dropped: 1 } })], 'update'), (error: unknown) => error instanceof DomainError && error.status === 403);
  });
});
