import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { finalize, type Observable } from 'rxjs';
import { ProtectionService } from './protection.service';
import { classifyRequest } from './request-class';

/**
 * Global, so it runs after the guards: a caller refused by authentication or
 * the rate limit never takes a slot. The slot is held until the handler has
 * finished (its queries ended), not merely until the response left.
 */
@Injectable()
export class HeavyRequestInterceptor implements NestInterceptor {
  constructor(private readonly protection: ProtectionService) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (classifyRequest(request.method, request.routeOptions.url, request.query as Record<string, unknown>) !== 'heavy') return next.handle();
    const release = await this.protection.heavy.acquire();
    return next.handle().pipe(finalize(release));
  }
}
