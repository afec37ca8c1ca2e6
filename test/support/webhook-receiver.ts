import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the receiver got it: the raw body (what the signature covers), its headers and when. */
export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
  at: number;
}

/** What to answer: a status (and optional headers and body). */
export interface HookReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A real HTTP server on loopback that records every request; `reply` decides
 * the answer per request (default 200), so a test can fail some on purpose.
 */
export class WebhookReceiver {
  readonly received: ReceivedHook[] = [];
  reply: (hook: ReceivedHook, index: number) => HookReply | Promise<HookReply> = () => ({ status: 200, body: 'ok' });

  private constructor(private readonly server: Server) {}

  static async start(host = '127.0.0.1'): Promise<WebhookReceiver> {
    // The handler runs only after `receiver` below exists.
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown = raw;
        try {
          body = JSON.parse(raw);
        } catch {
          // not JSON
        }
        const hook: ReceivedHook = { path: req.url ?? '/', headers: req.headers, raw, body, at: Date.now() };
        const index = receiver.received.push(hook) - 1;
        const reply = await receiver.reply(hook, index);
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body ?? '');
      });
    });
    const receiver = new WebhookReceiver(server);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  on(path: string): ReceivedHook[] {
    return this.received.filter((hook) => hook.path === path);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
