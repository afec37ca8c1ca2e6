import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from 'src/config/app-config';
import { MaintenanceJob } from 'src/infra/queue/queue-names';
import { AlertEvaluator } from 'src/modules/alerts/alert-evaluator.service';
import { AuthMaintenanceService } from 'src/modules/auth/auth-maintenance.service';
import { OutboxService } from 'src/modules/outbox/outbox.service';

/** What the scheduled jobs do; the processor only hands jobs over. Each is idempotent (deletes by age). */
@Injectable()
export class MaintenanceService {
  private readonly logger = new Logger('Maintenance');

  constructor(
    private readonly auth: AuthMaintenanceService,
    private readonly outbox: OutboxService,
    private readonly alerts: AlertEvaluator,
    private readonly config: AppConfig,
  ) {}

  async run(job: string): Promise<Record<string, number>> {
    switch (job) {
      case MaintenanceJob.AuthCleanup: {
        const deleted = await this.auth.deleteStale();
        this.logger.log(`deleted ${deleted.accountTokens} account tokens and ${deleted.sessions} sessions`);
        return deleted;
      }
      case MaintenanceJob.OutboxPrune: {
        const events = await this.outbox.prune(new Date(Date.now() - this.config.events.retentionHours * 3600 * 1000));
        this.logger.log(`pruned ${events} outbox events`);
        return { events };
      }
      case MaintenanceJob.AlertEvaluate: {
        const summary = await this.alerts.evaluate();
        return { ...summary };
      }
      default:
        throw new Error(`unknown maintenance job ${JSON.stringify(job)}`);
    }
  }
}
