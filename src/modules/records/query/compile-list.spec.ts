import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CollectionSchema } from 'src/modules/collections/collection-schema';
import type { Dialect } from 'src/modules/collections/sql-identifiers';
import { compileCount, compileList } from './compile-list';
import { encodeCursor } from './cursor';
import type { ExtraConditions } from './list-query';
import { parseFilter } from './parse-filter';
import { parseListQuery, type RawListQuery } from './parse-list-query';
import { searchVectorSql } from './search-vector';
import { articles, authors, comments, counters, schemaOf, schemas } from './spec-fixtures';

const ID = '0190a0b0-1111-7000-8000-00000000000a';
const PG_DATETIME = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const MY_DATETIME = (column: string) => `DATE_FORMAT(${column}, '%Y-%m-%dT%H:%i:%s.%fZ')`;

function list(raw: RawListQuery, dialect: Dialect, collection: CollectionSchema = articles, options: { trash?: boolean; extra?: ExtraConditions } = {}) {
  return compileList(parseListQuery(collection, raw, schemas, { trash: options.trash }), collection, schemas, dialect, options.extra);
}

describe('compileList: the default page', () => {
  it('reads every field, datetimes as text, live records, ordered by id (PostgreSQL)', () => {
    const compiled = list({}, 'postgres');
    assert.equal(
      compiled.sql,
      `SELECT "t"."id", "t"."title", "t"."body", "t"."status", "t"."views", "t"."rating", ${PG_DATETIME('"t"."published_at"')} AS "published_at", "t"."meta", "t"."featured", "t"."external", "t"."author", ` +
        `${PG_DATETIME('"t"."created_at"')} AS "created_at", ${PG_DATETIME('"t"."updated_at"')} AS "updated_at" ` +
        `FROM "c_articles" AS "t" WHERE "t"."deleted_at" IS NULL ORDER BY "t"."id" ASC LIMIT $1 OFFSET $2`,
    );
    assert.deepEqual(compiled.params, [21, 0]);
    assert.equal(compiled.fetch, 21);
    assert.deepEqual(compiled.outputFields, ['id', 'title', 'body', 'status', 'views', 'rating', 'published_at', 'meta', 'featured', 'external', 'author', 'created_at', 'updated_at']);
  });

  it('the same on MariaDB, JSON read as text', () => {
    const compiled = list({ limit: '5', offset: '10' }, 'mysql');
    assert.equal(
      compiled.sql,
      'SELECT `t`.`id`, `t`.`title`, `t`.`body`, `t`.`status`, `t`.`views`, `t`.`rating`, ' +
        `${MY_DATETIME('`t`.`published_at`')} AS \`published_at\`, CAST(\`t\`.\`meta\` AS CHAR) AS \`meta\`, \`t\`.\`featured\`, \`t\`.\`external\`, \`t\`.\`author\`, ` +
        `${MY_DATETIME('`t`.`created_at`')} AS \`created_at\`, ${MY_DATETIME('`t`.`updated_at`')} AS \`updated_at\` ` +
        'FROM `c_articles` AS `t` WHERE `t`.`deleted_at` IS NULL ORDER BY `t`.`id` ASC LIMIT ? OFFSET ?',
    );
    assert.deepEqual(compiled.params, [6, 10]);
  });

  it('has no soft-delete condition where the collection deletes for good, and dates read as text', () => {
    assert.equal(list({}, 'postgres', counters).sql, 'SELECT "t"."id", "t"."n", ' + `${PG_DATETIME('"t"."created_at"')} AS "created_at", ${PG_DATETIME('"t"."updated_at"')} AS "updated_at" FROM "c_counters" AS "t" ORDER BY "t"."id" ASC LIMIT $1 OFFSET $2`);
    assert.match(list({ fields: 'birthday' }, 'postgres', authors).sql, /^SELECT "t"\."id", to_char\("t"\."birthday", 'YYYY-MM-DD'\) AS "birthday" FROM/);
    assert.match(list({ fields: 'birthday' }, 'mysql', authors).sql, /^SELECT `t`\.`id`, DATE_FORMAT\(`t`\.`birthday`, '%Y-%m-%d'\) AS `birthday` FROM/);
  });
});

