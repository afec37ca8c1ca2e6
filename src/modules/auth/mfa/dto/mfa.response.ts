/** Shown once, at enrolment: the shared secret and the URI authenticator apps read (draw it as a QR code). */
export class TotpEnrolmentResponse {
  /** Base32 shared secret, for typing into an authenticator app by hand. Never shown again. */
  secret: string;
  /** `otpauth://totp/<issuer>:<email>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`: render it as a QR code in the front end. */
  otpauthUri: string;
}

export class TotpConfirmationResponse {
  /** Ten one-time recovery codes, shown this once (only their hashes are kept). */
  recoveryCodes: string[];
  /** A new access token for the same session, carrying the enrolment (the old one keeps working until it expires). */
  accessToken: string;
  /** Seconds until that access token expires. @example 900 */
  expiresIn: number;
}

/** The login answer when the account has TOTP enabled: no session yet. */
export class MfaChallengeResponse {
  /** Always true: finish with POST /auth/mfa/verify. */
  mfaRequired: true;
  /** Single-use, valid for `mfaExpiresIn` seconds. */
  mfaToken: string;
  /** @example 300 */
  mfaExpiresIn: number;
}
