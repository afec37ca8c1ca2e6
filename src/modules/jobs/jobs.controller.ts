import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from 'src/common/decorators/roles.decorator';
import { EnqueuedJobResponse, JobPageResponse, JobResponse, ListJobsQueryDto, QueueListResponse, ScheduleListResponse } from './dto/job.dto';
import { JobsService } from './jobs.service';
import { MaintenanceScheduler } from './maintenance-scheduler.service';

/** Administrators: every queue Basalt runs, their jobs, failed ones retried or removed, the scheduled jobs. */
@ApiTags('jobs')
@ApiBearerAuth()
@Roles('admin')
@Controller({ path: 'jobs', version: '1' })
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly scheduler: MaintenanceScheduler,
  ) {}

  /** Every queue with its job counts by state. */
  @Get()
  queues(): Promise<QueueListResponse> {
    return this.jobs.queuesWithCounts();
  }

  /** The scheduled jobs and when each runs next. */
  @Get('schedules')
  async schedules(): Promise<ScheduleListResponse> {
    return { data: await this.scheduler.list() };
  }

  /** Runs a scheduled job now (once, on whichever node processes the `maintenance` queue). */
  @Post('schedules/:job/run')
  @HttpCode(202)
  runNow(@Param('job') job: string): Promise<EnqueuedJobResponse> {
    return this.scheduler.runNow(job);
  }

  /** A queue's jobs in one state, newest first. */
  @Get(':queue/jobs')
  list(@Param('queue') queue: string, @Query() query: ListJobsQueryDto): Promise<JobPageResponse> {
    return this.jobs.list(queue, query);
  }

  /** One job: data, attempts, failure reason and stack traces, progress, result. */
  @Get(':queue/jobs/:id')
  get(@Param('queue') queue: string, @Param('id') id: string): Promise<JobResponse> {
    return this.jobs.get(queue, id);
  }

  /** Retry a failed job (back to waiting, attempts reset). 409 unless it failed. */
  @Post(':queue/jobs/:id/retry')
  @HttpCode(200)
  retry(@Param('queue') queue: string, @Param('id') id: string): Promise<JobResponse> {
    return this.jobs.retry(queue, id);
  }

  /** Remove a failed job. 409 unless it failed. */
  @Delete(':queue/jobs/:id')
  @HttpCode(204)
  remove(@Param('queue') queue: string, @Param('id') id: string): Promise<void> {
    return this.jobs.remove(queue, id);
  }
}
