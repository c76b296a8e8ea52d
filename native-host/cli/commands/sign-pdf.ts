/**
 * `kyso sign-pdf IN... -o OUT` — PAdES B-B (B-T with --tsa) with a visible stamp by default.
 *
 *   --page N                 page of the stamp, 1-based (default: the last page)
 *   --rect x,y,w,h           stamp rectangle in PDF points, origin at the page's BOTTOM-LEFT corner, y upwards
 *   --anchor TEXT            put the stamp just below TEXT found on the page (--anchor-position right: beside it)
 *   --image PNG|JPG          the signer's handwritten signature; --seal PNG|JPG the organisation's seal
 *   --font TTF               font for the signing information (default DejaVu Sans)
 *   --reason, --location     written in the signature and on the stamp
 *   --tsa URL                RFC 3161 timestamp (PAdES B-T)
 *   --level B-B|B-T|B-LT|B-LTA  PAdES level (default B-T with --tsa, else B-B); B-LT adds the validation data
 *                            (DSS), B-LTA also a document time-stamp (formats/pdf/ltv/)
 *   --subfilter cades|pkcs7  ETSI.CAdES.detached (default) or adbe.pkcs7.detached
 *   --invisible              no stamp
 * Without --rect and --anchor the stamp goes in the bottom-right corner of the page.
 * The PIN is asked on the terminal or read with --pin-stdin; one login signs every input.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { TokenService, type TokenSigner } from '../../token/token-service.js';
import type { SignPdfOptions } from '../../formats/pdf/sign-pdf.js';
import type { LongTermOptions } from '../../formats/pdf/ltv/add-long-term-data.js';
import { isLongTermLevel } from '../../formats/pdf/ltv/pades-levels.js';
import { parseLevel } from '../level-option.js';
import type { HiddenContentWarning } from '../../formats/pdf/hidden-content.js';
import type { TimestampOptions } from '../../formats/timestamp/request-timestamp.js';
import { lazyTimestampHook, longTermSources } from '../lazy-signing-extras.js';
import type { PdfRect, PdfVisibleSignature } from '../../formats/pdf/pdf-signature-options.js';
import { parseSignArgs, planOutputs, type ParsedSignArgs } from '../sign-options.js';
import { readPin } from '../read-pin.js';
import { cliLoginAttempt, signFileRecorded } from '../../history/cli-attempts.js';
import { recordedAttempt } from '../../history/record-attempt.js';
import { deferHistoryHeads, flushHistoryHeads } from '../../history/history-writer.js';
import { withCompleteChain } from '../../formats/cms/complete-chain.js';
import { useDirectFileSteps } from '../../documents/file-steps.js';
import { reportCliError } from '../main.js';

const USAGE = `Usage: kyso sign-pdf IN... -o OUT [options]   (several inputs: -o DIR, files named NAME-signed.pdf)
  --cert SELECTOR          certificate id, MST:…, CCCD:… (default: the token's only usable certificate)
  --pin-stdin              read the PIN from the first line of stdin (default: asked on the terminal)
  --hash-alg SHA-256|SHA-384|SHA-512
  --page N                 page of the stamp, 1-based (default: the last page)
  --rect x,y,w,h           stamp box in PDF points; origin = BOTTOM-LEFT corner of the page, y upwards
                           (A4 portrait is 595 x 842; e.g. --rect 340,60,220,70 is bottom right)
  --anchor TEXT            centre the stamp just below TEXT found on the page
  --anchor-position below|right
  --image FILE             handwritten signature image (PNG with transparency, or JPEG)
  --seal FILE              organisation seal image (PNG with transparency, or JPEG)
  --font FILE.ttf          font for the signing information (default DejaVu Sans)
  --reason TEXT, --location TEXT
  --tsa URL                add an RFC 3161 timestamp (PAdES B-T)
  --level B-B|B-T|B-LT|B-LTA
                           PAdES level (default: B-T with --tsa, else B-B). B-LT adds certificates, OCSP
                           responses and CRLs (DSS); B-LTA also a document time-stamp. B-T and up need --tsa.
  --subfilter cades|pkcs7  ETSI.CAdES.detached (default) or adbe.pkcs7.detached
  --invisible              no stamp
Without --rect or --anchor the stamp goes in the bottom-right corner of the page.
`;

const VALUES = ['page', 'rect', 'anchor', 'anchor-position', 'image', 'seal', 'font', 'reason', 'location', 'tsa', 'subfilter', 'level'] as const;
const FLAGS = ['invisible'] as const;

export async function run(argv: string[]): Promise<number> {
  const args = parseSignArgs(argv, { values: VALUES, flags: FLAGS });
  if (args.help) {
    process.stderr.write(USAGE);
    return 0;
  }
  // The signing code (pdf-lib, the PDF reader and writer) is loaded while the PIN is read and the token opened:
  // its compilation overlaps the driver's start and the login, which run off the main thread.
  const signing = import('../../formats/pdf/ltv/sign-pdf-at-level.js');
  signing.catch(() => undefined); // awaited below; a failure is reported there
  const plan = planOutputs(args, (name) => `${basename(name, extname(name))}-signed.pdf`);
  const options = await signOptions(args);
  const longTerm = await longTermOptions(args);
  // The first input is copied, hashed and scanned while the PIN is read and the token logs in (early-copy.ts).
  const earlyCopying = import('../../formats/pdf/early-copy.js');
  const early = earlyCopying.then((m) => m.startEarlyCopy(plan[0]!.input, plan[0]!.output, args.hashAlgorithm)).catch(() => undefined);

  const discardEarlyCopy = async () => (await earlyCopying.catch(() => undefined))?.discardEarlyCopy(await early);
  let pin: string;
  try {
    pin = await readPin({ fromStdin: args.pinFromStdin });
  } catch (error) {
    // No PIN (empty stdin, a PIN of the wrong form): the copy is not signed, so it is removed now, not left for the
    // next run in that folder to find.
    await discardEarlyCopy();
    throw error;
  }
  // Every record is fsync'd before its file appears; history.head is written once, after the batch (history-writer.ts).
  deferHistoryHeads();
  // One file after another in a process that serves nothing else: the small file steps as direct system calls
  // (documents/file-steps.ts), not thread-pool round trips.
  useDirectFileSteps();
  const tokens = new TokenService();
  let signer: TokenSigner | undefined;
  let failed = 0;
  try {
    const certificate = args.certificate ?? await onlyUsableCertificate(tokens);
    signer = await withCompleteChain(await recordedAttempt(cliLoginAttempt('sign-pdf', plan.map((p) => p.input), () => tokens.findCertificate(certificate)), () => tokens.openSigner(certificate, pin)));
    const { signPdfFileAtLevel } = await signing;
    const earlyCopy = await early;
    for (const { input, output } of plan) {
      try {
        // Non-interactive: name what can change after signing on stderr; it does not block.
        await signFileRecorded('sign-pdf', input, output, signer, (path) => signPdfFileAtLevel(input, path, signer!, { ...options, stagedOutput: true, ...(earlyCopy ? { earlyCopy } : {}), onHiddenContent: (warnings) => reportHiddenContent(input, warnings) }, longTerm));
        process.stdout.write(`OK     ${input} -> ${output}\n`);
      } catch (error) {
        failed++;
        process.stdout.write(`FAILED ${input}: ${error instanceof KysoError ? error.code : 'INTERNAL_ERROR'}\n`);
        reportCliError(error);
        if (error instanceof KysoError && ['TOKEN_REMOVED', 'TOKEN_NOT_PRESENT', 'PIN_LOCKED'].includes(error.code)) break;
      }
    }
  } finally {
    await signer?.close();
    tokens.close();
    // Not taken over (a failed login, a refused first file): removed, its handle closed.
    await discardEarlyCopy();
    await flushHistoryHeads().catch((error: unknown) => {
      // Every record is written; only the head lags (kyso history --verify accepts that). Say so, do not fail.
      process.stderr.write(`kyso: the signing history's head file was not updated (${(error as NodeJS.ErrnoException).code ?? String(error)})\n`);
    });
  }
  if (plan.length > 1) process.stdout.write(`${plan.length - failed}/${plan.length} signed\n`);
  return failed === 0 ? 0 : 1;
}

function reportHiddenContent(input: string, warnings: readonly HiddenContentWarning[]): void {
  for (const w of warnings) {
    process.stderr.write(`kyso: ${input}: CẢNH BÁO / WARNING ${w.code}: ${w.vi} / ${w.en}${w.detail ? ` (${w.detail})` : ''}\n`);
  }
}

async function onlyUsableCertificate(tokens: TokenService): Promise<string> {
  const usable = (await tokens.listCertificates()).filter((c) => c.unusableReasons.length === 0);
  if (usable.length === 0) throw new KysoError('CERTIFICATE_NOT_FOUND', { reason: 'no usable signing certificate on the token' });
  if (usable.length > 1) throw new KysoError('BAD_REQUEST', { reason: 'several certificates can sign: choose one with --cert (an id, MST:… or CCCD:…)', count: usable.length });
  return usable[0]!.id;
}

/** How long one AIA download may take while the signed file is being completed. */
const LONG_TERM_AIA_TIMEOUT_MS = 5_000;

