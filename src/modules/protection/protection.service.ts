import { Injectable, Logger } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { AppConfig } from 'src/config/app-config';
import { sendProblem } from 'src/common/errors/problem-details.filter';
import { HeavyGate } from './heavy-gate';
import { RequestTimeoutError } from './protection.errors';
import { classifyRequest } from './request-class';

/**
 * The per-process guards against one caller exhausting the service: the
 * request deadline and the cap on heavy requests (the database side, the
 * statement timeout, is set on the pool: src/infra/database).
 */
@Injectable()
export class ProtectionService {
  readonly heavy: HeavyGate;
  private readonly timeoutMs: number;
  private timedOut = 0;
  private readonly logger = new Logger('Errors');

  constructor(config: AppConfig) {
    this.heavy = new HeavyGate(config.protection.heavyConcurrency, config.protection.heavyQueueMs);
    this.timeoutMs = config.protection.requestTimeoutMs;
  }

  /** Requests answered with request-timeout since start. */
  get timeouts(): number {
    return this.timedOut;
  }

  /**
   * Arms the deadline on every request that is not exempt; it counts from
   * the first byte, so a client that trickles its body in hits it too. The
   * handler may still be running when the problem goes out: its queries end
   * at the statement timeout, which frees the connection.
   */
  installDeadline(fastify: FastifyInstance): void {
    const limitMs = this.timeoutMs;
    if (limitMs === 0) return;
    fastify.addHook('onRequest', (request, reply, done) => {
      if (classifyRequest(request.method, request.routeOptions.url, request.query as Record<string, unknown>) === 'exempt') return done();
      const timer = setTimeout(() => {
        // A hijacked reply (an event stream) counts as sent, so it is never cut.
        if (reply.sent || request.raw.destroyed) return;
        this.timedOut++;
        sendProblem(new RequestTimeoutError(limitMs), request, reply, this.logger);
      }, limitMs);
      reply.raw.once('close', () => clearTimeout(timer));
      done();
    });
  }
}
