import { createHmac } from 'node:crypto';

// RFC 6238 computed here, independently of Basalt's code: base32 secret, HMAC-SHA1, 6 digits, 30 s.
function base32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.replace(/=+$/, '')) bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  const bytes = bits.match(/.{8}/g) ?? [];
  return Buffer.from(bytes.map((b) => parseInt(b, 2)));
}

const step = (offset = 0) => Math.floor(Date.now() / 30_000) + offset;

/** The code for the current 30-second step, or one `offsetSteps` away. */
export function totpCode(secret: string, offsetSteps = 0): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step(offsetSteps)));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** A 6-digit code that is not the current one nor its neighbours. */
export function wrongTotpCode(secret: string): string {
  const near = new Set([totpCode(secret, -1), totpCode(secret), totpCode(secret, 1)]);
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!near.has(candidate)) return candidate;
  }
}
