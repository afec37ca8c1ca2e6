import { Module } from '@nestjs/common';
import { AccessModule } from 'src/modules/access/access.module';
import { CollectionsModule } from 'src/modules/collections/collections.module';
import { OutboxModule } from 'src/modules/outbox/outbox.module';
import { RecordsModule } from 'src/modules/records/records.module';
import { RealtimeController } from './realtime.controller';
import { RealtimeHub } from './realtime-hub.service';
import { RealtimeService } from './realtime.service';

/** Server-Sent Events of committed changes, on API nodes (the worker serves no HTTP). */
@Module({
  imports: [OutboxModule, RecordsModule, AccessModule, CollectionsModule],
  controllers: [RealtimeController],
  providers: [RealtimeHub, RealtimeService],
  // The hub's subscriber count is a metric.
  exports: [RealtimeHub],
})
export class RealtimeModule {}
