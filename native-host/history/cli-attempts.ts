/**
 * What `kyso sign-*` records: origin `cli`, one record per input file (its name and SHA-256, the signed output's
 * SHA-256), and one record when the login itself fails (every planned input, no hashes read).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { renamePath as rename, statIfExists } from '../documents/file-steps.js';
import { dirname, resolve } from 'node:path';
import { atomicTempPath, syncDirectory } from '../documents/atomic-write.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { SigningRecordItem } from '../../shared/protocol/signing-history.js';
import { describeCertificate } from '../../shared/certificates/describe-certificate.js';
import type { CertificateInfo } from '../../shared/protocol/common.js';
import type { Signer } from '../token/signer.js';
import type { TokenSigner } from '../token/token-service.js';
import { CLI_REQUESTER, recordedAttempt, type SigningAttempt, type SigningOperation } from './record-attempt.js';
import { sha256Hex } from './record-line.js';

export type CliSignOperation = Extract<SigningOperation, 'sign-pdf' | 'sign-cms' | 'sign-xml'>;

const KIND = { 'sign-pdf': 'pdf', 'sign-cms': 'cms', 'sign-xml': 'xml' } as const;

/**
 * One input file. `bytes` is what was read for signing; when a command reads a digest instead of the file
 * (sign-cms detached, streamed), pass `hashedWhole` false and the file is hashed again here, as a stream — or pass
 * the file's SHA-256 (hex) computed while reading it.
 */
export async function cliFileAttempt(operation: CliSignOperation, input: string, bytes: Uint8Array, hashedWhole: boolean | string, signer: Signer): Promise<SigningAttempt<Uint8Array>> {
  const sha256 = typeof hashedWhole === 'string' ? hashedWhole : hashedWhole ? sha256Hex(bytes) : await sha256OfFile(input);
  const item: SigningRecordItem = { kind: KIND[operation], name: input.slice(-255), sha256 };
  return {
    operation,
    requester: CLI_REQUESTER,
    items: [item],
    certificate: () => certificateOf(signer),
    outcome: (signed) => ({ items: [{ ...item, resultSha256: sha256Hex(signed) }], result: 'ok' }),
  };
}

/**
 * The login of a CLI batch: the record names the inputs and the certificate. A login that opened a signer names the
 * signer's own (a second listing of the token's objects cost 5–27 ms on the path: docs/benchmarks.md "Eighth
 * run"); a failed one (the PIN: nothing was signed) the certificate asked for, looked up on the token (`lookUp`).
 */
export function cliLoginAttempt(operation: CliSignOperation, inputs: readonly string[], lookUp: () => Promise<CertificateInfo>): SigningAttempt<TokenSigner> {
  return {
    operation,
    requester: CLI_REQUESTER,
    items: inputs.slice(0, 1000).map((input) => ({ kind: KIND[operation], name: input.slice(-255) })),
    certificate: (opened) => (opened ? Promise.resolve(opened.certificateInfo) : lookUp()),
  };
}

function certificateOf(signer: Signer): Promise<CertificateInfo> {
  const info = (signer as Signer & { certificateInfo?: CertificateInfo }).certificateInfo;
  return info ? Promise.resolve(info) : describeCertificate(signer.certificate);
}

function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path).on('data', (chunk) => hash.update(chunk)).on('error', reject).on('end', () => resolve(hash.digest('hex')));
  });
}

/** SHA-256 values (hex) a signer that streams the file computed in its own pass (formats/pdf/write-signed-copy.ts). */
export interface SignedFileHashes {
  /** Of the input bytes that were signed. */
  readonly inputSha256: string;
  /** Of the signed file as written. */
  readonly outputSha256: string;
}

/**
 * For commands whose signer writes the output file itself (sign-pdf streams the PDF): sign into a hidden file
 * beside the output, record the attempt, then rename — so no signed file appears before its record exists.
 * A signer that returns the SHA-256 values from its own pass spares two more passes over the files; otherwise the
 * input and the output are hashed here, as streams.
 */
export async function signFileRecorded(operation: CliSignOperation, input: string, output: string, signer: Signer, sign: (outputPath: string) => Promise<SignedFileHashes | unknown>): Promise<void> {
  // The rename below would replace the input: refuse as signPdfFile does (inputs are never changed in place).
  if (await sameFile(input, output)) throw new KysoError('BAD_REQUEST', { reason: 'the output would overwrite the input (inputs are never changed in place)' });
  // A temp name of atomic-write.ts's kind: if this process dies, the next run in this folder removes the leftover.
  const staged = atomicTempPath(output);
  let renamed = false;
  try {
    const item: { -readonly [K in keyof SigningRecordItem]: SigningRecordItem[K] } = { kind: KIND[operation], name: input.slice(-255) };
    await recordedAttempt<string>({
      operation,
      requester: CLI_REQUESTER,
      items: [item],
      certificate: () => certificateOf(signer),
      outcome: (resultSha256) => ({ items: [{ ...item, resultSha256 }], result: 'ok' }),
    }, async () => {
      const hashes = await sign(staged);
      if (isSignedFileHashes(hashes)) {
        item.sha256 = hashes.inputSha256;
        return hashes.outputSha256;
      }
      item.sha256 = await sha256OfFile(input);
      return sha256OfFile(staged);
    });
    await rename(staged, output);
    renamed = true;
    // The rename that makes the signed file appear, made durable (its data was fsync'd before the record).
    await syncDirectory(dirname(output));
  } finally {
    // Nothing is left under the staged name once renamed (a removal would only cost a failing lstat per file).
    if (!renamed) await rm(staged, { force: true });
  }
}

function isSignedFileHashes(value: unknown): value is SignedFileHashes {
  const v = value as Partial<SignedFileHashes> | undefined;
  return typeof v?.inputSha256 === 'string' && typeof v.outputSha256 === 'string';
}

async function sameFile(a: string, b: string): Promise<boolean> {
  if (resolve(a) === resolve(b)) return true;
  const [x, y] = await Promise.all([statIfExists(a).catch(() => undefined), statIfExists(b).catch(() => undefined)]);
  return x !== undefined && y !== undefined && x.dev === y.dev && x.ino === y.ino;
}
