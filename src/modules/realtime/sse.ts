/**
 * Server-Sent Events framing (the WHATWG event-stream format). Field values
 * may not hold line breaks except `data`, which is split into one `data:`
 * line per line of text.
 */
export interface SseEvent {
  id?: number | string;
  event?: string;
  data?: string;
}

export function sseEvent(message: SseEvent): string {
  let frame = '';
  if (message.id !== undefined) frame += `id: ${singleLine(String(message.id), 'id')}\n`;
  if (message.event !== undefined) frame += `event: ${singleLine(message.event, 'event')}\n`;
  if (message.data !== undefined) for (const line of message.data.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}

/** A comment line: ignored by clients, keeps proxies from closing an idle stream. */
export function sseComment(text: string): string {
  return `: ${singleLine(text, 'comment')}\n\n`;
}

/** How long the client waits before reconnecting. */
export function sseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}

function singleLine(value: string, field: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`an SSE ${field} may not contain a line break`);
  return value;
}
