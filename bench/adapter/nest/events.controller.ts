import { Controller, type MessageEvent, Sse } from '@nestjs/common';
import { interval, map, type Observable, take } from 'rxjs';
import { SSE_EVENT_COUNT } from '../shared';

const SSE_INTERVAL_MS = 50;

/** Finite on purpose, so a client that forgets to hang up cannot keep the check running. */
@Controller({ path: 'events', version: '1' })
export class EventsController {
  @Sse()
  stream(): Observable<MessageEvent> {
    return interval(SSE_INTERVAL_MS).pipe(
      take(SSE_EVENT_COUNT),
      map((seq) => ({ data: { seq } })),
    );
  }
}
