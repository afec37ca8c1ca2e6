import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AUTHORIZATION, HOST, itemFor, listItems, parseLimit, reportReady } from '../shared';

/** The ceiling: the same three routes and auth check as the Nest apps, with nothing in between. */

const ITEMS = '/api/v1/items';
let nextId = 1;

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

function readJson(req: IncomingMessage, done: (body: unknown) => void, fail: () => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    try {
      done(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch {
      fail();
    }
  });
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.headers.authorization !== AUTHORIZATION) return send(res, 401, { message: 'Unauthorized' });

  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);

  if (path === ITEMS && req.method === 'GET') {
    const query = new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1));
    return send(res, 200, listItems(parseLimit(query.get('limit'))));
  }
  if (path === ITEMS && req.method === 'POST') {
    return readJson(
      req,
      (body) => send(res, 201, { ...(body as object), id: nextId++ }),
      () => send(res, 400, { message: 'Invalid JSON' }),
    );
  }
  if (path.startsWith(`${ITEMS}/`) && req.method === 'GET') {
    const id = Number(path.slice(ITEMS.length + 1));
    return Number.isInteger(id) ? send(res, 200, itemFor(id)) : send(res, 400, { message: 'Invalid id' });
  }
  send(res, 404, { message: 'Not Found' });
}

const server = createServer(handle);
server.listen(0, HOST, () => reportReady((server.address() as AddressInfo).port));
