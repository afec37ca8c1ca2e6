import { SetMetadata } from '@nestjs/common';

export const API_KEY_ACCESS = 'basalt:api-key-access';

/**
 * Which API-key scope check a route gets. Routes without this decorator
 * refuse API keys (403): keys only ever reach what is opted in here.
 *
 * - `records`: `/collections/:name/records|trash…`; the collection is the
 *   `:name` parameter, the action the HTTP method (GET read, POST create,
 *   PATCH update, DELETE delete).
 * - `batch`: `/batch`; every operation's collection and action.
 */
export type ApiKeyAccessKind = 'records' | 'batch';

export const ApiKeyAccess = (kind: ApiKeyAccessKind) => SetMetadata(API_KEY_ACCESS, kind);
