import type { CollectionSchema, FieldType } from 'src/modules/collections/collection-schema';
import type { RawListQuery } from './parse-list-query';

/** Test-only: a small seeded generator (mulberry32), so a failing case can be replayed from its seed. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

const HOSTILE_STRINGS = [
  "'",
  '"',
  '`',
  ';',
  '--',
  '/*',
  '*/',
  '\\',
  '%',
  '_',
  '$1',
  '?',
  '::text',
  "'; DROP TABLE c_articles; --",
  "' OR '1'='1",
  '" OR ""="',
  '`) OR 1=1 #',
  'Robert\'); DELETE FROM "c_articles" WHERE (\'1\'=\'1',
  'é',
  '\u{1F600}',
  '\u0000',
  '\ud800',
  'İı ß ﬃ',
  '\u202e',
  '１２３',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  ' ',
  '',
  '\n\t',
  'x'.repeat(300),
  'NULL',
  'null',
  'SELECT',
  '"t"."id"',
  '`t`.`id`',
  'c_articles',
  't1',
];

const NUMBERS = [0, -1, 1, 7, 1.5, -0.25, 2 ** 53, -(2 ** 53) - 2, 1e21, 1e308, Number.MAX_SAFE_INTEGER, 1e-7];
const VALID_STRINGS = ['draft', 'published', 'archived', '2024-05-01', '2024-05-01T10:00:00Z', '2024-05-01T10:00:00.123456+02:00', '0190a0b0-1111-7000-8000-00000000000a', 'Ada', 'a%', '%e%', 'hello'];
const OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$like', '$ilike', '$null', '$not'];
const HOSTILE_OPERATORS = ['$regex', '$where', '$constructor', '__proto__', '$', '$$eq', '$EQ', 'eq', '$and', '$or'];

/** Field paths worth trying on articles, with their types: real ones, relation paths, system fields, and nonsense. */
function fieldPaths(collection: CollectionSchema): [string, FieldType | undefined][] {
  return [
    ...collection.fields.map((f): [string, FieldType] => [f.name, f.type]),
    ['id', 'uuid'],
    ['created_at', 'datetime'],
    ['updated_at', 'datetime'],
    ['author.name', 'string'],
    ['author.email', 'email'],
    ['author.active', 'boolean'],
    ['author.birthday', 'date'],
    ['author.company.name', 'string'],
    ['author.company.parent.name', 'string'],
    ['author.company', 'relation'],
  ];
}

/** Paths that do not resolve on articles. */
const BAD_PATHS: [string, undefined][] = [
    ['author.company.parent.parent.name', undefined],
    ['deleted_at', undefined],
    ['author.deleted_at', undefined],
    ['comments_via_article.body', undefined],
    ['title.x', undefined],
    ['nope', undefined],
    ['author.', undefined],
    ['.title', undefined],
];

/** A value that suits a field of `type`, most of the time. */
function fittingValue(random: SeededRandom, type: FieldType | undefined): unknown {
  switch (type) {
    case 'integer':
      return random.int(100) - 50;
    case 'number':
      return random.next() * 10 - 5;
    case 'boolean':
      return random.chance(0.5);
    case 'datetime':
      return random.pick(['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.123456+02:00', '2023-12-31', '2024-02-29T23:59']);
    case 'date':
      return random.pick(['2024-02-29', '1999-12-31']);
    case 'enum':
      return random.pick(['draft', 'published', 'archived']);
    case 'uuid':
    case 'relation':
      return random.pick(['0190a0b0-1111-7000-8000-00000000000a', '0190A0B0-2222-7000-8000-00000000000B']);
    case 'json':
      return random.pick([{ a: 1 }, [1, 'x'], 'text', 3, true, { "k'\"; --": ['é', '\u{1F600}', null, -0.5] }]);
    default:
      return random.pick([...VALID_STRINGS, ...HOSTILE_STRINGS.filter((s) => s !== '\u0000' && s !== '\ud800')]);
  }
}

function operand(random: SeededRandom, type: FieldType | undefined, depth: number): unknown {
  return random.chance(0.92) ? fittingValue(random, type) : randomValue(random, depth);
}

function randomValue(random: SeededRandom, depth: number): unknown {
  switch (random.int(depth > 2 ? 5 : 7)) {
    case 0:
      return random.pick(NUMBERS) * (random.chance(0.2) ? -1 : 1);
    case 1:
      return random.pick(HOSTILE_STRINGS);
    case 2:
      return random.pick(VALID_STRINGS);
    case 3:
      return random.chance(0.5);
    case 4:
      return random.chance(0.9) ? random.int(100) : null;
    case 5:
      return Array.from({ length: random.chance(0.05) ? 501 : random.int(4) }, () => randomValue(random, depth + 1));
    default:
      return randomOperators(random, undefined, depth + 1);
  }
}

