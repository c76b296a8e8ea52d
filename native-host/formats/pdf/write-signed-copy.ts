/**
 * The signed file's last step before its signature (issue 14 "PDF streamed"): the input is already in the temp
 * file, copied and hashed once (copy-input.ts); the update is appended after it and the byte range is finished by
 * carrying the input's hash state over the update, except its /Contents placeholder [ISO 32000-1 §12.8.1] — the
 * file is never read back. The same state gives the SHA-256 values the signing history records
 * (history/cli-attempts.ts): the input's, over exactly the bytes copied and signed, and the signed file's once its
 * /Contents is filled.
 */
import { openFile as open, type SmallFile } from '../../documents/file-steps.js';
import type { CopiedInput } from './copy-input.js';
import { writeAll } from '../../documents/write-all.js';

export interface SignedCopy {
  /** Digest of the byte range: the input, and the update without [contentsStart, contentsEnd). */
  readonly digest: Uint8Array;
  /** SHA-256 (hex) of the input bytes that were copied. */
  readonly inputSha256: string;
  /** SHA-256 (hex) of the whole output once `finalUpdate` (the update with /Contents filled) follows the input. */
  outputSha256(finalUpdate: Uint8Array): string;
}

/**
 * Write `update` after the copied input in `outputPath` (cutting off any longer update written by an earlier
 * attempt) and hash the byte range: everything but `[contentsStart, contentsEnd)` (file offsets inside the update).
 * The caller fills /Contents later. `afterEarlierUpdate` false: the file ends where the input does (the first
 * attempt), so there is nothing to cut off and no truncate is made.
 */
export async function appendSignedUpdate(outputPath: string | SmallFile, copied: CopiedInput, update: Uint8Array, contentsStart: number, contentsEnd: number, afterEarlierUpdate = true): Promise<SignedCopy> {
  // A handle the caller keeps open (sign-pdf.ts: the same one fills /Contents and is fsync'd), or a path.
  const output = typeof outputPath === 'string' ? await open(outputPath, 'r+') : outputPath;
  try {
    await writeAll(output, update, copied.length);
    if (afterEarlierUpdate) await output.truncate(copied.length + update.length);
  } finally {
    if (output !== outputPath) await output.close();
  }
  const range = copied.rangeHash.copy();
  range.update(update.subarray(0, contentsStart - copied.length));
  range.update(update.subarray(contentsEnd - copied.length));
  return {
    digest: new Uint8Array(range.digest()),
    inputSha256: copied.sha256.copy().digest('hex'),
    outputSha256: (finalUpdate) => copied.sha256.copy().update(finalUpdate).digest('hex'),
  };
}
