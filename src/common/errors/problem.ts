import { STATUS_CODES } from 'node:http';
import { ErrorCode } from './error-codes';
import type { FieldError } from './domain.error';

/** RFC 9457 problem details, as every error leaves Basalt. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export function problemType(code: ErrorCode): string {
  return `urn:basalt:problem:${code}`;
}

export function problem(code: ErrorCode, status: number, detail?: string, errors?: FieldError[], title?: string): Problem {
  return {
    type: problemType(code),
    title: title ?? STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail ? { detail } : {}),
    ...(errors && errors.length ? { errors } : {}),
  };
}

/** The problem code for a bare HTTP status, when nothing more specific is known. */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400: return ErrorCode.ValidationFailed;
    case 401: return ErrorCode.Unauthorized;
    case 403: return ErrorCode.Forbidden;
    case 404: return ErrorCode.NotFound;
    case 405: return ErrorCode.MethodNotAllowed;
    case 409: return ErrorCode.Conflict;
    case 413: return ErrorCode.PayloadTooLarge;
    case 415: return ErrorCode.UnsupportedMediaType;
    case 503: return ErrorCode.ServiceUnavailable;
    default: return status >= 500 ? ErrorCode.Internal : ErrorCode.HttpError;
  }
}
