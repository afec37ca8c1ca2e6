import { Process, Processor } from '@nestjs/bull';
import { QueueName, SystemJob } from './queue-names';

/** Answers the readiness check's ping: proof that jobs really run. */
@Processor(QueueName.System)
export class SystemProcessor {
  @Process(SystemJob.Ping)
  ping(): { pong: number } {
    return { pong: Date.now() };
  }
}
