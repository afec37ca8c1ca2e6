import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { AppConfig } from 'src/config/app-config';

/** Fields that must never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.refreshToken',
  '*.accessToken',
  '*.secret',
  '*.token',
];

/** Asynchronous, so logging never blocks a request; flushed before the process exits. */
export const logDestination = pino.destination({ dest: 1, sync: false });

/**
 * Structured JSON logs through pino. nestjs-pino binds each request's logger
 * to the request id, so every line written while serving it carries that id.
 * The destination is asynchronous so logging never blocks a request.
 */
@Module({})
export class LoggingModule {
  static forRoot(): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            pinoHttp: [
              {
                level: config.logLevel,
                redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
                genReqId: (req) => (req as unknown as { id: string }).id,
                customProps: () => ({ service: 'basalt' }),
                serializers: {
                  // The realtime route takes `?access_token=` (EventSource cannot send headers): never log it.
                  req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url?.replace(/([?&]access_token=)[^&#]*/gi, '$1[redacted]') }),
                  res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
                },
                autoLogging: config.logRequests ? { ignore: (req) => (req.url ?? '').startsWith('/health') } : false,
              },
              logDestination,
            ],
          }),
        }),
      ],
    };
  }
}
