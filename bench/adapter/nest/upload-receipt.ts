import { createHash } from 'node:crypto';

/** What an upload route answers, so the client can prove the bytes arrived intact. */
export interface UploadReceipt {
  field: string;
  filename: string;
  size: number;
  sha256: string;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function receiptFor(field: string, filename: string, bytes: Buffer): UploadReceipt {
  return { field, filename, size: bytes.length, sha256: sha256(bytes) };
}
