import { Module } from '@nestjs/common';
import { OutboxModule } from 'src/modules/outbox/outbox.module';
import { ProtectionModule } from 'src/modules/protection/protection.module';
import { RealtimeModule } from 'src/modules/realtime/realtime.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Module({
  imports: [OutboxModule, RealtimeModule, ProtectionModule],
  controllers: [MetricsController],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
