import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpandFetch, compileReverseExpandFetch } from './compile-expand';
import { parseFilter } from './parse-filter';
import { parseListQuery } from './parse-list-query';
import { articles, authors, comments, companies, schemas } from './spec-fixtures';

const A = '0190a0b0-1111-7000-8000-00000000000a';
const B = '0190a0b0-1111-7000-8000-00000000000b';

describe('compileExpandFetch', () => {
  const projection = parseListQuery(articles, { fields: 'title,author.name', expand: 'author.company' }, schemas).projection.expand[0].projection;

  it('fetches the live targets of a whole page in one query, with the columns deeper levels need', () => {
    const pg = compileExpandFetch(authors, [A, B, A], 'postgres', projection);
    assert.equal(pg.sql, 'SELECT "t"."id", "t"."name", "t"."company" FROM "c_authors" AS "t" WHERE "t"."deleted_at" IS NULL AND "t"."id" = ANY($1::uuid[])');
    assert.deepEqual(pg.params, [[A, B]]);
    assert.deepEqual(pg.outputFields, ['name', 'company']);
    assert.match(pg.shapeKey, /^v1_authors_expand_/);
    const my = compileExpandFetch(authors, [A, B], 'mysql', projection);
    assert.equal(my.sql, 'SELECT `t`.`id`, `t`.`name`, `t`.`company` FROM `c_authors` AS `t` WHERE `t`.`deleted_at` IS NULL AND `t`.`id` IN (?, ?)');
    assert.deepEqual(my.params, [A, B]);
  });

  it('ANDs the related collection’s row filter, relation paths included, under its own statement name', () => {
    const where = parseFilter({ active: true, 'company.name': 'Acme' }, authors, schemas, { param: 'permission' });
    const pg = compileExpandFetch(authors, [A, B], 'postgres', projection, { where, schemas });
    assert.equal(
      pg.sql,
      'SELECT "t"."id", "t"."name", "t"."company" FROM "c_authors" AS "t" WHERE "t"."deleted_at" IS NULL AND "t"."id" = ANY($1::uuid[]) AND ' +
        '("t"."active" = $2 AND "t"."company" IN (SELECT "t1"."id" FROM "c_companies" AS "t1" WHERE "t1"."name" = $3))',
    );
    assert.deepEqual(pg.params, [[A, B], true, 'Acme']);
    assert.notEqual(pg.shapeKey, compileExpandFetch(authors, [A, B], 'postgres', projection).shapeKey);
    const my = compileExpandFetch(authors, [A], 'mysql', projection, { where, schemas });
    assert.match(my.sql, /AND `t`\.`id` IN \(\?\) AND \(`t`\.`active` = \? AND `t`\.`company` IN \(SELECT `t1`\.`id` FROM `c_companies` AS `t1` WHERE `t1`\.`name` = \?\)\)$/);
    assert.deepEqual(my.params, [A, true, 'Acme']);
  });

  it('reads all fields without a projection, and needs ids', () => {
    assert.match(compileExpandFetch(companies, [A], 'postgres', { expand: [] }).sql, /^SELECT "t"\."id", "t"\."name", "t"\."parent", to_char\("t"\."created_at".* FROM "c_companies" AS "t" WHERE "t"\."id" = ANY\(\$1::uuid\[\]\)$/);
    assert.throws(() => compileExpandFetch(companies, [], 'postgres', { expand: [] }), /without ids/);
  });
});

describe('compileReverseExpandFetch', () => {
  const projection = parseListQuery(articles, { fields: 'comments_via_article.body' }, schemas).projection.expand[0].projection;

  it('fetches the children of all parents at once, a fair share of 1000 rows each', () => {
    const pg = compileReverseExpandFetch(comments, 'article', [A, B], 'postgres', projection);
    assert.equal(
      pg.sql,
      'SELECT "r"."id", "r"."body", "r"."article" FROM (SELECT "t"."id", "t"."body", "t"."article", row_number() OVER (PARTITION BY "t"."article" ORDER BY "t"."id") AS "_rank" ' +
        'FROM "c_comments" AS "t" WHERE "t"."article" = ANY($1::uuid[])) AS "r" WHERE "r"."_rank" <= $2 ORDER BY "r"."article", "r"."id"',
    );
    assert.deepEqual(pg.params, [[A, B], 501]);
    assert.equal(pg.perParentLimit, 500);
    assert.deepEqual(pg.outputFields, ['body']);
    const my = compileReverseExpandFetch(comments, 'article', [A, B, A], 'mysql', projection);
    assert.equal(
      my.sql,
      'SELECT `r`.`id`, `r`.`body`, `r`.`article` FROM (SELECT `t`.`id`, `t`.`body`, `t`.`article`, row_number() OVER (PARTITION BY `t`.`article` ORDER BY `t`.`id`) AS `_rank` ' +
        'FROM `c_comments` AS `t` WHERE `t`.`article` IN (?, ?)) AS `r` WHERE `r`.`_rank` <= ? ORDER BY `r`.`article`, `r`.`id`',
    );
    assert.deepEqual(my.params, [A, B, 501]);
  });

  it('filters the children before ranking them, so hidden ones take no share', () => {
    const where = parseFilter({ likes: { $gt: 1 } }, comments, schemas, { param: 'permission' });
    const pg = compileReverseExpandFetch(comments, 'article', [A, B], 'postgres', projection, { where, schemas });
    assert.match(pg.sql, /FROM "c_comments" AS "t" WHERE "t"\."article" = ANY\(\$1::uuid\[\]\) AND "t"\."likes" > \$2\) AS "r" WHERE "r"\."_rank" <= \$3 /);
    assert.deepEqual(pg.params, [[A, B], 1, 501]);
    assert.notEqual(pg.shapeKey, compileReverseExpandFetch(comments, 'article', [A, B], 'postgres', projection).shapeKey);
    const my = compileReverseExpandFetch(comments, 'article', [A, B], 'mysql', projection, { where, schemas });
    assert.deepEqual(my.params, [A, B, 1, 501]);
  });

  it('excludes soft-deleted children and shrinks the share as parents grow', () => {
    const parents = Array.from({ length: 3000 }, (_, i) => `0190a0b0-1111-7000-8000-${String(i).padStart(12, '0')}`);
    const compiled = compileReverseExpandFetch(articles, 'author', parents, 'postgres', { fields: ['title'], expand: [] });
    assert.match(compiled.sql, /WHERE "t"\."deleted_at" IS NULL AND "t"\."author" = ANY\(\$1::uuid\[\]\)\) AS "r"/);
    assert.equal(compiled.perParentLimit, 1);
    assert.equal(compileReverseExpandFetch(articles, 'author', parents.slice(0, 7), 'postgres', { expand: [] }).perParentLimit, 142);
    assert.throws(() => compileReverseExpandFetch(articles, 'title', [A], 'postgres', { expand: [] }), /not a relation/);
  });
});
