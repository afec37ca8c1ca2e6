import { Module, type DynamicModule } from '@nestjs/common';
import { AlertsEvaluationModule } from 'src/modules/alerts/alerts-evaluation.module';
import { AuthMaintenanceModule } from 'src/modules/auth/auth-maintenance.module';
import { OutboxModule } from 'src/modules/outbox/outbox.module';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';
import { QueueRegistry } from './queue-registry';
import { MaintenanceProcessor } from './maintenance.processor';
import { MaintenanceScheduler } from './maintenance-scheduler.service';
import { MaintenanceService } from './maintenance.service';

/**
 * The queue registry and the jobs API (API nodes), and the scheduled
 * maintenance jobs: scheduled from every process, run where jobs are
 * processed (the worker, and the API unless BASALT_QUEUE_PROCESSING=false).
 */
@Module({})
export class JobsModule {
  static forApi(options: { processing: boolean }): DynamicModule {
    return { ...JobsModule.forWorker(options), controllers: [JobsController] };
  }

  static forWorker(options: { processing: boolean }): DynamicModule {
    return {
      module: JobsModule,
      imports: options.processing ? [AuthMaintenanceModule, OutboxModule, AlertsEvaluationModule] : [],
      providers: [QueueRegistry, JobsService, MaintenanceScheduler, ...(options.processing ? [MaintenanceService, MaintenanceProcessor] : [])],
    };
  }
}
