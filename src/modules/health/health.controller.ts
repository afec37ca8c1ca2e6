import { Controller, Get, Res, ServiceUnavailableException, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Public } from 'src/common/decorators/public.decorator';
import { DrainState } from './drain-state';
import { ReadinessService } from './readiness.service';

/**
 * Load balancers and orchestrators poll these; they answer in Terminus'
 * format (not problem details) on both success and failure.
 */
@ApiTags('health')
@Public()
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  private readonly startedAt = Date.now();

  constructor(
    private readonly readiness: ReadinessService,
    private readonly drain: DrainState,
  ) {}

  /** The process is up and its event loop turns. Never checks dependencies. */
  @Get('live')
  @ApiOkResponse({ description: 'The process is alive.' })
  live(): HealthCheckResult {
    return { status: 'ok', info: { process: { status: 'up', uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000) } }, error: {}, details: {} } as HealthCheckResult;
  }

  /** Database, Redis, queue, disk and memory all answer, and the node is not draining. */
  @Get('ready')
  @ApiOkResponse({ description: 'Ready for traffic.' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down, or the node is draining.' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    if (this.drain.draining) {
      reply.status(503);
      const shutdown = { status: 'down' as const, message: 'the node is shutting down' };
      return { status: 'error', info: {}, error: { shutdown }, details: { shutdown } };
    }
    try {
      return await this.readiness.check();
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      reply.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