function randomOperators(random: SeededRandom, type: FieldType | undefined, depth: number): Record<string, unknown> {
  const operators: Record<string, unknown> = {};
  for (let i = 0, n = 1 + random.int(2); i < n; i++) {
    const op = random.chance(0.95) ? random.pick(OPERATORS) : random.pick(HOSTILE_OPERATORS);
    if (op === '$in' || op === '$nin') operators[op] = Array.from({ length: random.chance(0.03) ? 0 : 1 + random.int(4) }, () => operand(random, type, depth + 3));
    else if (op === '$null') operators[op] = random.chance(0.95) ? random.chance(0.5) : 'yes';
    else if (op === '$not') operators[op] = depth > 9 ? { $eq: 1 } : randomOperators(random, type, depth + 1);
    else if (op === '$like' || op === '$ilike') operators[op] = random.pick([...VALID_STRINGS, ...HOSTILE_STRINGS]);
    else operators[op] = operand(random, type, depth + 3);
  }
  return operators;
}

/** A random filter object: fields with values or operators, $and/$or/$not, sometimes nested past the limits. */
export function randomFilter(random: SeededRandom, collection: CollectionSchema, depth = 0): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  for (let i = 0, n = 1 + random.int(3); i < n; i++) {
    const roll = random.int(10);
    if (roll < 2 && depth < 11) {
      filter[random.chance(0.5) ? '$and' : '$or'] = Array.from({ length: 1 + random.int(3) }, () => randomFilter(random, collection, depth + 1));
    } else if (roll < 3 && depth < 11) {
      filter.$not = randomFilter(random, collection, depth + 1);
    } else {
      const roll = random.next();
      const [field, type] = roll < 0.94 ? random.pick(fieldPaths(collection)) : roll < 0.97 ? random.pick(BAD_PATHS) : [random.pick(HOSTILE_STRINGS), undefined];
      filter[field] = random.chance(0.4) ? operand(random, type, depth) : randomOperators(random, type, depth);
    }
  }
  return filter;
}

function randomList(random: SeededRandom, names: readonly string[], max: number, prefix = ''): string {
  return Array.from({ length: 1 + random.int(max) }, () => `${random.chance(0.3) ? prefix : ''}${random.chance(0.95) ? random.pick(names) : random.pick(HOSTILE_STRINGS)}`).join(',');
}

/**
 * A random list request against articles: mostly well-formed parameters with
 * hostile strings, bad numbers, unknown names and prototype keys mixed in.
 */
export function randomListRequest(random: SeededRandom, collection: CollectionSchema): RawListQuery {
  const raw: Record<string, string | string[] | undefined> = {};
  const fields = [...collection.fields.map((f) => f.name), 'id', 'created_at', 'updated_at'];
  if (random.chance(0.7)) raw.filter = random.chance(0.93) ? JSON.stringify(randomFilter(random, collection)) : random.pick([...HOSTILE_STRINGS, '{"views": ', '{"title": "x"}}', '[]', '{}', '1']);
  if (random.chance(0.4)) raw.sort = randomList(random, [...fields.filter((f) => f !== 'meta'), 'meta', 'author.name'].slice(0, random.chance(0.8) ? -2 : undefined), 3, '-');
  if (random.chance(0.3)) raw.fields = randomList(random, [...fields, 'author.name', 'author.company.name', 'comments_via_article.body', 'comments_via_article'], 5);
  if (random.chance(0.3)) raw.expand = randomList(random, ['author', 'author.company', 'author.company.parent', 'comments_via_article', 'comments_via_article.article', 'author.company.parent.parent', 'title'].slice(0, random.chance(0.8) ? 5 : undefined), 3);
  if (random.chance(0.3)) raw.limit = random.chance(0.8) ? String(1 + random.int(500)) : random.pick(['501', '0', '-1', '1e3', 'x', ' 5']);
  if (random.chance(0.2)) raw.offset = random.chance(0.8) ? String(random.int(1000)) : random.pick(['-1', '9007199254740993', 'x']);
  if (random.chance(0.2)) raw.search = random.pick([...HOSTILE_STRINGS, ...VALID_STRINGS]);
  if (random.chance(0.15)) raw.count = random.pick(['true', 'false', 'yes']);
  if (random.chance(0.1)) raw.cursor = random.pick([...HOSTILE_STRINGS, 'eyJjIjoiYXJ0aWNsZXMifQ', Buffer.from(JSON.stringify({ c: 'articles', s: '', k: [random.pick(HOSTILE_STRINGS)] })).toString('base64url')]);
  if (random.chance(0.15)) {
    raw.aggregate = randomList(random, ['count', 'sum:views', 'avg:rating', 'min:published_at', 'max:title', 'sum:title', 'avg:nope'], 3);
    if (random.chance(0.6)) raw.group_by = randomList(random, ['status', 'featured', 'author', 'meta', 'nope'], 2);
    if (random.chance(0.3)) raw.sort = randomList(random, ['count', 'status', 'sum_views', 'views'], 2, '-');
  }
  if (random.chance(0.03)) raw[random.pick(['page', '__proto__', 'constructor', 'trash', 'filter[views]'])] = '1';
  if (random.chance(0.01)) raw.sort = ['title', 'views'];
  return raw;
}
