import { HttpException } from '@nestjs/common';
import { DomainError } from './domain.error';
import { ErrorCode } from './error-codes';
import { codeForStatus, problem, type Problem } from './problem';

/** Fastify's own client errors, raised before a route handler runs. */
const FASTIFY_CLIENT_ERRORS: Record<string, { code: ErrorCode; detail: (message: string) => string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: ErrorCode.UnsupportedMediaType, detail: (m) => m },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: ErrorCode.MalformedBody, detail: (m) => m },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: ErrorCode.MalformedBody, detail: () => 'The body is empty but the content type says JSON.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: ErrorCode.MalformedBody, detail: (m) => `The body is not valid JSON: ${m}` },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: ErrorCode.PayloadTooLarge, detail: () => 'The body is larger than this server accepts.' },
  FST_ERR_CTP_INVALID_TYPE: { code: ErrorCode.UnsupportedMediaType, detail: (m) => m },
};

export interface ProblemOutcome {
  problem: Problem;
  /** Set for errors nobody anticipated: they are logged with their stack. */
  unexpected: boolean;
}

/** Maps anything thrown while serving a request to the problem the client gets. */
export function toProblem(error: unknown): ProblemOutcome {
  if (error instanceof DomainError) {
    return { problem: problem(error.code, error.status, error.detail, error.errors, error.title), unexpected: false };
  }
  if (error instanceof HttpException && isFastifyClientError(error.cause)) return fromFastify(error.cause);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const detail = typeof response === 'string' ? response : messageOf(response);
    return { problem: problem(codeForStatus(status), status, detail), unexpected: status >= 500 };
  }
  if (isFastifyClientError(error)) return fromFastify(error);
  if (isStatementTimeout(error)) {
    return {
      problem: problem(
        ErrorCode.QueryTimeout,
        503,
        'A database query ran longer than the statement timeout and was cancelled. Ask for less (a smaller page, fewer expansions, a narrower filter or search) or retry later.',
        undefined,
        'Query timed out',
      ),
      unexpected: false,
    };
  }
  const fastify = error as { statusCode?: number; message?: string };
  if (error instanceof SyntaxError && fastify.statusCode === 400) {
    return { problem: problem(ErrorCode.MalformedBody, 400, `The body is not valid JSON: ${error.message}`), unexpected: false };
  }
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return { problem: problem(codeForStatus(fastify.statusCode), fastify.statusCode, fastify.message), unexpected: false };
  }
  return { problem: problem(ErrorCode.Internal, 500, 'An unexpected error occurred; quote the request id when reporting it.'), unexpected: true };
}

/**
 * The database cancelled a statement at its time limit: PostgreSQL's
 * statement_timeout (57014, which a manual cancel shares, hence the message),
 * MariaDB's max_statement_time (1969), MySQL's max_execution_time (3024).
 * TypeORM wraps the driver's error and copies its fields.
 */
export function isStatementTimeout(error: unknown): boolean {
  const candidate = error as { code?: unknown; errno?: unknown; message?: unknown } | undefined;
  if (candidate?.code === '57014') return typeof candidate.message === 'string' && candidate.message.includes('statement timeout');
  return candidate?.errno === 1969 || candidate?.errno === 3024;
}

interface FastifyClientError {
  code: string;
  statusCode: number;
  message: string;
}

function isFastifyClientError(error: unknown): error is FastifyClientError {
  const candidate = error as Partial<FastifyClientError> | undefined;
  return typeof candidate?.code === 'string' && candidate.code in FASTIFY_CLIENT_ERRORS && typeof candidate.statusCode === 'number';
}

function fromFastify(error: FastifyClientError): ProblemOutcome {
  const known = FASTIFY_CLIENT_ERRORS[error.code];
  return { problem: problem(known.code, error.statusCode, known.detail(error.message)), unexpected: false };
}

function messageOf(response: object): string | undefined {
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : undefined;
}
