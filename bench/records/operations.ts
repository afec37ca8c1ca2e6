import { createPayload } from './data';
import type { Load } from './load';
import { HOST, PAGE_SIZE } from './shared';

/** One server under test, with what its requests need: its port, its token (Basalt only) and ids it holds. */
export interface Side {
  name: 'Basalt' | 'baseline';
  port: number;
  /** Basalt only: the administrator's access token. The baseline checks nothing about auth. */
  token?: string;
  /** Article ids the get runs rotate over. */
  articleIds: readonly string[];
  /** An existing author, for the measured creates. */
  authorId: string;
  /** Sent as Accept-Encoding on measured requests: Basalt then compresses bodies from 1 KiB; the baseline never does. */
  acceptEncoding?: string;
}

export type OperationKey = 'list' | 'get' | 'create' | 'expand';

export interface Operation {
  key: OperationKey;
  label: string;
  /** The status every answer must have. */
  status: 200 | 201;
  /** The path (and body) of one request, for the checks. */
  probe(side: Side): { method: 'GET' | 'POST'; path: string; body?: unknown };
  load(side: Side): Load;
}

const RECORDS = '/api/v1/collections/articles/records';
const PUBLISHED_FILTER = encodeURIComponent(JSON.stringify({ status: { $eq: 'published' } }));
const BASALT_LIST = `${RECORDS}?filter=${PUBLISHED_FILTER}&sort=-published_at&limit=${PAGE_SIZE}`;
const BASELINE_LIST = `/articles?status=published&limit=${PAGE_SIZE}`;

function headers(side: Side, json: boolean): Record<string, string> {
  return {
    ...(side.token ? { authorization: `Bearer ${side.token}` } : {}),
    ...(json ? { 'content-type': 'application/json' } : {}),
    ...(side.acceptEncoding ? { 'accept-encoding': side.acceptEncoding } : {}),
  };
}

const base = (side: Side): string => `http://${HOST}:${side.port}`;
const listPath = (side: Side): string => (side.name === 'Basalt' ? BASALT_LIST : BASELINE_LIST);
const getPath = (side: Side, id: string): string => (side.name === 'Basalt' ? `${RECORDS}/${id}` : `/articles/${id}`);
const createPath = (side: Side): string => (side.name === 'Basalt' ? RECORDS : '/articles');

export const OPERATIONS: Operation[] = [
  {
    key: 'list',
    label: 'list: published, newest first, 20',
    status: 200,
    probe: (side) => ({ method: 'GET', path: listPath(side) }),
    load: (side) => ({ url: base(side) + listPath(side), method: 'GET', headers: headers(side, false) }),
  },
  {
    key: 'get',
    label: 'get by id',
    status: 200,
    probe: (side) => ({ method: 'GET', path: getPath(side, side.articleIds[0]) }),
    load: (side) => ({
      url: base(side) + getPath(side, side.articleIds[0]),
      method: 'GET',
      headers: headers(side, false),
      paths: side.articleIds.map((id) => getPath(side, id)),
    }),
  },
  {
    key: 'create',
    label: 'create one article',
    status: 201,
    probe: (side) => ({ method: 'POST', path: createPath(side), body: createPayload(side.authorId) }),
    load: (side) => ({ url: base(side) + createPath(side), method: 'POST', headers: headers(side, true), body: JSON.stringify(createPayload(side.authorId)) }),
  },
  {
    key: 'expand',
    label: 'list + expand=author',
    status: 200,
    probe: (side) => ({ method: 'GET', path: `${listPath(side)}&expand=author` }),
    load: (side) => ({ url: `${base(side)}${listPath(side)}&expand=author`, method: 'GET', headers: headers(side, false) }),
  },
];
