import { DomainError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';

/** The request deadline passed before an answer was ready. */
export class RequestTimeoutError extends DomainError {
  constructor(limitMs: number) {
    super(
      ErrorCode.RequestTimeout,
      503,
      'Request timed out',
      `The request was not answered within the limit of ${limitMs} ms. Ask for less (a smaller page, fewer expansions, a narrower filter) or retry later.`,
    );
  }
}

/** Every heavy-request slot stayed taken for the whole queue wait. */
export class OverloadedError extends DomainError {
  constructor(capacity: number, retryAfterSeconds: number) {
    super(
      ErrorCode.Overloaded,
      503,
      'Overloaded',
      `All ${capacity} slots for heavy requests (large lists, reverse expansions, counts, aggregates, searches, exports) are taken; retry after ${retryAfterSeconds} s.`,
    );
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}
