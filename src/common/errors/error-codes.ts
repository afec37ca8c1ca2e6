/** Every problem type Basalt answers with; the `type` URI is `urn:basalt:problem:<code>`. */
export const ErrorCode = {
  ValidationFailed: 'validation-failed',
  MalformedBody: 'malformed-body',
  PayloadTooLarge: 'payload-too-large',
  UnsupportedMediaType: 'unsupported-media-type',
  NotFound: 'not-found',
  MethodNotAllowed: 'method-not-allowed',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  InvalidCredentials: 'invalid-credentials',
  InvalidRefreshToken: 'invalid-refresh-token',
  EmailTaken: 'email-taken',
  RegistrationClosed: 'registration-closed',
  Conflict: 'conflict',
  ServiceUnavailable: 'service-unavailable',
  Internal: 'internal-error',
  HttpError: 'http-error',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
