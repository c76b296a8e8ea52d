/**
 * The loop every `kyso sign-*` command shares: one PIN, one login, then each document in turn. A document that
 * fails is reported and skipped; the others are still signed; the exit code is non-zero if any failed.
 * Results are written to a temp file beside the target and renamed, so a failure never leaves an output file.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { Signer } from '../token/signer.js';
import { reportCliError } from './main.js';
import { readPin } from './read-pin.js';
import type { ParsedSignArgs, PlannedOutput } from './sign-options.js';

/** A Signer on an open, logged-in token session; close() logs out. */
export interface OpenedSigner extends Signer {
  close(): Promise<void> | void;
}

/** Opens the signer for a certificate selector (undefined = the only certificate) with a PIN. */
export type SignerOpener = (selector: string | undefined, pin: string) => Promise<OpenedSigner>;

/** Sign one document's bytes; return the bytes to write. */
export type SignDocument = (input: Uint8Array, signer: Signer, inputPath: string) => Promise<Uint8Array>;

export interface SignBatchOptions {
  readonly args: ParsedSignArgs;
  readonly plan: readonly PlannedOutput[];
  readonly openSigner: SignerOpener;
  readonly signDocument: SignDocument;
  /** Where per-document result lines go (default stdout; never used by the native host). */
  readonly report?: (line: string) => void;
}

/** Run the batch; returns the process exit code (0 all signed, 1 any failure). */
export async function runSignBatch(options: SignBatchOptions): Promise<number> {
  const report = options.report ?? ((line: string) => process.stdout.write(`${line}\n`));
  const pin = await readPin({ fromStdin: options.args.pinFromStdin });
  const signer = await options.openSigner(options.args.certificate, pin);
  let failed = 0;
  try {
    for (const { input, output } of options.plan) {
      try {
        const bytes = await readInput(input);
        const result = await options.signDocument(bytes, signer, input);
        await writeFileAtomic(output, result);
        report(`OK     ${input} -> ${output}`);
      } catch (error) {
        failed++;
        const code = error instanceof KysoError ? error.code : 'INTERNAL_ERROR';
        report(`FAILED ${input}: ${code}`);
        process.stderr.write(`kyso: ${input}:\n`);
        reportCliError(error);
        // A token that went away will fail every following document the same way: stop early.
        if (error instanceof KysoError && (error.code === 'TOKEN_REMOVED' || error.code === 'TOKEN_NOT_PRESENT' || error.code === 'PIN_LOCKED')) break;
      }
    }
  } finally {
    await signer.close();
  }
  if (options.plan.length > 1) report(`${options.plan.length - failed}/${options.plan.length} signed`);
  return failed === 0 ? 0 : 1;
}

async function readInput(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'EIO';
    throw new KysoError('BAD_REQUEST', { reason: 'cannot read the input file', errno: code }, { cause });
  }
}

/** Write beside the target, then rename: readers never see half a file, and a failure leaves nothing. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, bytes, { flag: 'wx' });
    await rename(temp, path);
  } catch (cause) {
    await unlink(temp).catch(() => undefined);
    const code = (cause as NodeJS.ErrnoException).code ?? 'EIO';
    throw new KysoError('BAD_REQUEST', { reason: 'cannot write the output file', errno: code }, { cause });
  }
}
