import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { NotFoundError } from 'src/common/errors/domain.error';
import { QueueName } from 'src/infra/queue/queue-names';
import { AppConfig } from 'src/config/app-config';
import { repeatKey, schedules, type Schedule } from './maintenance-schedule';

/**
 * Puts every schedule on the `maintenance` queue at start (every process:
 * adding the same repeatable job again is a no-op) and removes schedules no
 * longer in the list (an interval changed in an upgrade), so old and new do
 * not both run.
 */
@Injectable()
export class MaintenanceScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('MaintenanceScheduler');

  private readonly schedules: readonly Schedule[];

  constructor(@InjectQueue(QueueName.Maintenance) private readonly queue: Queue, config: AppConfig) {
    this.schedules = schedules(config);
  }

  async onApplicationBootstrap(): Promise<void> {
    const wanted = new Set(this.schedules.map(repeatKey));
    for (const existing of await this.queue.getRepeatableJobs()) {
      if (!wanted.has(existing.key)) {
        await this.queue.removeRepeatableByKey(existing.key);
        this.logger.log(`removed the schedule ${existing.key}`);
      }
    }
    for (const schedule of this.schedules) {
      await this.queue.add(schedule.job, {}, { jobId: schedule.job, repeat: { every: schedule.every }, attempts: 3, removeOnComplete: 100, removeOnFail: 100 });
    }
  }

  /** The schedules with their next run. */
  async list(): Promise<{ job: string; every: number; description: string; nextRunAt: string | null }[]> {
    const next = new Map((await this.queue.getRepeatableJobs()).map((job) => [job.key, job.next]));
    return this.schedules.map((schedule) => {
      const at = next.get(repeatKey(schedule));
      return { job: schedule.job, every: schedule.every, description: schedule.description, nextRunAt: at ? new Date(at).toISOString() : null };
    });
  }

  /** Runs a scheduled job now, once, besides its schedule. */
  async runNow(job: string): Promise<{ queue: string; id: string }> {
    const schedule = this.schedules.find((s) => s.job === job);
    if (!schedule) throw new NotFoundError(`No scheduled job ${JSON.stringify(job)}; they are ${this.schedules.map((s) => s.job).join(', ')}.`);
    const added = await this.queue.add(schedule.job, {}, { attempts: 1, removeOnComplete: 100, removeOnFail: 100 });
    return { queue: QueueName.Maintenance, id: String(added.id) };
  }
}
