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
  SchemaConflict: 'schema-conflict',
  CollectionExists: 'collection-exists',
  CollectionInUse: 'collection-in-use',
  UniqueViolation: 'unique-violation',
  PreconditionFailed: 'precondition-failed',
  PreconditionRequired: 'precondition-required',
  ServiceUnavailable: 'service-unavailable',
  Internal: 'internal-error',
  HttpError: 'http-error',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
