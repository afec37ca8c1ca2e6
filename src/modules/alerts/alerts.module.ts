import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MetricsModule } from 'src/modules/metrics/metrics.module';
import { RealtimeModule } from 'src/modules/realtime/realtime.module';
import { AlertEvent } from './alert-event.entity';
import { AlertRule } from './alert-rule.entity';
import { AlertRulesService } from './alert-rules.service';
import { AlertStore } from './alert-store';
import { AlertsController } from './alerts.controller';
import { AlertsGauge } from './alerts-gauge';
import { NodeSnapshotPublisher } from './node-snapshot.publisher';

/** API nodes: the /alerts routes, the firing gauge on /metrics, and this node's snapshot for the evaluator. */
@Module({
  imports: [TypeOrmModule.forFeature([AlertRule, AlertEvent]), MetricsModule, RealtimeModule],
  controllers: [AlertsController],
  providers: [AlertRulesService, AlertStore, AlertsGauge, NodeSnapshotPublisher],
})
export class AlertsModule {}
