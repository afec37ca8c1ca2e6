import compress from '@fastify/compress';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import { Logger, RequestMethod, VersioningType } from '@nestjs/common';
import { sendProblem } from 'src/common/errors/problem-details.filter';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from 'src/app.module';
import { MetricsService } from 'src/modules/metrics/metrics.service';
import { ProtectionService } from 'src/modules/protection/protection.service';
import { ReadYourWrites } from 'src/modules/records/read-consistency';
import { OpenApiService } from 'src/modules/openapi/openapi.service';
import type { AppConfig } from 'src/config/app-config';
import type { RedisConnection } from 'src/infra/queue/redis-connection';
import { requestIdFor } from './request-id';
import { securityHeaders } from './security-headers';

export const API_PREFIX = 'api';
/**
 * Node's own socket limits, against clients that hold connections open
 * (slowloris): the whole request (headers and body) must arrive within
 * RECEIVE_TIMEOUT_MS, its headers within HEADERS_TIMEOUT_MS. An idle
 * keep-alive connection closes after KEEP_ALIVE_TIMEOUT_MS, longer than the
 * 60 s idle timeout of common load balancers so they never reuse a socket
 * Basalt is closing. No socket inactivity timeout: an event stream is quiet
 * between heartbeats.
 */
const RECEIVE_TIMEOUT_MS = 60_000;
const HEADERS_TIMEOUT_MS = 20_000;
const KEEP_ALIVE_TIMEOUT_MS = 72_000;
/** Smaller bodies gain too little from compression to pay for it. */
const COMPRESSION_THRESHOLD_BYTES = 1024;
const DOCS_JSON = 'docs/openapi.json';

/**
 * The HTTP application on Fastify (chosen by measurement; see
 * docs/decisions/0001-http-adapter.md).
 */
export async function createHttpApp(config: AppConfig, redis: RedisConnection): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    logger: false,
    bodyLimit: config.http.bodyLimit,
    genReqId: requestIdFor,
    requestIdHeader: false,
    // Behind a load balancer, the client address (login throttling per IP, sessions' ip) comes from X-Forwarded-For.
    // (Fastify accepts a hop count at run time; its types only miss it.)
    trustProxy: config.trustProxy as boolean | string | string[],
    forceCloseConnections: 'idle',
    requestTimeout: RECEIVE_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionTimeout: 0,
    http: { headersTimeout: HEADERS_TIMEOUT_MS },
    return503OnClosing: true,
    // Errors Fastify's router raises itself (a URL or parameter too long, a malformed URL) are problems too.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => sendProblem(error, request, reply, new Logger('Errors')),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, redis), adapter, { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  app.flushLogs();

  const fastify = app.getHttpAdapter().getInstance();
  app.get(MetricsService).instrument(fastify);
  app.get(ProtectionService).installDeadline(fastify);
  app.get(ReadYourWrites).install(fastify);
  const headers = securityHeaders();
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(headers);
    reply.header('x-request-id', request.id);
    done();
  });
  if (config.http.corsOrigins) {
    await app.register(cors, { origin: config.http.corsOrigins, credentials: true, exposedHeaders: ['x-request-id', 'etag', 'retry-after'] });
  }
  if (config.compression) {
    // Event streams are never compressed (the plugin skips text/event-stream, and they bypass replies anyway);
    // request bodies are not inflated, so bodyLimit keeps bounding what a request costs.
    await app.register(compress, { threshold: COMPRESSION_THRESHOLD_BYTES, encodings: ['br', 'gzip', 'deflate'], globalDecompression: false });
  }
  await app.register(multipart, { limits: { fileSize: config.http.bodyLimit } });

  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
  });
  app.enableVersioning({ type: VersioningType.URI });

  if (config.docs.enabled) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Basalt')
        .setDescription('The Basalt REST API. Errors are RFC 9457 problem details; authenticate with `Authorization: Bearer <accessToken>`.')
        .setVersion('1')
        .addBearerAuth()
        .build(),
    );
    const openApi = app.get(OpenApiService);
    // `?role=<name>`: the document as that role sees it. Fastify serves the document outside Nest's guards,
    // so who may ask for which role is decided here, before the handler; refusals are problems like any other.
    const roleOf = new WeakMap<FastifyRequest, string>();
    const logger = new Logger('Errors');
    fastify.addHook('preHandler', (request, reply, done) => {
      const role = (request.query as Record<string, unknown> | undefined)?.role;
      if (request.routeOptions.url !== `/${DOCS_JSON}` || role === undefined) return done();
      try {
        roleOf.set(request, openApi.roleFor(String(role), request.headers.authorization));
        done();
      } catch (error) {
        sendProblem(error, request, reply, logger);
      }
    });
    SwaggerModule.setup('docs', app, document, {
      jsonDocumentUrl: DOCS_JSON,
      useGlobalPrefix: false,
      // Collections change at run time: every request gets the document for the current schema.
      patchDocumentOnRequest: (request, _res, base) => {
        const role = roleOf.get(request as FastifyRequest);
        return role === undefined ? openApi.withCollections(base) : openApi.forRole(base, role);
      },
      swaggerOptions: { persistAuthorization: true },
    });
  }
  return app;
}
