import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OutboxModule } from 'src/modules/outbox/outbox.module';
import { AlertEvaluator } from './alert-evaluator.service';
import { AlertEvent } from './alert-event.entity';
import { AlertNotifier } from './alert-notifier.service';
import { AlertRule } from './alert-rule.entity';
import { AlertStore } from './alert-store';

/** The evaluation, where jobs are processed: the `maintenance` queue's alert schedule calls AlertEvaluator. */
@Module({
  imports: [TypeOrmModule.forFeature([AlertRule, AlertEvent]), OutboxModule],
  providers: [AlertStore, AlertNotifier, AlertEvaluator],
  exports: [AlertEvaluator],
})
export class AlertsEvaluationModule {}
