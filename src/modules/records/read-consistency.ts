import { Injectable, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
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

/** The routes that write records: creates, updates, deletes, trash restore and purge, and batches. */
const RECORD_WRITES = /^\/api\/v\d+\/(?:collections\/:name\/(?:records|trash)|batch)/;

/**
 * Marks the caller of a record write as a recent writer once the handler
 * finished (committed or not), before the answer goes out, so their next
 * reads see what they wrote. A Fastify hook rather than a Nest interceptor:
 * an interceptor on the records routes would cost every read too.
 */
@Injectable()
export class ReadYourWrites {
  constructor(private readonly replicas: ReadReplicas) {}

  install(fastify: FastifyInstance): void {
    if (!this.replicas.configured) return;
    fastify.addHook('onSend', (request, _reply, payload, done) => {
      if (request.method !== 'GET' && request.method !== 'HEAD' && RECORD_WRITES.test(request.routeOptions.url ?? '')) this.replicas.wrote(sessionOf(request as Request));
      done(null, payload);
    });
  }
}
