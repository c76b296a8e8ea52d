/**
 * `kyso verify FILE [--content FILE] [--trust PEM]... [--json] [--no-revocation] [--aia] [--require-element PATH|#ID]
 *              [--format pdf|xml|cms] [--policy FILE]`
 *
 * Verifies every signature in a PDF, an XML document or a CMS/PKCS#7 file (DER or PEM; detached ones need
 * --content). Trusted roots: every --trust file or directory, plus the directories in KYSO_TRUST_DIR.
 * --aia lets missing intermediates be fetched from the certificate's caIssuers URL (http only).
 * --require-element (XML): the element every signature must cover, '/HDon/DLHDon' or '#data' (VerifyOptions.requireElement).
 * --format: the document's format when the caller knows it (otherwise detected from the file's structure).
 * --policy: a JSON validation policy, e.g. {"acceptWeakAlgorithms": {"use": "archive reading of 2022 e-invoices"}}
 *   to report SHA-1 / RSA < 2048 signatures as accepted for that use instead of indeterminate (algorithm-policy.ts).
 *
 * Exit status: 0 valid · 1 invalid · 2 indeterminate (e.g. untrusted root, revocation not checkable)
 *              · 3 could not verify (bad arguments, unreadable or unsupported file).
 */
import { readFile } from 'node:fs/promises';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { reportCliError } from '../main.js';
import { TrustStore } from '../../trust/trust-store.js';
import { AiaFetcher } from '../../trust/aia-fetcher.js';
import { verifyDocument } from '../../verify/verify-document.js';
import type { VerificationReport, VerificationStatus } from '../../verify/verification-report.js';
import { REQUIRE_ELEMENT_PATTERN } from '../../../shared/protocol/verify-document-request.js';
import * as v from 'valibot';
import { DETECTED_FORMATS, type DetectedFormat } from '../../verify/detect-format.js';
import type { AlgorithmPolicy } from '../../verify/algorithm-policy.js';
import { EMBEDDED_SOURCE_URL } from '../../verify/embedded-validation-data.js';

const USAGE = 'Usage: kyso verify FILE [--content FILE] [--trust PEM]... [--json] [--no-revocation] [--aia] [--require-element PATH|#ID]\n'
  + '                   [--format pdf|xml|cms] [--policy FILE]\n'
  + 'Exit: 0 valid, 1 invalid, 2 indeterminate, 3 could not verify\n';

export const EXIT_CODES: Readonly<Record<VerificationStatus, number>> = { valid: 0, invalid: 1, indeterminate: 2 };
export const EXIT_COULD_NOT_VERIFY = 3;

interface VerifyArgs {
  file?: string;
  content?: string;
  trust: string[];
  json: boolean;
  revocation: boolean;
  aia: boolean;
  requireElement?: string;
  format?: DetectedFormat;
  policy?: string;
  help: boolean;
}

function parseArgs(argv: readonly string[]): VerifyArgs {
  const out: VerifyArgs = { trust: [], json: false, revocation: true, aia: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new KysoError('BAD_REQUEST', { reason: `${arg} needs a value` });
      return next;
    };
    if (arg === '--content') out.content = value();
    else if (arg === '--trust') out.trust.push(value());
    else if (arg === '--json') out.json = true;
    else if (arg === '--no-revocation') out.revocation = false;
    else if (arg === '--aia') out.aia = true;
    else if (arg === '--require-element') {
      const wanted = value();
      if (!REQUIRE_ELEMENT_PATTERN.test(wanted)) throw new KysoError('BAD_REQUEST', { reason: '--require-element takes /Root/Element or #Id', value: wanted.slice(0, 100) });
      out.requireElement = wanted;
    }
    else if (arg === '--format') {
      const wanted = value();
      if (!(DETECTED_FORMATS as readonly string[]).includes(wanted)) throw new KysoError('BAD_REQUEST', { reason: '--format takes pdf, xml or cms', value: wanted.slice(0, 20) });
      out.format = wanted as DetectedFormat;
    }
    else if (arg === '--policy') out.policy = value();
    else if (arg === '--help' || arg === '-h') out.help = true;
    else if (arg.startsWith('-')) throw new KysoError('BAD_REQUEST', { reason: `unknown option ${arg}` });
    else if (out.file === undefined) out.file = arg;
    else throw new KysoError('BAD_REQUEST', { reason: 'only one FILE' });
  }
  return out;
}

