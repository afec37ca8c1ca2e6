import { Controller, Get, Headers, Req, Res, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from 'src/config/app-config';
import { Public } from 'src/common/decorators/public.decorator';
import { ForbiddenError } from 'src/common/errors/domain.error';
import { parseAddressList } from 'src/common/net/address-list';
import { mayScrape, type MetricsAccessPolicy } from './metrics-access';
import { MetricsService } from './metrics.service';

/** Prometheus scrapes this; it answers the text exposition format, to the configured token or addresses only. */
@Public()
@Controller({ path: 'metrics', version: VERSION_NEUTRAL })
export class MetricsController {
  private readonly policy: MetricsAccessPolicy;

  constructor(
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    this.policy = { token: config.metrics.token, allow: parseAddressList(config.metrics.allow) };
  }

  @Get()
  @ApiExcludeEndpoint()
  async scrape(@Req() request: FastifyRequest, @Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    if (!mayScrape(this.policy, request.ip, authorization)) {
      throw new ForbiddenError('Metrics are served to the addresses in BASALT_METRICS_ALLOW, or with the BASALT_METRICS_TOKEN bearer token.');
    }
    reply.header('content-type', this.metrics.contentType);
    return this.metrics.metrics();
  }
}
