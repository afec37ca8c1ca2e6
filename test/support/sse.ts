import assert from 'node:assert/strict';

export interface SseMessage {
  id?: string;
  event: string;
  data: any;
}

/**
 * A test client for one Server-Sent Events stream over fetch: parses frames
 * as a browser's EventSource would (`id:` without data moves lastEventId
 * without an event) and keeps comments and the retry hint for inspection.
 */
export class SseStream {
  readonly events: SseMessage[] = [];
  readonly comments: string[] = [];
  retry?: number;
  lastEventId?: string;
  ended = false;
  private buffer = '';
  private readonly listeners = new Set<() => void>();

  private constructor(
    readonly response: Response,
    private readonly abort: AbortController,
  ) {}

  /** Opens the stream; a non-200 answer is returned as `problem` (its JSON) with no stream. */
  static async open(url: string, options: { token?: string; lastEventId?: string } = {}): Promise<{ status: number; stream?: SseStream; problem?: any; headers: Headers }> {
    const abort = new AbortController();
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
    const response = await fetch(url, { headers, signal: abort.signal });
    if (response.status !== 200) return { status: response.status, problem: await response.json().catch(() => undefined), headers: response.headers };
    const stream = new SseStream(response, abort);
    void stream.pump();
    return { status: 200, stream, headers: response.headers };
  }

  /** Waits until `predicate` holds over the events received so far. */
  async waitFor(predicate: (events: SseMessage[]) => boolean, timeoutMs = 10_000, what = 'the expected events'): Promise<SseMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`${what} did not arrive within ${timeoutMs} ms; got ${JSON.stringify(this.events.map((e) => [e.id, e.event, e.event === "reset" ? e.data : e.data?.type]))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 200));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.listeners.add(done);
      });
    }
    return this.events;
  }

  /** Events of the given types (records.*, schema.*), in arrival order. */
  of(...types: string[]): SseMessage[] {
    return this.events.filter((e) => types.includes(e.event));
  }

  async waitForEnd(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) assert.fail(`the stream did not end within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    this.abort.abort();
  }

  private async pump(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.response.body as unknown as AsyncIterable<Uint8Array>) {
        this.buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = this.buffer.indexOf('\n\n')) >= 0) {
          this.frame(this.buffer.slice(0, end));
          this.buffer = this.buffer.slice(end + 2);
        }
        for (const listener of this.listeners) listener();
        this.listeners.clear();
      }
    } catch {
      // aborted by close(), or the server cut the connection
    }
    this.ended = true;
    for (const listener of this.listeners) listener();
  }

  private frame(text: string): void {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of text.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
      else if (line.startsWith('retry: ')) this.retry = Number(line.slice(7));
    }
    if (id !== undefined) this.lastEventId = id;
    if (data.length === 0) return;
    const raw = data.join('\n');
    let parsed: unknown = raw;
    try {
      parsed = JSON.parse(raw);
    } catch {
      // not JSON
    }
    this.events.push({ id, event, data: parsed });
  }
}