describe('compileList: filters', () => {
  const filter = JSON.stringify({
    $or: [{ views: { $gte: 1, $lt: 9 } }, { title: { $ilike: 'a%' } }],
    external: { $like: '0190%' },
    published_at: { $null: false, $gt: '2024-01-01T00:00:00Z' },
    meta: { $ne: { a: 1 } },
    $not: { status: { $in: ['draft', 'archived'] } },
    featured: { $nin: [true] },
    rating: { $in: [1.5] },
  });

  it('compiles every operator on PostgreSQL, $in as one typed array', () => {
    const compiled = list({ fields: 'title', filter }, 'postgres');
    assert.equal(
      compiled.sql,
      'SELECT "t"."id", "t"."title" FROM "c_articles" AS "t" WHERE "t"."deleted_at" IS NULL AND ' +
        '((("t"."views" >= $1 AND "t"."views" < $2) OR "t"."title" ILIKE $3) AND "t"."external"::text LIKE $4 AND ("t"."published_at" IS NOT NULL AND "t"."published_at" > $5) ' +
        'AND NOT ("t"."meta" = $6::jsonb) AND NOT ("t"."status" = ANY($7::text[])) AND "t"."featured" <> ALL($8::boolean[]) AND "t"."rating" = ANY($9::double precision[])) ' +
        'ORDER BY "t"."id" ASC LIMIT $10 OFFSET $11',
    );
    assert.deepEqual(compiled.params, [1, 9, 'a%', '0190%', new Date('2024-01-01T00:00:00Z'), '{"a":1}', ['draft', 'archived'], [true], [1.5], 21, 0]);
  });

  it('compiles every operator on MariaDB, $in as a list of placeholders, datetimes as UTC text', () => {
    const compiled = list({ fields: 'title', filter }, 'mysql');
    assert.equal(
      compiled.sql,
      'SELECT `t`.`id`, `t`.`title` FROM `c_articles` AS `t` WHERE `t`.`deleted_at` IS NULL AND ' +
        '(((`t`.`views` >= ? AND `t`.`views` < ?) OR LOWER(`t`.`title`) LIKE LOWER(?)) AND `t`.`external` COLLATE utf8mb4_bin LIKE ? AND (`t`.`published_at` IS NOT NULL AND `t`.`published_at` > ?) ' +
        'AND NOT (JSON_NORMALIZE(`t`.`meta`) = JSON_NORMALIZE(?)) AND NOT (`t`.`status` IN (?, ?)) AND `t`.`featured` NOT IN (?) AND `t`.`rating` IN (?)) ' +
        'ORDER BY `t`.`id` ASC LIMIT ? OFFSET ?',
    );
    assert.deepEqual(compiled.params, [1, 9, 'a%', '0190%', '2024-01-01 00:00:00.000', '{"a":1}', 'draft', 'archived', true, 1.5, 21, 0]);
  });

  it('casts $in arrays to the column type on PostgreSQL', () => {
    const cases: [string, unknown, string][] = [
      ['views', [1, 2], 'bigint'],
      ['external', [ID], 'uuid'],
      ['author', [ID], 'uuid'],
      ['id', [ID], 'uuid'],
      ['published_at', ['2024-01-01T00:00:00Z'], 'timestamptz'],
      ['title', ['a'], 'text'],
    ];
    for (const [field, values, type] of cases) {
      assert.match(list({ fields: 'id', filter: JSON.stringify({ [field]: { $in: values } }) }, 'postgres').sql, new RegExp(`"t"\\."${field}" = ANY\\(\\$1::${type}\\[\\]\\)`));
    }
    assert.match(list({ fields: 'id', filter: '{"birthday": {"$nin": ["2000-01-01"]}}' }, 'postgres', authors).sql, /"t"\."birthday" <> ALL\(\$1::date\[\]\)/);
  });

  it('turns relation paths into subqueries over live target records, several levels deep', () => {
    const filter = '{"article.author.name": {"$in": ["Ada", "Bob"]}, "article.author.company.name": "Acme"}';
    const pg = compileCount(parseListQuery(comments, { filter }, schemas), comments, schemas, 'postgres');
    assert.equal(
      pg.sql,
      'SELECT count(*) AS "count" FROM "c_comments" AS "t" WHERE (' +
        '"t"."article" IN (SELECT "t1"."id" FROM "c_articles" AS "t1" WHERE "t1"."deleted_at" IS NULL AND "t1"."author" IN (SELECT "t2"."id" FROM "c_authors" AS "t2" WHERE "t2"."deleted_at" IS NULL AND "t2"."name" = ANY($1::text[]))) AND ' +
        '"t"."article" IN (SELECT "t1"."id" FROM "c_articles" AS "t1" WHERE "t1"."deleted_at" IS NULL AND "t1"."author" IN (SELECT "t2"."id" FROM "c_authors" AS "t2" WHERE "t2"."deleted_at" IS NULL AND "t2"."company" IN (SELECT "t3"."id" FROM "c_companies" AS "t3" WHERE "t3"."name" = $2))))',
    );
    assert.deepEqual(pg.params, [['Ada', 'Bob'], 'Acme']);
    const my = compileCount(parseListQuery(comments, { filter }, schemas), comments, schemas, 'mysql');
    assert.equal(
      my.sql,
      'SELECT count(*) AS `count` FROM `c_comments` AS `t` WHERE (' +
        '`t`.`article` IN (SELECT `t1`.`id` FROM `c_articles` AS `t1` WHERE `t1`.`deleted_at` IS NULL AND `t1`.`author` IN (SELECT `t2`.`id` FROM `c_authors` AS `t2` WHERE `t2`.`deleted_at` IS NULL AND `t2`.`name` IN (?, ?))) AND ' +
        '`t`.`article` IN (SELECT `t1`.`id` FROM `c_articles` AS `t1` WHERE `t1`.`deleted_at` IS NULL AND `t1`.`author` IN (SELECT `t2`.`id` FROM `c_authors` AS `t2` WHERE `t2`.`deleted_at` IS NULL AND `t2`.`company` IN (SELECT `t3`.`id` FROM `c_companies` AS `t3` WHERE `t3`.`name` = ?))))',
    );
    assert.deepEqual(my.params, ['Ada', 'Bob', 'Acme']);
  });

  it('searches with the index expression', () => {
    const vector = `to_tsvector('simple', coalesce("title", '') || ' ' || coalesce("body", ''))`;
    assert.equal(searchVectorSql(articles), vector);
    const pg = list({ fields: 'id', search: 'fast "full text"', filter: '{"views": 1}' }, 'postgres');
    assert.equal(pg.sql, `SELECT "t"."id" FROM "c_articles" AS "t" WHERE "t"."deleted_at" IS NULL AND "t"."views" = $1 AND ${vector} @@ websearch_to_tsquery('simple', $2) ORDER BY "t"."id" ASC LIMIT $3 OFFSET $4`);
    assert.deepEqual(pg.params, [1, 'fast "full text"', 21, 0]);
    const my = list({ fields: 'id', search: 'fast' }, 'mysql');
    assert.equal(my.sql, 'SELECT `t`.`id` FROM `c_articles` AS `t` WHERE `t`.`deleted_at` IS NULL AND MATCH(`title`, `body`) AGAINST (? IN NATURAL LANGUAGE MODE) ORDER BY `t`.`id` ASC LIMIT ? OFFSET ?');
    assert.deepEqual(my.params, ['fast', 21, 0]);
    assert.throws(() => searchVectorSql(counters), /nothing|no string/);
  });

  it('lists the trash, ANDs the caller’s extra filter first, and sorts optional fields NULLs-last on MariaDB like PostgreSQL', () => {
    const extra = { where: parseFilter({ active: true }, authors, schemas) };
    const raw = { sort: 'email', fields: 'name', filter: '{"company.name": "Acme"}' };
    const pg = list(raw, 'postgres', authors, { trash: true, extra });
    assert.equal(
      pg.sql,
      'SELECT "t"."id", "t"."name", "t"."email" FROM "c_authors" AS "t" WHERE "t"."deleted_at" IS NOT NULL AND "t"."active" = $1 AND "t"."company" IN (SELECT "t1"."id" FROM "c_companies" AS "t1" WHERE "t1"."name" = $2) ORDER BY "t"."email" ASC, "t"."id" ASC LIMIT $3 OFFSET $4',
    );
    assert.deepEqual(pg.params, [true, 'Acme', 21, 0]);
    const my = list(raw, 'mysql', authors, { trash: true, extra });
    assert.equal(
      my.sql,
      'SELECT `t`.`id`, `t`.`name`, `t`.`email` FROM `c_authors` AS `t` WHERE `t`.`deleted_at` IS NOT NULL AND `t`.`active` = ? AND `t`.`company` IN (SELECT `t1`.`id` FROM `c_companies` AS `t1` WHERE `t1`.`name` = ?) ORDER BY `t`.`email` IS NULL ASC, `t`.`email` ASC, `t`.`id` ASC LIMIT ? OFFSET ?',
    );
    assert.match(list({ sort: '-email' }, 'mysql', authors).sql, /ORDER BY `t`\.`email` IS NULL DESC, `t`\.`email` DESC, `t`\.`id` DESC/);
  });
});

