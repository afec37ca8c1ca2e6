import { Module } from '@nestjs/common';
import { ReadCacheModule } from 'src/modules/read-cache/read-cache.module';
import { OutboxRelay } from './outbox-relay';
import { OutboxService } from './outbox.service';

/**
 * The transactional outbox: writers (records, collections) append events in
 * their own transactions with outbox-sql.ts, then nudge OutboxService; the
 * relay sends them out to Bull and Redis pub/sub.
 */
@Module({
  imports: [ReadCacheModule],
  providers: [OutboxRelay, OutboxService],
  exports: [OutboxService],
})
export class OutboxModule {}
