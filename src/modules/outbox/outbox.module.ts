import { Module } from '@nestjs/common';
import { OutboxRelay } from './outbox-relay';
import { OutboxService } from './outbox.service';

/**
 * The transactional outbox: writers (records, collections) append events in
 * their own transactions with outbox-sql.ts, then nudge OutboxService; the
 * relay sends them out to Bull and Redis pub/sub.
 */
@Module({
  providers: [OutboxRelay, OutboxService],
  exports: [OutboxService],
})
export class OutboxModule {}