describe('compileList: keyset pagination', () => {
  const sorted = (raw: RawListQuery, dialect: Dialect) => {
    const first = parseListQuery(articles, raw, schemas);
    const row = { id: ID, created_at: '2024-05-01T10:00:00.123456Z', title: 'x', views: '7' };
    return list({ ...raw, cursor: encodeCursor(row, first), limit: '10' }, dialect);
  };

  it('compares with the cursor row over the sort keys then id, naming each value once on PostgreSQL', () => {
    const compiled = sorted({ fields: 'title', sort: '-created_at,title' }, 'postgres');
    assert.equal(
      compiled.sql,
      `SELECT "t"."id", "t"."title", ${PG_DATETIME('"t"."created_at"')} AS "created_at" FROM "c_articles" AS "t" WHERE "t"."deleted_at" IS NULL AND ` +
        '"t"."created_at" <= $1 AND ("t"."created_at" < $1 OR ("t"."created_at" = $1 AND ("t"."title" > $2 OR ("t"."title" = $2 AND "t"."id" > $3)))) ' +
        'ORDER BY "t"."created_at" DESC, "t"."title" ASC, "t"."id" ASC LIMIT $4',
    );
    assert.deepEqual(compiled.params, ['2024-05-01T10:00:00.123456Z', 'x', ID, 11]);
    assert.deepEqual(compiled.outputFields, ['title']);
  });

  it('binds each use again on MariaDB, datetimes as UTC text with microseconds', () => {
    const compiled = sorted({ fields: 'title', sort: '-created_at,title' }, 'mysql');
    assert.equal(
      compiled.sql,
      `SELECT \`t\`.\`id\`, \`t\`.\`title\`, ${MY_DATETIME('`t`.`created_at`')} AS \`created_at\` FROM \`c_articles\` AS \`t\` WHERE \`t\`.\`deleted_at\` IS NULL AND ` +
        '`t`.`created_at` <= ? AND (`t`.`created_at` < ? OR (`t`.`created_at` = ? AND (`t`.`title` > ? OR (`t`.`title` = ? AND `t`.`id` > ?)))) ' +
        'ORDER BY `t`.`created_at` DESC, `t`.`title` ASC, `t`.`id` ASC LIMIT ?',
    );
    const at = '2024-05-01 10:00:00.123456';
    assert.deepEqual(compiled.params, [at, at, at, 'x', 'x', ID, 11]);
  });

  it('orders by id alone by default, and in the last key’s direction after the sort', () => {
    assert.match(sorted({}, 'postgres').sql, /WHERE "t"\."deleted_at" IS NULL AND "t"\."id" > \$1 ORDER BY "t"\."id" ASC LIMIT \$2$/);
    assert.match(sorted({ sort: '-views' }, 'postgres').sql, /"t"\."views" <= \$1 AND \("t"\."views" < \$1 OR \("t"\."views" = \$1 AND "t"\."id" < \$2\)\) ORDER BY "t"\."views" DESC, "t"\."id" DESC LIMIT \$3$/);
    assert.deepEqual(sorted({ sort: '-views' }, 'postgres').params, [7, ID, 11]);
    assert.match(sorted({ sort: '-id' }, 'mysql').sql, /`t`\.`id` < \? ORDER BY `t`\.`id` DESC LIMIT \?$/);
  });

  it('selects the sort keys and the expanded relations’ columns the caller needs', () => {
    const compiled = list({ fields: 'title', sort: 'views', expand: 'author,comments_via_article' }, 'postgres');
    assert.match(compiled.sql, /^SELECT "t"\."id", "t"\."title", "t"\."author", "t"\."views" FROM/);
    assert.deepEqual(compiled.outputFields, ['title', 'author', 'comments_via_article']);
  });
});