/**
 * --level: B-B (no --tsa), B-T (the default with --tsa), B-LT and B-LTA (formats/pdf/ltv/). Checked before the
 * PIN is asked; undefined for B-B and B-T, which signPdfFile makes by itself.
 */
export async function longTermOptions(args: ParsedSignArgs): Promise<LongTermOptions | undefined> {
  const level = parseLevel(args.values.get('level'), args.values.get('tsa') !== undefined);
  if (!isLongTermLevel(level)) return undefined;
  return {
    level,
    tsa: tsaOptions(args)!,
    ...await longTermSources(LONG_TERM_AIA_TIMEOUT_MS),
  };
}

function tsaOptions(args: ParsedSignArgs): TimestampOptions | undefined {
  const tsa = args.values.get('tsa');
  return tsa ? { url: tsa, hashAlgorithm: args.hashAlgorithm, allowPrivateAddresses: true /* the person's own command line */ } : undefined;
}

/** Turn the flags into signing options; mistakes are BAD_REQUEST before the PIN is asked. */
export async function signOptions(args: ParsedSignArgs): Promise<SignPdfOptions> {
  const value = (name: (typeof VALUES)[number]) => args.values.get(name);
  const subFilterFlag = value('subfilter') ?? 'cades';
  if (subFilterFlag !== 'cades' && subFilterFlag !== 'pkcs7') throw new KysoError('BAD_REQUEST', { reason: '--subfilter must be cades or pkcs7' });
  const tsa = value('tsa');
  const base: SignPdfOptions = {
    hashAlgorithm: args.hashAlgorithm,
    subFilter: subFilterFlag === 'cades' ? 'ETSI.CAdES.detached' : 'adbe.pkcs7.detached',
    ...(value('reason') ? { reason: value('reason') } : {}),
    ...(value('location') ? { location: value('location') } : {}),
    ...(tsa ? { timestamp: lazyTimestampHook(tsaOptions(args)!) } : {}),
  };
  const stampFlags = ['rect', 'anchor', 'image', 'seal', 'font', 'anchor-position'] as const;
  if (args.flags.has('invisible')) {
    const clash = stampFlags.find((f) => value(f) !== undefined);
    if (clash) throw new KysoError('BAD_REQUEST', { reason: `--invisible cannot be combined with --${clash}` });
    return base;
  }
  const pageText = value('page');
  const page = pageText === undefined ? undefined : Number(pageText);
  if (page !== undefined && (!Number.isInteger(page) || page < 1)) throw new KysoError('BAD_REQUEST', { reason: '--page must be a page number from 1' });
  const rectText = value('rect');
  const anchor = value('anchor');
  if (rectText && anchor) throw new KysoError('BAD_REQUEST', { reason: 'give --rect or --anchor, not both' });
  const position = value('anchor-position');
  if (position !== undefined && position !== 'below' && position !== 'right') throw new KysoError('BAD_REQUEST', { reason: '--anchor-position must be below or right' });
  const visible: PdfVisibleSignature = {
    ...(page !== undefined ? { page } : {}),
    ...(rectText ? { rect: parseRect(rectText) } : {}),
    ...(anchor ? { anchor: { text: anchor, ...(position ? { position } : {}) } } : {}),
    ...(value('image') ? { signatureImage: await readAsset(value('image')!, 'image') } : {}),
    ...(value('seal') ? { sealImage: await readAsset(value('seal')!, 'seal') } : {}),
    ...(value('font') ? { fontBytes: await readAsset(value('font')!, 'font') } : {}),
  };
  return { ...base, visible };
}

/** "x,y,w,h" in points. */
export function parseRect(text: string): PdfRect {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 4 || !parts.every(Number.isFinite) || parts[2]! <= 0 || parts[3]! <= 0) {
    throw new KysoError('BAD_REQUEST', { reason: '--rect must be x,y,width,height in points (origin bottom-left), e.g. 340,60,220,70' });
  }
  return { x: parts[0]!, y: parts[1]!, width: parts[2]!, height: parts[3]! };
}

async function readAsset(path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new KysoError('BAD_REQUEST', { reason: `cannot read the --${what} file`, file: basename(path) }, { cause });
  }
}
