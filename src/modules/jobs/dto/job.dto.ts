import { IsIn } from 'class-validator';
import { PageQueryDto } from 'src/common/pagination/page-query.dto';

export const JOB_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed', 'paused'] as const;
export type JobState = (typeof JOB_STATES)[number];

export class ListJobsQueryDto extends PageQueryDto {
  /** Which jobs: waiting, active, delayed, completed, failed or paused. @example failed */
  @IsIn(JOB_STATES, { message: `must be one of ${JOB_STATES.join(', ')}` })
  state: JobState;
}

export class QueueResponse {
  /** @example mail */
  name: string;
  paused: boolean;
  /** Jobs per state. @example {"waiting":0,"active":1,"delayed":2,"completed":40,"failed":1,"paused":0} */
  counts: Record<JobState, number>;
}

export class QueueListResponse {
  data: QueueResponse[];
}

export class JobSummaryResponse {
  /** @example 42 */
  id: string;
  /** @example send */
  name: string;
  state: string;
  /** Attempts made so far. */
  attemptsMade: number;
  /** Attempts allowed in all. */
  attempts: number;
  /** What the job reported (a number or an object). */
  progress: unknown;
  /** The last failure's message. */
  failedReason: string | null;
  createdAt: string;
  processedAt: string | null;
  finishedAt: string | null;
}

export class JobResponse extends JobSummaryResponse {
  queue: string;
  /** The job's payload, as enqueued (mail jobs hold one-time links: administrators only). */
  data: unknown;
  /** One stack trace per failed attempt. */
  stacktrace: string[];
  returnValue: unknown;
  /** Milliseconds it waited before becoming due. */
  delay: number;
  /** Set on runs of a scheduled job: its schedule's key. */
  repeatKey: string | null;
}

export class JobPageResponse {
  data: JobSummaryResponse[];
  meta: { limit: number; offset: number; total: number };
}

export class ScheduleResponse {
  /** @example auth-cleanup */
  job: string;
  /** Milliseconds between runs. */
  every: number;
  description: string;
  nextRunAt: string | null;
}

export class ScheduleListResponse {
  data: ScheduleResponse[];
}

export class EnqueuedJobResponse {
  queue: string;
  id: string;
}
