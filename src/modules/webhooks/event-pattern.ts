import { RECORD_EVENT_ACTIONS, SCHEMA_EVENT_ACTIONS, type OutboxEvent } from 'src/modules/outbox/outbox-event';

/**
 * What a webhook subscribes to: `<kind>.<action|*>[:<collection|*>]`, e.g.
 * `records.create:articles`, `records.*:*`, `schema.*`. No collection means
 * every collection.
 */
export const EVENT_PATTERN = /^(records|schema)\.([a-z]+|\*)(?::([a-z][a-z0-9_]{0,47}|\*))?$/;

/** Why a pattern is not valid, or undefined when it is. */
export function eventPatternProblem(pattern: string): string | undefined {
  const match = EVENT_PATTERN.exec(pattern);
  if (!match) return `"${pattern}" is not <records|schema>.<action|*>[:<collection|*>]`;
  const [, kind, action] = match;
  const actions: readonly string[] = kind === 'records' ? RECORD_EVENT_ACTIONS : SCHEMA_EVENT_ACTIONS;
  if (action !== '*' && !actions.includes(action)) return `"${pattern}": ${kind} events are ${actions.join(', ')} (or *)`;
  return undefined;
}

export function matchesEventPattern(pattern: string, event: Pick<OutboxEvent, 'type' | 'collection'>): boolean {
  const match = EVENT_PATTERN.exec(pattern);
  if (!match) return false;
  const [, kind, action, collection] = match;
  const [eventKind, eventAction] = event.type.split('.');
  return kind === eventKind && (action === '*' || action === eventAction) && (collection === undefined || collection === '*' || collection === event.collection);
}
