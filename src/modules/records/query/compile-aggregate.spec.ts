import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Dialect } from 'src/modules/collections/sql-identifiers';
import { compileAggregate } from './compile-aggregate';
import { aggregateRowMapper } from './map-row';
import { parseListQuery, type RawListQuery } from './parse-list-query';
import { articles, schemas } from './spec-fixtures';

function aggregate(raw: RawListQuery, dialect: Dialect) {
  return compileAggregate(parseListQuery(articles, raw, schemas), articles, schemas, dialect);
}

describe('compileAggregate', () => {
  it('compiles one row over the filtered records without grouping or paging', () => {
    const raw = { aggregate: 'count,avg:views,min:published_at,sum:rating', search: 'x' };
    const pg = aggregate(raw, 'postgres');
    assert.equal(
      pg.sql,
      `SELECT count(*) AS "count", avg("t"."views") AS "avg_views", to_char(min("t"."published_at") AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "min_published_at", sum("t"."rating") AS "sum_rating" ` +
        `FROM "c_articles" AS "t" WHERE "t"."deleted_at" IS NULL AND to_tsvector('simple', coalesce("title", '') || ' ' || coalesce("body", '')) @@ websearch_to_tsquery('simple', $1)`,
    );
    assert.deepEqual(pg.params, ['x']);
    const my = aggregate(raw, 'mysql');
    assert.equal(
      my.sql,
      "SELECT count(*) AS `count`, avg(CAST(`t`.`views` AS DOUBLE)) AS `avg_views`, DATE_FORMAT(min(`t`.`published_at`), '%Y-%m-%dT%H:%i:%s.%fZ') AS `min_published_at`, sum(`t`.`rating`) AS `sum_rating` " +
        'FROM `c_articles` AS `t` WHERE `t`.`deleted_at` IS NULL AND MATCH(`title`, `body`) AGAINST (? IN NATURAL LANGUAGE MODE)',
    );
    assert.match(pg.shapeKey, /^v1_articles_aggregate_/);
  });

  it('groups, orders by the sort then the group fields, and pages', () => {
    const raw = { aggregate: 'count,max:rating', group_by: 'author,featured', sort: '-max_rating', offset: '20', limit: '10', filter: '{"status": "published"}' };
    const pg = aggregate(raw, 'postgres');
    assert.equal(
      pg.sql,
      'SELECT "t"."author", "t"."featured", count(*) AS "count", max("t"."rating") AS "max_rating" FROM "c_articles" AS "t" WHERE "t"."deleted_at" IS NULL AND "t"."status" = $1 ' +
        'GROUP BY "t"."author", "t"."featured" ORDER BY max("t"."rating") DESC, "t"."author" ASC, "t"."featured" ASC LIMIT $2 OFFSET $3',
    );
    assert.deepEqual(pg.params, ['published', 11, 20]);
    const my = aggregate(raw, 'mysql');
    assert.equal(
      my.sql,
      'SELECT `t`.`author`, `t`.`featured`, count(*) AS `count`, max(`t`.`rating`) AS `max_rating` FROM `c_articles` AS `t` WHERE `t`.`deleted_at` IS NULL AND `t`.`status` = ? ' +
        'GROUP BY `t`.`author`, `t`.`featured` ORDER BY max(`t`.`rating`) IS NULL DESC, max(`t`.`rating`) DESC, `t`.`author` IS NULL ASC, `t`.`author` ASC, `t`.`featured` ASC LIMIT ? OFFSET ?',
    );
    assert.deepEqual(my.params, ['published', 11, 20]);
    assert.match(aggregate({ aggregate: 'count', group_by: 'status', sort: '-count' }, 'postgres').sql, /ORDER BY count\(\*\) DESC, "t"\."status" ASC/);
  });

  it('reads dates of groups as text', () => {
    assert.match(aggregate({ aggregate: 'count', group_by: 'published_at' }, 'postgres').sql, /^SELECT to_char\("t"\."published_at" AT TIME ZONE 'UTC', '[^']+'\) AS "published_at", count\(\*\) AS "count" FROM .* GROUP BY "t"\."published_at" ORDER BY "t"\."published_at" ASC/);
  });

  it('maps aggregate rows to numbers and API values', () => {
    const query = parseListQuery(articles, { aggregate: 'count,sum:views,avg:views,min:published_at,max:views', group_by: 'featured,status' }, schemas);
    const pg = aggregateRowMapper(query, articles, 'postgres');
    assert.deepEqual(pg({ featured: true, status: 'draft', count: '3', sum_views: '30', avg_views: '10.0000000000000000', min_published_at: '2024-05-01T10:00:00.123456Z', max_views: '12' }), {
      featured: true,
      status: 'draft',
      count: 3,
      sum_views: 30,
      avg_views: 10,
      min_published_at: '2024-05-01T10:00:00.123Z',
      max_views: 12,
    });
    const my = aggregateRowMapper(query, articles, 'mysql');
    assert.deepEqual(my({ featured: 0, status: 'draft', count: '0', sum_views: null, avg_views: null, min_published_at: null, max_views: null }), {
      featured: false,
      status: 'draft',
      count: 0,
      sum_views: null,
      avg_views: null,
      min_published_at: null,
      max_views: null,
    });
  });
});
