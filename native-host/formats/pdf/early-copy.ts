/**
 * The input's one pass (copy-input.ts: copy into a temp file beside the output, hash, scan) started BEFORE the
 * signer exists (issue 14, "PDF streamed"): `kyso sign-pdf` starts it for its first input while the PIN is read and
 * the token logs in — that wait is the token's own (a driver thread, SoftHSM's files) and the main thread is idle
 * in it, so a large file's copy and hash no longer add to it. signPdfFile takes the copy over (renames the temp file
 * to its own temp name) instead of copying again; the signature is still built from, and covers, the copy's bytes.
 *
 * Once copied, the copy's data is flushed to disk (fdatasync) while the login still runs: the fsync that makes the
 * signed file durable before its rename then writes the update alone, not 100 MB. Its outcome is awaited before
 * that fsync (`flushed`): a write-back error is reported to one fsync only, and must not be lost.
 *
 * Only the input is read before the login; nothing appears under the output's name. A copy that is not taken over
 * (login failed, another input, another hash) is removed by discardEarlyCopy — or, if the process dies, by the next
 * run in that folder (an atomic-write temp name carries the pid).
 */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { HashAlgorithm } from '../../../shared/domain/algorithms.js';
import { atomicTempPath, removeStaleTempFilesOnce } from '../../documents/atomic-write.js';
import { copyInput, type CopiedInput } from './copy-input.js';

export interface EarlyCopy {
  readonly inputPath: string;
  /** The temp file the input is copied into, in the output's folder. */
  readonly tempPath: string;
  readonly hashAlgorithm: HashAlgorithm;
  /** The copy; its output handle is open (copyInput's keepOutputOpen). Never rejects unhandled. */
  readonly copied: Promise<CopiedInput>;
  /** The copy's fdatasync, started once it is written; rejects with its error (awaited before the final fsync). */
  readonly flushed: Promise<void>;
  /** Set once signPdfFile took the copy over (or it was discarded): it is used at most once. */
  taken: boolean;
}

/** Start copying `inputPath` into a temp file beside `outputPath`. Errors surface where the copy is taken over. */
export function startEarlyCopy(inputPath: string, outputPath: string, hashAlgorithm: HashAlgorithm): EarlyCopy {
  const tempPath = atomicTempPath(outputPath);
  // Stale temp files of dead runs are cleared before a new one is made in the folder, as signPdfFile does.
  const copied = removeStaleTempFilesOnce(dirname(outputPath)).then(() => copyInput(inputPath, tempPath, hashAlgorithm, true));
  const flushed = copied.then((c) => c.output!.datasync());
  copied.catch(() => undefined);
  flushed.catch(() => undefined);
  return { inputPath, tempPath, hashAlgorithm, copied, flushed, taken: false };
}

/** Whether signPdfFile(inputPath → a temp file in `tempFolder`, hashAlgorithm) can take this copy over. */
export function earlyCopyFits(early: EarlyCopy | undefined, inputPath: string, tempFolder: string, hashAlgorithm: HashAlgorithm): early is EarlyCopy {
  return early !== undefined && !early.taken && early.inputPath === inputPath && early.hashAlgorithm === hashAlgorithm
    && dirname(early.tempPath) === tempFolder;
}

/** Remove a copy that was not taken over (its handle closed, its temp file removed). Never throws. */
export async function discardEarlyCopy(early: EarlyCopy | undefined): Promise<void> {
  if (!early || early.taken) return;
  early.taken = true;
  const copied = await early.copied.catch(() => undefined);
  await early.flushed.catch(() => undefined);
  await copied?.output?.close().catch(() => undefined);
  await rm(early.tempPath, { force: true }).catch(() => undefined);
}
