import { Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { ConflictError, NotFoundError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { JOB_STATES, type JobPageResponse, type JobResponse, type JobState, type JobSummaryResponse, type ListJobsQueryDto, type QueueListResponse } from './dto/job.dto';
import { QueueRegistry } from './queue-registry';

/** The jobs API: what every queue holds, one job's details, retrying and removing failed jobs. */
@Injectable()
export class JobsService {
  constructor(private readonly queues: QueueRegistry) {}

  async queuesWithCounts(): Promise<QueueListResponse> {
    const data = await Promise.all(
      this.queues.all().map(async (queue) => {
        const counts = (await queue.getJobCounts()) as Partial<Record<JobState, number>>;
        return { name: queue.name, paused: await queue.isPaused(), counts: Object.fromEntries(JOB_STATES.map((state) => [state, counts[state] ?? 0])) as Record<JobState, number> };
      }),
    );
    return { data };
  }

  /** Newest first. */
  async list(queueName: string, query: ListJobsQueryDto): Promise<JobPageResponse> {
    const queue = this.queues.get(queueName);
    const [jobs, total] = await Promise.all([queue.getJobs([query.state], query.offset, query.offset + query.limit - 1, false), queue.getJobCountByTypes([query.state])]);
    // A job can finish between the listing and the read: Bull then answers null for it.
    const present = jobs.filter((job): job is Job => job !== null);
    return { data: present.map((job) => summary(job, query.state)), meta: { limit: query.limit, offset: query.offset, total } };
  }

  async get(queueName: string, id: string): Promise<JobResponse> {
    const queue = this.queues.get(queueName);
    let job = await this.find(queue, id);
    const state = await job.getState();
    // It finished between the two reads: read it again, so its result matches its state.
    if ((state === 'completed' || state === 'failed') && !job.finishedOn) job = await this.find(queue, id);
    return detail(queue, job, state);
  }

  /** A failed job goes back to waiting with its attempts reset; any other state is a 409. */
  async retry(queueName: string, id: string): Promise<JobResponse> {
    const queue = this.queues.get(queueName);
    const job = await this.find(queue, id);
    await this.requireFailed(job, 'retried');
    await job.retry();
    return detail(queue, job, await job.getState());
  }

  async remove(queueName: string, id: string): Promise<void> {
    const job = await this.find(this.queues.get(queueName), id);
    await this.requireFailed(job, 'removed');
    await job.remove();
  }

  private async find(queue: Queue, id: string): Promise<Job> {
    const job = await queue.getJob(id);
    if (!job) throw new NotFoundError(`No job ${JSON.stringify(id)} in the queue "${queue.name}".`);
    return job;
  }

  private async requireFailed(job: Job, verb: string): Promise<void> {
    const state = await job.getState();
    if (state !== 'failed') throw new ConflictError(ErrorCode.Conflict, `Only failed jobs can be ${verb}; job ${job.id} is ${state}.`);
  }
}

function summary(job: Job, state: string): JobSummaryResponse {
  return {
    id: String(job.id),
    name: job.name,
    state,
    attemptsMade: job.attemptsMade,
    attempts: job.opts.attempts ?? 1,
    progress: job.progress(),
    failedReason: job.failedReason ?? null,
    createdAt: new Date(job.timestamp).toISOString(),
    processedAt: job.processedOn ? new Date(job.processedOn).toISOString() : null,
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}

function detail(queue: Queue, job: Job, state: string): JobResponse {
  return {
    ...summary(job, state),
    queue: queue.name,
    data: job.data,
    stacktrace: job.stacktrace ?? [],
    returnValue: job.returnvalue ?? null,
    delay: job.opts.delay ?? 0,
    repeatKey: (job.opts.repeat as { key?: string } | undefined)?.key ?? null,
  };
}
