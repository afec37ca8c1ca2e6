import type { SqlSyntax } from './sql-dialect';

/**
 * The parameters of one statement, in placeholder order. SQL is written left
 * to right and each value is added where its placeholder goes, which is what
 * MySQL's positional `?` needs.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  constructor(private readonly syntax: SqlSyntax) {}

  add(value: unknown): string {
    this.values.push(value);
    return this.syntax.placeholder(this.values.length);
  }

  /** A value the SQL names several times (keyset bounds): bound once on PostgreSQL, once per use on MySQL. */
  reusable(value: unknown): () => string {
    if (this.syntax.reusesParameters) {
      const placeholder = this.add(value);
      return () => placeholder;
    }
    return () => this.add(value);
  }
}
