/** What the driver, Basalt's setup and the baseline server must agree on. */

export const HOST = '127.0.0.1';
export const ADMIN = { email: 'bench-admin@example.com', password: 'bench-admin-password-1' };

/** Every HTTP call the driver makes outside autocannon is bounded by this. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** Seeding arrays of 1,000 records take longer per request, above all on the embedded database. */
export const SEED_REQUEST_TIMEOUT_MS = 180_000;

export const PAGE_SIZE = 20;

/** The collections as Basalt's API receives them (`POST /api/v1/collections`). */
export const AUTHORS_DEFINITION = {
  name: 'authors',
  fields: [
    { name: 'name', type: 'string', required: true },
    { name: 'email', type: 'email' },
  ],
  indexes: [],
};

export const ARTICLES_DEFINITION = {
  name: 'articles',
  fields: [
    { name: 'title', type: 'string', required: true, maxLength: 200 },
    { name: 'body', type: 'text' },
    { name: 'status', type: 'enum', values: ['draft', 'published'], required: true, default: 'draft' },
    { name: 'views', type: 'integer', default: 0 },
    { name: 'published_at', type: 'datetime' },
    { name: 'author', type: 'relation', target: 'authors' },
  ],
  indexes: [{ name: 'status_published', fields: ['status', 'published_at'] }],
};

/** Column order of a record as the baseline selects it: the system columns, then the fields in definition order. */
export const AUTHOR_COLUMNS = ['id', 'created_at', 'updated_at', 'name', 'email'] as const;
export const ARTICLE_COLUMNS = ['id', 'created_at', 'updated_at', 'title', 'body', 'status', 'views', 'published_at', 'author'] as const;
/** The writable fields of an article, in the order the baseline's INSERT lists them. */
export const ARTICLE_FIELDS = ['title', 'body', 'status', 'views', 'published_at', 'author'] as const;

export interface AuthorInput {
  name: string;
  email: string;
}

export interface ArticleInput {
  title: string;
  body: string;
  status: 'draft' | 'published';
  views: number;
  published_at: string | null;
  author: string;
}

export type Row = Record<string, unknown>;

/** The first message the baseline child sends its parent over IPC. */
export interface ReadyMessage {
  port: number;
  /** What the baseline runs on, for the output. */
  description: string;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
