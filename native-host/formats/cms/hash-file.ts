/** Digest of a file read as a stream: a detached signature needs only this, whatever the file's size. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { openFile, type SmallFile } from '../../documents/file-steps.js';
import type { HashAlgorithm } from '../../../shared/domain/algorithms.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { nodeHashName } from '../node-hash-name.js';

/**
 * The file's digest for signing and, in the same read, its SHA-256 for the signing history (one hash when the
 * signing hash is SHA-256): `kyso sign-cms` otherwise read every input twice. Read with one descriptor and one
 * buffer sized to the file (at most 1 MiB), without a stream: for the small files of a batch the stream machinery
 * cost more than the reading.
 */
export async function hashFileWithSha256(path: string, hash: HashAlgorithm): Promise<{ digest: Uint8Array; sha256: string }> {
  const digest = createHash(nodeHashName(hash));
  const sha256 = hash === 'SHA-256' ? undefined : createHash('sha256');
  let file: SmallFile | undefined;
  try {
    file = await openFile(path, 'r');
    const buffer = Buffer.allocUnsafe(Math.max(1, Math.min((await file.stat()).size, MAX_READ_BYTES)));
    for (;;) {
      // Until read() says the end: the file may have grown since stat (it is hashed as read, like the stream did).
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      digest.update(chunk);
      sha256?.update(chunk);
    }
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'EIO';
    throw new KysoError('BAD_REQUEST', { reason: 'cannot read the input file', errno: code }, { cause });
  } finally {
    await file?.close();
  }
  const signing = digest.digest();
  return { digest: new Uint8Array(signing), sha256: (sha256?.digest() ?? signing).toString('hex') };
}

const MAX_READ_BYTES = 1024 * 1024;

export async function hashFile(path: string, hash: HashAlgorithm): Promise<Uint8Array> {
  const digest = createHash(nodeHashName(hash));
  try {
    for await (const chunk of createReadStream(path)) digest.update(chunk as Buffer);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'EIO';
    throw new KysoError('BAD_REQUEST', { reason: 'cannot read the input file', errno: code }, { cause });
  }
  return new Uint8Array(digest.digest());
}
