import { getQueueToken } from '@nestjs/bull';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';
import { NotFoundError } from 'src/common/errors/domain.error';
import { QUEUE_NAMES } from 'src/infra/queue/queue-names';

/** Every Bull queue Basalt runs, by name, as QueueModule registered them from queue-names.ts. */
@Injectable()
export class QueueRegistry implements OnModuleInit {
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    for (const name of QUEUE_NAMES) this.queues.set(name, this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
  }

  all(): Queue[] {
    return [...this.queues.values()];
  }

  /** 404 for a name that is not one of Basalt's queues. */
  get(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new NotFoundError(`No queue ${JSON.stringify(name)}; the queues are ${QUEUE_NAMES.join(', ')}.`);
    return queue;
  }
}
