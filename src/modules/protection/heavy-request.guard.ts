import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProtectionService } from './protection.service';
import { classifyRequest } from './request-class';

/**
 * Global, registered after the authentication and rate-limit guards, so a
 * caller they refuse never takes a slot. A heavy request holds its slot until
 * its answer has gone out (or the client went away). A guard rather than an
 * interceptor: an interceptor would put every request, light ones included,
 * through Nest's interceptor chain.
 */
@Injectable()
export class HeavyRequestGuard implements CanActivate {
  constructor(private readonly protection: ProtectionService) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    if (classifyRequest(request.method, request.routeOptions.url, request.query as Record<string, unknown>) !== 'heavy') return true;
    return this.protection.heavy.acquire().then((release) => {
      http.getResponse<FastifyReply>().raw.once('close', release);
      return true;
    });
  }
}
