/**
 * Sign a PDF with a Signer: PAdES B-B, or B-T when a timestamp hook is given [ETSI EN 319 142-1 §6.3].
 * The CMS is detached over the ByteRange, with contentType, messageDigest and signingCertificateV2 and NO
 * signingTime (the time is in /M) [ETSI EN 319 142-1 §5.2.1, §6.3 Table 1].
 *
 * signPdfFile keeps large files out of memory and reads the input once: it is copied into the output's temp file in
 * fixed windows, hashed and scanned on the way (copy-input.ts); the copy is then read on demand (xref/file-image.ts:
 * the trailer, the cross-reference and the objects signing touches; large stream data is not read again), the
 * update appended, the byte range hashed from the input's hash state (write-signed-copy.ts), and the CMS written
 * into the output's /Contents in place. The output appears only when complete (temp file + fsync + rename).
 */
import { rename, rm, stat } from 'node:fs/promises';
import type { SmallFile } from '../../documents/file-steps.js';
import { atomicTempPath, commitOpenTempFile, outputWriteError, removeStaleTempFilesOnce, syncAndClose } from '../../documents/atomic-write.js';
import { writeAll } from '../../documents/write-all.js';
import { basename, dirname, resolve } from 'node:path';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { HashAlgorithm } from '../../../shared/domain/algorithms.js';
import type { Signer } from '../../token/signer.js';
import { buildCmsSignature } from '../cms/build-cms-signature.js';
import { readPdfStructure } from './read-pdf-structure.js';
import { FileImage } from './xref/file-image.js';
import { appendSignedUpdate } from './write-signed-copy.js';
import { copyInput, type CopiedInput } from './copy-input.js';
import { earlyCopyFits, type EarlyCopy } from './early-copy.js';
import { detectHiddenContent, type HiddenContentWarning } from './hidden-content.js';
import { buildSignatureIncrement, byteRangeText } from './build-signature-increment.js';
import { completePdfSignature, preparePdfSignature } from './prepare-pdf-signature.js';
import { estimatePlaceholderBytes, PLACEHOLDER_MARGIN_BYTES } from './placeholder-size.js';
import { DEFAULT_PDF_HASH, type PdfSignatureOptions } from './pdf-signature-options.js';

export interface SignPdfOptions extends Omit<PdfSignatureOptions, 'signerCertificate'> {
  /** RFC 3161 client: TimeStampToken DER over the signature value. Makes the signature PAdES B-T. */
  readonly timestamp?: (signatureValue: Uint8Array) => Promise<Uint8Array>;
  /** Told what the file holds that can change after signing (hidden-content.ts); it does not stop signing. */
  readonly onHiddenContent?: (warnings: readonly HiddenContentWarning[]) => void;
  /**
   * The output path is a staging name (an atomic-write temp name) the caller renames to the real one and then
   * syncs the folder (history/cli-attempts.ts): the file is written there directly — a temp file of a temp file
   * and its rename bought nothing — and its data is still fsync'd here; the folder is not (atomic-write.ts).
   */
  readonly stagedOutput?: boolean;
  /**
   * The input already being copied beside the output (early-copy.ts: `kyso sign-pdf` starts it while the token
   * logs in). Taken over when it is this input, hash and folder; otherwise the input is copied here as usual.
   */
  readonly earlyCopy?: EarlyCopy;
}

export interface SignPdfResult {
  readonly placeholderBytes: number;
  readonly cmsBytes: number;
  /** How many times the token signed (2 when the first estimate of /Contents was too small). */
  readonly signatures: number;
  /** SHA-256 (hex) of the input as copied and signed, and of the signed file: from the one copying pass, not re-read. */
  readonly inputSha256: string;
  readonly outputSha256: string;
}

function cmsFor(signer: Signer, hashAlgorithm: HashAlgorithm, digest: Uint8Array, options: SignPdfOptions): Promise<Uint8Array> {
  return buildCmsSignature({
    signer, hashAlgorithm, messageDigest: digest, includeSigningTime: false,
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
  });
}

/** Whole document in memory (small files, tests). Returns the signed PDF; `input` is not changed. */
export async function signPdf(input: Uint8Array, signer: Signer, options: SignPdfOptions = {}): Promise<Uint8Array> {
  const hashAlgorithm = options.hashAlgorithm ?? DEFAULT_PDF_HASH;
  const signingTime = options.signingTime ?? new Date();
  let placeholderBytes = options.placeholderBytes ?? estimatePlaceholderBytes(signer, Boolean(options.timestamp));
  for (let attempt = 0; attempt < 2; attempt++) {
    const prepared = await preparePdfSignature(input, { ...options, hashAlgorithm, signingTime, placeholderBytes, signerCertificate: signer.certificate });
    const cms = await cmsFor(signer, hashAlgorithm, prepared.byteRangeDigest, options);
    if (cms.length <= placeholderBytes) return completePdfSignature(prepared.preparedPdf, cms);
    placeholderBytes = cms.length + PLACEHOLDER_MARGIN_BYTES;
  }
  throw new KysoError('INTERNAL_ERROR', { reason: 'the CMS kept outgrowing its placeholder' });
}

