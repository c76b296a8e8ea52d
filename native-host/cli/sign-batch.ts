/**
 * The loop every `kyso sign-*` command shares: one PIN, one login, then each document in turn. A document that
 * fails is reported and skipped; the others are still signed; the exit code is non-zero if any failed.
 * Results are written to a temp file beside the target and renamed, so a failure never leaves an output file.
 */
import { readWholeFile, useDirectFileSteps } from '../documents/file-steps.js';
import { outputWriteError, writeFileAtomic as writeBytesAtomic } from '../documents/atomic-write.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { Signer } from '../token/signer.js';
import { TokenService } from '../token/token-service.js';
import { reportCliError } from './main.js';
import { readPin } from './read-pin.js';
import type { ParsedSignArgs, PlannedOutput } from './sign-options.js';
import { cliFileAttempt, cliLoginAttempt, type CliSignOperation } from '../history/cli-attempts.js';
import { recordedAttempt } from '../history/record-attempt.js';
import { deferHistoryHeads, flushHistoryHeads } from '../history/history-writer.js';
import { withCompleteChain } from '../formats/cms/complete-chain.js';

/** Sign one document's bytes; return the bytes to write. */
export type SignDocument = (input: Uint8Array, signer: Signer, inputPath: string) => Promise<Uint8Array>;

export interface SignBatchOptions {
  /** The command, as the signing history names it. */
  readonly operation: CliSignOperation;
  readonly args: ParsedSignArgs;
  readonly plan: readonly PlannedOutput[];
  readonly signDocument: SignDocument;
  /**
   * How to read an input (default: the whole file). sign-cms hashes detached inputs instead, and returns the
   * file's SHA-256 for the signing history from the same read (`sha256`), so the file is not read a second time.
   */
  readonly readInput?: (path: string) => Promise<Uint8Array | { readonly bytes: Uint8Array; readonly sha256: string }>;
  /** Where per-document result lines go (default stdout; the CLI only, never the native host). */
  readonly report?: (line: string) => void;
}

/** Token errors after which every following document would fail the same way. */
const FATAL_FOR_BATCH = new Set(['TOKEN_REMOVED', 'TOKEN_NOT_PRESENT', 'PIN_LOCKED']);

/**
 * Run the batch on the PKCS#11 token (module from KYSO_PKCS11_MODULE): the certificate is resolved before the
 * PIN is asked (no prompt when it does not exist), then one login signs every document.
 * Returns the exit code: 0 all signed, 1 any failure.
 */
export async function runSignBatch(options: SignBatchOptions): Promise<number> {
  const report = options.report ?? ((line: string) => process.stdout.write(`${line}\n`));
  const tokens = new TokenService();
  try {
    const certificateId = options.args.certificate
      ? (await tokens.findCertificate(options.args.certificate)).id
      : await onlyUsableCertificate(tokens);
    const pin = await readPin({ fromStdin: options.args.pinFromStdin });
    // One file after another in a process that serves nothing else: the small file steps as direct system calls
    // (documents/file-steps.ts), not thread-pool round trips.
    useDirectFileSteps();
    // Every record is fsync'd before its file is written; history.head once, after the batch (history-writer.ts),
    // as sign-pdf does.
    deferHistoryHeads();
    // A failed login is a signing attempt too: it is recorded (signing history) before the error is reported.
    const signer = await withCompleteChain(await recordedAttempt(cliLoginAttempt(options.operation, options.plan.map((p) => p.input), () => tokens.findCertificate(certificateId)), () => tokens.openSigner(certificateId, pin)));
    try {
      return await signEach(options, signer, report);
    } finally {
      await signer.close();
    }
  } finally {
    tokens.close();
    await flushHistoryHeads().catch((error: unknown) => {
      // Every record is written; only the head lags (kyso history --verify accepts that). Say so, do not fail.
      process.stderr.write(`kyso: the signing history's head file was not updated (${(error as NodeJS.ErrnoException).code ?? String(error)})\n`);
    });
  }
}

/** The loop itself, on any Signer: a failing document is reported and skipped, the others are signed. */
export async function signEach(options: SignBatchOptions, signer: Signer, report: (line: string) => void): Promise<number> {
  let failed = 0;
  for (const { input, output } of options.plan) {
    try {
      const read = await (options.readInput ?? readInput)(input);
      const bytes = read instanceof Uint8Array ? read : read.bytes;
      // Recorded (signing history, fsync'd) before the signed file is written.
      const attempt = await cliFileAttempt(options.operation, input, bytes, read instanceof Uint8Array ? options.readInput === undefined : read.sha256, signer);
      const result = await recordedAttempt(attempt, () => options.signDocument(bytes, signer, input));
      await writeFileAtomic(output, result);
      report(`OK     ${input} -> ${output}`);
    } catch (error) {
      failed++;
      report(`FAILED ${input}: ${error instanceof KysoError ? error.code : 'INTERNAL_ERROR'}`);
      process.stderr.write(`kyso: ${input}:\n`);
      reportCliError(error);
      if (error instanceof KysoError && FATAL_FOR_BATCH.has(error.code)) break;
    }
  }
  if (options.plan.length > 1) report(`${options.plan.length - failed}/${options.plan.length} signed`);
  return failed === 0 ? 0 : 1;
}

/** Without --cert: the token's one usable signing certificate, else ask the person to choose. */
async function onlyUsableCertificate(tokens: TokenService): Promise<string> {
  const usable = (await tokens.listCertificates()).filter((c) => c.unusableReasons.length === 0);
  if (usable.length === 0) throw new KysoError('CERTIFICATE_NOT_FOUND', { reason: 'no usable signing certificate on the token' });
  if (usable.length > 1) {
    throw new KysoError('BAD_REQUEST', { reason: 'several certificates can sign: choose one with --cert (an id, MST:… or CCCD:…)', count: usable.length });
  }
  return (usable[0] as { id: string }).id;
}

export async function readInput(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readWholeFile(path));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'EIO';
    throw new KysoError('BAD_REQUEST', { reason: 'cannot read the input file', errno: code }, { cause });
  }
}

/** Write beside the target, then rename: readers never see half a file, and a failure leaves nothing. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  try {
    // Dead runs' temp files are looked for on the first write into a folder, not on every file of the batch.
    await writeBytesAtomic(path, bytes, 0o644, 'once');
  } catch (cause) {
    throw outputWriteError(cause);
  }
}
