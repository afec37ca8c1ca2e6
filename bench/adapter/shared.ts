/** What the servers and the load driver must agree on. */

export const HOST = '127.0.0.1';
export const TOKEN = 'bench-token-7f3a';
export const AUTHORIZATION = `Bearer ${TOKEN}`;
export const SSE_EVENT_COUNT = 5;
const MAX_LIST_LIMIT = 100;

export type ServerKind = 'bare' | 'fastify' | 'express';

/** The first message every server child sends its parent over IPC. */
export interface ReadyMessage {
  port: number;
}

export interface Item {
  id: number;
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  stock: number;
  tags: string[];
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

// Fixed timestamps keep every response for an id byte-identical across servers.
const CREATED_AT = '2024-01-15T09:30:00.000Z';
const UPDATED_AT = '2024-06-01T12:00:00.000Z';

export function itemFor(id: number): Item {
  return {
    id,
    sku: `SKU-${String(id).padStart(6, '0')}`,
    name: `Item ${id}`,
    description: 'A small record of the kind Basalt serves on its hot path.',
    priceCents: 1999 + (id % 100),
    currency: 'EUR',
    stock: id % 37,
    tags: ['bench', id % 2 === 0 ? 'even' : 'odd'],
    active: id % 5 !== 0,
    createdAt: CREATED_AT,
    updatedAt: UPDATED_AT,
  };
}

export function listItems(limit: number): Item[] {
  return Array.from({ length: limit }, (_, i) => itemFor(i + 1));
}

/** Clamps `?limit=`; a missing or malformed value means 20, like a typical list endpoint. */
export function parseLimit(raw: string | null | undefined): number {
  const limit = Number(raw ?? 20);
  return Number.isInteger(limit) && limit > 0 ? Math.min(limit, MAX_LIST_LIMIT) : 20;
}

/** Lets a server child announce its port, and exit when the parent goes away. */
export function reportReady(port: number): void {
  const message: ReadyMessage = { port };
  process.send?.(message);
  process.on('disconnect', () => process.exit(0));
}
