import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, randomInt } from 'node:crypto';

const FORMAT = 'v1';
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i

/**
 * Keys derived from the token-signing secret (BASALT_JWT_SECRET, or the one
 * generated into the data directory) with HKDF-SHA256, one per purpose, so
 * the database alone never reveals a TOTP secret or lets a recovery code be
 * guessed offline. Changing the signing secret makes enrolled factors
 * unreadable: their owners use a recovery code, or an administrator resets them.
 */
export class MfaSecrets {
  private readonly encryptionKey: Buffer;
  private readonly recoveryKey: Buffer;

  constructor(signingSecret: string) {
    const ikm = Buffer.from(signingSecret, 'utf8');
    this.encryptionKey = Buffer.from(hkdfSync('sha256', ikm, 'basalt-mfa', 'totp-secret-encryption-v1', 32));
    this.recoveryKey = Buffer.from(hkdfSync('sha256', ikm, 'basalt-mfa', 'recovery-code-hmac-v1', 32));
  }

  /** AES-256-GCM, a fresh 96-bit nonce, the user id as associated data (a ciphertext copied to another row does not open). */
  encrypt(secret: Buffer, userId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    cipher.setAAD(Buffer.from(userId, 'utf8'));
    const body = Buffer.concat([cipher.update(secret), cipher.final()]);
    return [FORMAT, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(stored: string, userId: string): Buffer {
    const [format, iv, tag, body] = stored.split('.');
    if (format !== FORMAT || !iv || !tag || !body) throw new Error('unknown TOTP secret format');
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(userId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
  }

  /** HMAC-SHA256 of the normalised code: a fast hash is enough for 60 random bits once the key is not in the database. */
  hashRecoveryCode(code: string): string {
    return createHmac('sha256', this.recoveryKey).update(normaliseRecoveryCode(code)).digest('hex');
  }
}

/** `xxxx-xxxx-xxxx`: 12 characters of a 31-letter alphabet (~59 bits). */
export function generateRecoveryCode(): string {
  let raw = '';
  for (let i = 0; i < 12; i++) raw += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
}

/** Case, spaces and dashes do not matter when a code is typed back. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}
