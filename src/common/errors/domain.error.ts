import { ErrorCode } from './error-codes';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * An error the client can act on. Services throw these; the global filter
 * turns them into problem details. HTTP stays out of the services except for
 * the status the problem maps to.
 */
export class DomainError extends Error {
  /** Response headers the problem goes out with (e.g. Retry-After). */
  headers?: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
  ) {
    super(detail ?? title);
    this.name = 'DomainError';
  }
}

export class ValidationFailedError extends DomainError {
  constructor(errors: FieldError[], detail = 'The request has invalid fields.') {
    super(ErrorCode.ValidationFailed, 400, 'Validation failed', detail, errors);
  }
}

export class NotFoundError extends DomainError {
  constructor(detail: string) {
    super(ErrorCode.NotFound, 404, 'Not found', detail);
  }
}

export class ConflictError extends DomainError {
  constructor(code: ErrorCode, detail: string) {
    super(code, 409, 'Conflict', detail);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(code: ErrorCode = ErrorCode.Unauthorized, detail = 'Authentication is required.') {
    super(code, 401, 'Unauthorized', detail);
  }
}

export class ForbiddenError extends DomainError {
  constructor(detail = 'You may not do this.') {
    super(ErrorCode.Forbidden, 403, 'Forbidden', detail);
  }
}
