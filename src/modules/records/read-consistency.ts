import { Injectable, createParamDecorator, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { finalize, type Observable } from 'rxjs';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { ValidationFailedError } from 'src/common/errors/domain.error';
import { ReadReplicas, type ReadConsistency } from 'src/infra/database/read-replicas';

export const CONSISTENCY_HEADER = 'x-basalt-consistency';

type Request = FastifyRequest & { user?: AuthUser };

/** Whose writes a read must see: the API key, else the user, else the client address (anonymous callers). */
function sessionOf(request: Request): string {
  const user = request.user;
  if (user?.apiKey) return `key:${user.apiKey.id}`;
  if (user) return `user:${user.id}`;
  return `ip:${request.ip}`;
}

/**
 * The request's read consistency. `X-Basalt-Consistency: strong` sends its
 * reads to the primary; `eventual` (the default) lets a replica serve them,
 * still seeing the caller's own writes.
 */
export const Consistency = createParamDecorator((_data: unknown, context: ExecutionContext): ReadConsistency => {
  const request = context.switchToHttp().getRequest<Request>();
  const header = request.headers[CONSISTENCY_HEADER];
  const value = Array.isArray(header) ? header.join(',') : header?.trim().toLowerCase();
  if (value !== undefined && value !== 'strong' && value !== 'eventual') {
    throw new ValidationFailedError([{ field: 'X-Basalt-Consistency', message: `must be "strong" or "eventual" (got ${JSON.stringify(header)})` }]);
  }
  return { session: sessionOf(request), strong: value === 'strong' };
});

/**
 * Marks the caller of a write route as a recent writer once the request
 * finished (committed or not), so their next reads see what they wrote.
 */
@Injectable()
export class ReadYourWrites implements NestInterceptor {
  constructor(private readonly replicas: ReadReplicas) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    if (request.method === 'GET' || request.method === 'HEAD') return next.handle();
    return next.handle().pipe(finalize(() => this.replicas.wrote(sessionOf(request))));
  }
}
