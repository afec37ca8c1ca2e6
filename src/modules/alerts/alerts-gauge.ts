import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Gauge } from 'prom-client';
import { Repository } from 'typeorm';
import { MetricsService } from 'src/modules/metrics/metrics.service';
import { AlertRule } from './alert-rule.entity';

/** `basalt_alerts_firing{rule, severity}` on /metrics: 1 per firing rule, read from the rules table at scrape time. */
@Injectable()
export class AlertsGauge implements OnModuleInit {
  constructor(
    @InjectRepository(AlertRule) private readonly rules: Repository<AlertRule>,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    const rules = this.rules;
    new Gauge({
      name: 'basalt_alerts_firing',
      help: 'Alert rules firing now (1 each), by rule name and severity.',
      labelNames: ['rule', 'severity'] as const,
      registers: [this.metrics.registry],
      async collect() {
        this.reset();
        for (const rule of await rules.find({ select: { name: true, severity: true }, where: { state: 'firing', enabled: true } })) this.set({ rule: rule.name, severity: rule.severity }, 1);
      },
    });
  }
}
