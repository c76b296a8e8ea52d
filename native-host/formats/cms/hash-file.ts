/** Digest of a file read as a stream: a detached signature needs only this, whatever the file's size. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { HashAlgorithm } from '../../../shared/domain/algorithms.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';

const NODE_HASH: Readonly<Record<HashAlgorithm, string>> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

export async function hashFile(path: string, hash: HashAlgorithm): Promise<Uint8Array> {
  const digest = createHash(NODE_HASH[hash]);
  try {
    for await (const chunk of createReadStream(path)) digest.update(chunk as Buffer);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'EIO';
    throw new KysoError('BAD_REQUEST', { reason: 'cannot read the input file', errno: code }, { cause });
  }
  return new Uint8Array(digest.digest());
}
