import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { QueueName } from 'src/infra/queue/queue-names';
import { MaintenanceService } from './maintenance.service';

@Processor(QueueName.Maintenance)
export class MaintenanceProcessor {
  constructor(private readonly maintenance: MaintenanceService) {}

  /** Every job name of the queue (`*`): MaintenanceService refuses the ones it does not know. */
  @Process('*')
  run(job: Job): Promise<Record<string, number>> {
    return this.maintenance.run(job.name);
  }
}
