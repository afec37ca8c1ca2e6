/**
 * The tables Basalt creates for the two collections, written out by hand for
 * the embedded baseline's own PGlite: the same columns, types, defaults,
 * foreign key and indexes (the composite index, the relation's index and the
 * full-text GIN index Basalt adds on string and text fields), so the baseline
 * pays the same per-row costs on create. On PostgreSQL the baseline uses
 * Basalt's tables themselves, and the driver checks that this DDL still
 * matches them (see `schemaDifferences`).
 */
export const BASELINE_DDL = [
  `CREATE TABLE "c_authors" ("id" uuid NOT NULL PRIMARY KEY, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), "name" varchar(255) NOT NULL, "email" varchar(320) NULL)`,
  `CREATE INDEX "c_authors_search_idx" ON "c_authors" USING gin (to_tsvector('simple', coalesce("name", '')))`,
  `CREATE TABLE "c_articles" ("id" uuid NOT NULL PRIMARY KEY, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), "title" varchar(200) NOT NULL, "body" text NULL, "status" varchar(64) NOT NULL DEFAULT 'draft', "views" bigint NULL DEFAULT 0, "published_at" timestamptz NULL, "author" uuid NULL)`,
  `CREATE INDEX "c_articles_author_idx" ON "c_articles" ("author")`,
  `ALTER TABLE "c_articles" ADD CONSTRAINT "c_articles_author_fkey" FOREIGN KEY ("author") REFERENCES "c_authors" ("id") ON DELETE RESTRICT`,
  `CREATE INDEX "c_articles_status_published_idx" ON "c_articles" ("status", "published_at")`,
  `CREATE INDEX "c_articles_search_idx" ON "c_articles" USING gin (to_tsvector('simple', coalesce("title", '') || ' ' || coalesce("body", '')))`,
];

/** Columns and indexes of both tables, as a comparable list of strings. */
export const SCHEMA_FINGERPRINT_SQL = `
  SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '') ||
         ' ' || is_nullable || ' default ' || coalesce(column_default, '-') AS item
    FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ('c_authors', 'c_articles')
  UNION ALL
  SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename IN ('c_authors', 'c_articles')
  UNION ALL
  SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
   WHERE conrelid IN ('public.c_authors'::regclass, 'public.c_articles'::regclass) AND contype <> 'n' -- PostgreSQL 18 lists NOT NULL here too
  ORDER BY 1`;

/** The baseline's list statement, for EXPLAIN: which plan both sides get on this data. */
export const EXPLAIN_LIST_SQL = `EXPLAIN SELECT * FROM "c_articles" WHERE "status" = 'published' ORDER BY "published_at" DESC, "id" DESC LIMIT 21`;