export async function run(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.help) { process.stderr.write(USAGE); return 0; }
    if (!args.file) { process.stderr.write(USAGE); return EXIT_COULD_NOT_VERIFY; }
    const bytes = await readInput(args.file);
    const content = args.content ? await readInput(args.content) : undefined;
    const trust = await TrustStore.load({ paths: args.trust, useEnvironment: true });
    const algorithmPolicy = args.policy ? await readPolicy(args.policy) : undefined;
    const report = await verifyDocument(bytes, {
      trust, checkRevocation: args.revocation, ...(content ? { content } : {}), ...(args.aia ? { aia: new AiaFetcher() } : {}),
      ...(args.requireElement ? { requireElement: args.requireElement } : {}),
      ...(args.format ? { format: args.format } : {}), ...(algorithmPolicy ? { algorithmPolicy } : {}),
    });
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return EXIT_CODES[report.status];
  } catch (error) {
    reportCliError(error);
    return EXIT_COULD_NOT_VERIFY;
  }
}

const PolicySchema = v.strictObject({
  acceptWeakAlgorithms: v.optional(v.strictObject({ use: v.pipe(v.string(), v.minLength(1), v.maxLength(300)) })),
});

/** A --policy file: JSON, checked against PolicySchema (an accepted weak algorithm must state its use). */
async function readPolicy(path: string): Promise<AlgorithmPolicy> {
  const text = new TextDecoder().decode(await readInput(path));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KysoError('BAD_REQUEST', { reason: '--policy file is not JSON' });
  }
  const result = v.safeParse(PolicySchema, parsed);
  if (!result.success) throw new KysoError('BAD_REQUEST', { reason: '--policy file: expected {"acceptWeakAlgorithms": {"use": "…"}}', issue: result.issues[0].message.slice(0, 200) });
  return result.output.acceptWeakAlgorithms ? { acceptWeakAlgorithms: result.output.acceptWeakAlgorithms } : {};
}

async function readInput(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch {
    throw new KysoError('INVALID_DOCUMENT', { what: 'file cannot be read' });
  }
}

const STATUS_TEXT: Readonly<Record<VerificationStatus, string>> = {
  valid: 'HỢP LỆ / VALID',
  invalid: 'KHÔNG HỢP LỆ / INVALID',
  indeterminate: 'CHƯA XÁC ĐỊNH / INDETERMINATE',
};

/** Human-readable report: Vietnamese first, English after, one block per signature. */
export function formatReport(report: VerificationReport): string {
  const lines = [`Kết quả / Result: ${STATUS_TEXT[report.status]} (${report.format.toUpperCase()}, ${report.signatures.length} chữ ký / signature(s))`];
  for (const r of report.reasons) lines.push(`  ! ${r.vi} / ${r.en}`);
  report.signatures.forEach((s, i) => {
    lines.push('', `Chữ ký / Signature ${i + 1}${s.name ? ` (${s.name})` : ''}: ${STATUS_TEXT[s.status]}`);
    if (s.signer) {
      const ids = s.signer.subject.identifiers.all.join(', ');
      lines.push(`  Người ký / Signer: ${s.signer.subject.commonName ?? s.signer.subject.dn}${ids ? ` [${ids}]` : ''}`);
      lines.push(`  Tổ chức cấp / Issuer: ${s.signer.issuer.ca ?? s.signer.issuer.commonName ?? s.signer.issuer.dn}`);
    }
    if (s.signingTime) lines.push(`  Thời điểm ký / Signing time: ${s.signingTime}`);
    if (s.timestamp) lines.push(`  Dấu thời gian / Timestamp: ${s.timestamp.time ?? '?'} (${s.timestamp.status})`);
    lines.push(`  Chuỗi chứng thư / Chain: ${s.chain.status}${s.chain.path.length ? ` — ${s.chain.path.join(' → ')}` : ''}`);
    const embedded = (s.revocation.status === 'good' || s.revocation.status === 'revoked') && s.revocation.url === EMBEDDED_SOURCE_URL;
    lines.push(`  Thu hồi / Revocation: ${s.revocation.status}${embedded ? ' (dữ liệu lưu trong tệp / from data embedded in the file)' : ''}`);
    if (s.level) lines.push(`  Mức chữ ký / Level: ${s.level}`);
    if (s.coversWholeDocument === false) lines.push('  Phạm vi / Coverage: không phủ toàn bộ tệp / does not cover the whole file');
    for (const ref of s.references ?? []) {
      lines.push(`  Phần được ký / Signed part: ${ref.target === '/' ? 'toàn bộ tài liệu / whole document' : ref.target} (URI "${ref.uri}")`);
    }
    for (const r of s.reasons) lines.push(`  - ${r.vi} / ${r.en}${r.detail ? ` (${r.detail})` : ''}`);
  });
  return `${lines.join('\n')}\n`;
}