describe('compileList: shape keys', () => {
  it('stay the same when only values change, and change with the shape or the schema version', () => {
    const key = (raw: RawListQuery, dialect: Dialect = 'postgres', collection = articles) => compileList(parseListQuery(collection, raw, schemas), collection, schemas, dialect).shapeKey;
    const a = key({ filter: '{"views": {"$gt": 1}, "external": {"$in": ["' + ID + '"]}}', limit: '5', offset: '0' });
    assert.equal(a, key({ filter: '{"views": {"$gt": 99}, "external": {"$in": ["' + ID + '", "' + ID.replace('a', 'b') + '"]}}', limit: '50', offset: '100' }));
    assert.match(a, /^v1_articles_list_[0-9a-f]{16}$/);
    assert.notEqual(a, key({ filter: '{"views": {"$gte": 1}, "external": {"$in": ["' + ID + '"]}}' }));
    assert.notEqual(a, key({ filter: '{"views": {"$gt": 1}, "external": {"$in": ["' + ID + '"]}}' }, 'mysql'));
    const v2 = schemaOf({ name: 'articles', softDelete: true, fields: articles.fields }, 2);
    assert.match(compileList(parseListQuery(v2, {}, schemas), v2, schemas, 'postgres').shapeKey, /^v2_articles_list_/);
    // MariaDB binds $in values one by one, so their number is part of the shape there.
    assert.notEqual(key({ filter: '{"views": {"$in": [1]}}' }, 'mysql'), key({ filter: '{"views": {"$in": [1, 2]}}' }, 'mysql'));
    assert.equal(key({ filter: '{"views": {"$in": [1]}}' }, 'mysql'), key({ filter: '{"views": {"$in": [5]}}' }, 'mysql'));
  });

  it('refuses queries of another collection or asking for aggregates', () => {
    const query = parseListQuery(articles, {}, schemas);
    assert.throws(() => compileList(query, comments, schemas, 'postgres'), /compiled against comments/);
    assert.throws(() => compileList(parseListQuery(articles, { aggregate: 'count' }, schemas), articles, schemas, 'postgres'), /compileAggregate/);
  });
});
