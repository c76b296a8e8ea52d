/**
 * The signed file's bytes, written and hashed in ONE streaming pass (issue 14 "PDF streamed"): the input is copied
 * to the output in fixed-size chunks through a single reused buffer, each chunk also going into the byte-range
 * hash; then the update is appended and hashed except its /Contents placeholder [ISO 32000-1 §12.8.1]. Memory
 * stays at one buffer whatever the file's size, and the file is read once (not copied, then read back to hash).
 * The same pass gives the SHA-256 values the signing history records (history/cli-attempts.ts): the input's, over
 * exactly the bytes copied and signed, and — by carrying the hash state past the input — the signed file's, once its
 * /Contents is filled, without reading the output back.
 * The input must keep its size while this runs: a file that grew or shrank since it was read is refused.
 */
import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { HashAlgorithm } from '../../../shared/domain/algorithms.js';
import { nodeHashName } from './prepare-pdf-signature.js';

const COPY_CHUNK_BYTES = 1024 * 1024;
const ZEROS = Buffer.alloc(COPY_CHUNK_BYTES);

export interface SignedCopy {
  /** Digest of the byte range: the input, and the update without [contentsStart, contentsEnd). */
  readonly digest: Uint8Array;
  /** SHA-256 (hex) of the input bytes that were copied. */
  readonly inputSha256: string;
  /** SHA-256 (hex) of the whole output once `finalUpdate` (the update with /Contents filled) follows the input. */
  outputSha256(finalUpdate: Uint8Array): string;
}

/**
 * Write `inputPath`'s first `inputLength` bytes then `update` to `outputPath` (created or truncated), hashing all
 * of it except `[contentsStart, contentsEnd)` (file offsets inside the update). The caller fills /Contents later.
 */
export async function writeSignedCopy(inputPath: string, inputLength: number, update: Uint8Array, outputPath: string, hashAlgorithm: HashAlgorithm, contentsStart: number, contentsEnd: number): Promise<SignedCopy> {
  const hash = createHash(nodeHashName(hashAlgorithm));
  // The byte-range hash is SHA-256 in the common case: then one hash serves both, copied at the input's end.
  const whole = hashAlgorithm === 'SHA-256' ? undefined : createHash('sha256');
  let afterInput: Hash | undefined;
  const buffer = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
  const input = await open(inputPath, 'r');
  try {
    const output = await open(outputPath, 'w');
    try {
      for (let at = 0; at < inputLength;) {
        const { bytesRead } = await input.read(buffer, 0, Math.min(buffer.length, inputLength - at), at);
        if (bytesRead <= 0) throw changed();
        const chunk = buffer.subarray(0, bytesRead);
        hash.update(chunk);
        whole?.update(chunk);
        // A chunk of zeros is left a hole (as `cp --sparse=auto` does): it reads back as the same zeros, and a
        // sparse input (a scan's empty reserve) is not written out as a gigabyte of zeros.
        if (!chunk.equals(ZEROS.subarray(0, bytesRead))) await output.write(chunk, 0, bytesRead, at);
        at += bytesRead;
      }
      if ((await input.stat()).size !== inputLength) throw changed();
      afterInput = (whole ?? hash).copy();
      await output.truncate(inputLength);
      await output.write(update, 0, update.length, inputLength);
      hash.update(update.subarray(0, contentsStart - inputLength));
      hash.update(update.subarray(contentsEnd - inputLength));
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
  const state = afterInput!;
  return {
    digest: new Uint8Array(hash.digest()),
    inputSha256: state.copy().digest('hex'),
    outputSha256: (finalUpdate) => state.copy().update(finalUpdate).digest('hex'),
  };
}

function changed(): KysoError {
  return new KysoError('BAD_REQUEST', { reason: 'the input file changed while it was being signed' });
}