/** Sign `inputPath` into `outputPath` (never the same file; the input is only read). */
export async function signPdfFile(inputPath: string, outputPath: string, signer: Signer, options: SignPdfOptions = {}): Promise<SignPdfResult> {
  const hashAlgorithm = options.hashAlgorithm ?? DEFAULT_PDF_HASH;
  const signingTime = options.signingTime ?? new Date();
  // A staged output is a fresh temp name beside the real one, already checked against the input by the caller.
  if (!options.stagedOutput && await sameFile(inputPath, outputPath)) throw new KysoError('BAD_REQUEST', { reason: 'the output would overwrite the input (inputs are never changed in place)' });
  // A run killed mid-write (SIGKILL, power cut) leaves its temp file: clear those of dead runs first.
  await removeStaleTempFilesOnce(dirname(outputPath));
  const temp = options.stagedOutput ? outputPath : atomicTempPath(outputPath);
  const early = earlyCopyFits(options.earlyCopy, inputPath, dirname(temp), hashAlgorithm) ? options.earlyCopy : undefined;
  if (early) early.taken = true;
  try {
    // The input is read once: copied into the temp file, hashed and scanned on the way (copy-input.ts). The
    // signature is then built from the COPY, read on demand (xref/file-image.ts: the trailer, the xref and the
    // objects signing touches; large stream data is never read again), so what is parsed is what is signed.
    // The copy's handle stays open: it writes the update, fills /Contents and is fsync'd (commitOpenTempFile),
    // where each step opened the temp file again.
    const copied = early ? await takeEarlyCopy(early, temp) : await copyInput(inputPath, temp, hashAlgorithm, true);
    // The early copy's data is already being flushed (early-copy.ts); its outcome is awaited before the final fsync.
    const flushed = early?.flushed ?? Promise.resolve();
    const output = copied.output!;
    let committed = false;
    try {
      const image = FileImage.open(temp);
      try {
        image.adoptScans(copied.scans);
        const result = await signCopy(image, copied, flushed, output, temp, outputPath, signer, options, hashAlgorithm, signingTime);
        committed = true;
        return result;
      } finally {
        image.close();
      }
    } finally {
      if (!committed) await output.close().catch(() => undefined);
    }
  } catch (error) {
    await rm(temp, { force: true });
    if (early) await rm(early.tempPath, { force: true });
    const errno = (error as NodeJS.ErrnoException | undefined)?.code;
    if (!(error instanceof KysoError) && typeof errno === 'string' && /^E[A-Z]+$/.test(errno)) {
      throw outputWriteError(error, basename(outputPath));
    }
    throw error;
  }
}

/** The early copy under this signature's temp name (same folder: a rename), its handle still open. */
async function takeEarlyCopy(early: EarlyCopy, temp: string): Promise<CopiedInput> {
  const copied = await early.copied; // the copy's own errors, as copyInput would throw them here
  try {
    await rename(early.tempPath, temp);
  } catch (error) {
    await copied.output?.close().catch(() => undefined);
    throw error;
  }
  return copied;
}

async function signCopy(image: FileImage, copied: CopiedInput, flushed: Promise<void>, output: SmallFile, temp: string, outputPath: string, signer: Signer, options: SignPdfOptions, hashAlgorithm: HashAlgorithm, signingTime: Date): Promise<SignPdfResult> {
  const input = image.bytes;
  let placeholderBytes = options.placeholderBytes ?? estimatePlaceholderBytes(signer, Boolean(options.timestamp));
  for (let attempt = 1; attempt <= 2; attempt++) {
    // The parser's document is changed by building an update: parse afresh for each attempt.
    const structure = await readPdfStructure(input);
    if (attempt === 1 && options.onHiddenContent) options.onHiddenContent(detectHiddenContent(structure.view, input));
    const inc = await buildSignatureIncrement(structure, { ...options, hashAlgorithm, signingTime, placeholderBytes, signerCertificate: signer.certificate }, placeholderBytes, input);
    const base = input.length;
    const contentsStart = base + inc.contentsAt;
    const contentsEnd = contentsStart + placeholderBytes * 2 + 2;
    const total = base + inc.bytes.length;
    inc.bytes.set(new TextEncoder().encode(byteRangeText(contentsStart, contentsEnd, total, inc.byteRangeWidth)), inc.byteRangeAt);

    // The update appended after the copied input; the byte range hashed from the input's hash state (write-signed-copy.ts).
    const copy = await appendSignedUpdate(output, copied, inc.bytes, contentsStart, contentsEnd, attempt > 1);
    const cms = await cmsFor(signer, hashAlgorithm, copy.digest, options);
    if (cms.length > placeholderBytes) {
      placeholderBytes = cms.length + PLACEHOLDER_MARGIN_BYTES;
      continue;
    }
    const hex = Buffer.from(Buffer.from(cms).toString('hex'), 'latin1');
    await writeAll(output, hex, contentsStart + 1); // made durable by commitOpenTempFile's fsync
    inc.bytes.set(hex, inc.contentsAt + 1); // the update as written: the output's SHA-256 continues over it
    await flushed;
    if (options.stagedOutput) await syncAndClose(output); // durable before the caller's record and rename
    else await commitOpenTempFile(output, temp, outputPath);
    return { placeholderBytes, cmsBytes: cms.length, signatures: attempt, inputSha256: copy.inputSha256, outputSha256: copy.outputSha256(inc.bytes) };
  }
  throw new KysoError('INTERNAL_ERROR', { reason: 'the CMS kept outgrowing its placeholder' });
}

async function sameFile(a: string, b: string): Promise<boolean> {
  if (resolve(a) === resolve(b)) return true;
  const [sa, sb] = await Promise.all([stat(a).catch(() => undefined), stat(b).catch(() => undefined)]);
  return Boolean(sa && sb && sa.dev === sb.dev && sa.ino === sb.ino);
}
