import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sseComment, sseEvent, sseRetry } from './sse';

describe('SSE framing', () => {
  test('an event is id, event and data lines closed by a blank line', () => {
    assert.equal(sseEvent({ id: 7, event: 'records.create', data: '{"a":1}' }), 'id: 7\nevent: records.create\ndata: {"a":1}\n\n');
  });

  test('multi-line data becomes one data line per line, whatever the line break', () => {
    assert.equal(sseEvent({ data: 'a\nb\r\nc\rd' }), 'data: a\ndata: b\ndata: c\ndata: d\n\n');
  });

  test('an id alone (no data) moves the client\'s last event id without dispatching an event', () => {
    assert.equal(sseEvent({ id: 12 }), 'id: 12\n\n');
  });

  test('a line break in id or event name is refused rather than injecting fields', () => {
    assert.throws(() => sseEvent({ id: '1\ndata: x', data: 'y' }), /id may not contain a line break/);
    assert.throws(() => sseEvent({ event: 'a\rb', data: 'y' }), /event may not contain a line break/);
  });

  test('comments and the retry hint', () => {
    assert.equal(sseComment('ping'), ': ping\n\n');
    assert.equal(sseRetry(3000.7), 'retry: 3000\n\n');
  });
});
