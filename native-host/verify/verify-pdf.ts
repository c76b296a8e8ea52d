/**
 * Verify every signature of a PDF [ISO 32000-1 §12.8, ETSI EN 319 142-1]. Signatures are found as signature
 * fields of the final xref view and of every earlier revision (native-host/formats/pdf/xref/read-revision.ts), not
 * by sweeping the file. For each one:
 *   1. its /ByteRange must cover exactly one whole revision minus its own /Contents (pdf/signed-revision.ts);
 *   2. the CMS in /Contents must verify over the covered bytes (ETSI.RFC3161: as a document timestamp);
 *   3. every change between the state it covers and the final state is judged (pdf/classify-changes.ts):
 *      allowed changes are reported with PDF_ALLOWED_CHANGE, others with PDF_DISALLOWED_CHANGE (invalid);
 *   4. a file that readers may resolve differently (shadow definitions, xref entries pointing elsewhere) is
 *      PDF_STRUCTURE_INCONSISTENT on every signature; bytes after the last %%EOF that are not a revision are
 *      PDF_MODIFIED_AFTER_SIGNING (indeterminate).
 */
import 'reflect-metadata';
import * as pkijs from 'pkijs';
import { reason, type Reason } from '../trust/reasons.js';
import { documentReport, guardSignature, statusFromReasons, type SignatureReport, type VerificationReport } from './verification-report.js';
import { createHash } from 'node:crypto';
import { encapsulatedContent, equalBytes, parseSignedData, verifySignerInfo, verifyTimestampToken, signedDataCertificates, assessSigner } from './verify-cms-signer.js';
import { weakAlgorithmReason } from './algorithm-policy.js';
import type { VerifyOptions } from './verify-options.js';
import { RevisionViews } from './pdf/revision-views.js';
import { findPdfSignatures, type FoundPdfSignature } from './pdf/find-pdf-signatures.js';
import { locateSignedRevision } from './pdf/signed-revision.js';
import { classifyChanges } from './pdf/classify-changes.js';
import { permissionsOf } from './pdf/mdp-permissions.js';
import { entry, nameText, stringText } from './pdf/pdf-object-tools.js';
import type { PdfRevisionView } from '../formats/pdf/xref/read-revision.js';
import { PDFHexString } from 'pdf-lib';
import { readDss, type DocumentSecurityStore } from './pdf/read-dss.js';
import { signatureLevel } from './signature-level.js';

/** At most this many change reasons per signature (the report schema allows 64 reasons); the rest are counted. */
const MAX_CHANGE_REASONS = 16;

export async function verifyPdf(bytes: Uint8Array, options: VerifyOptions): Promise<VerificationReport> {
  const views = new RevisionViews(bytes);
  const final = views.final();
  const found = findPdfSignatures(views);
  const documentFindings = fileFindings(views, final);
  // Validation data of the final state (B-LT/B-LTA): revocation is answered from it first, offline.
  const dss = readDss(final);
  const withDss = dss ? { ...options, embedded: dss.data } : options;
  // Document time-stamps first: a valid one over a signature proves when that signature existed (its PoE).
  const reports: (SignatureReport | undefined)[] = found.map(() => undefined);
  const facts: SignatureFacts[] = found.map(() => ({}));
  const isStamp = (f: FoundPdfSignature) => nameText(entry(f.dict, 'SubFilter')) === 'ETSI.RFC3161';
  for (const [i, signature] of found.entries()) {
    if (isStamp(signature)) reports[i] = await guardSignature('pdf', signature.name, () => verifyOne(views, final, signature, documentFindings, withDss, facts[i]!));
  }
  const provenTimeFor = (revision: number): Date | undefined => {
    const times = found.flatMap((_, i) => {
      const report = reports[i];
      const fact = facts[i]!;
      return fact.documentTimestamp && fact.revision !== undefined && fact.revision >= revision && report?.status !== 'invalid' && report?.timestamp?.status === 'valid' && report.timestamp.time
        ? [Date.parse(report.timestamp.time)] : [];
    });
    return times.length > 0 ? new Date(Math.min(...times)) : undefined;
  };
  for (const [i, signature] of found.entries()) {
    if (!isStamp(signature)) reports[i] = await guardSignature('pdf', signature.name, () => verifyOne(views, final, signature, documentFindings, withDss, facts[i]!, provenTimeFor));
  }
  return documentReport('pdf', withLevels(reports as SignatureReport[], facts), 'PDF_NO_SIGNATURES');
}

/** What level reporting needs to know about each signature besides its report. */
interface SignatureFacts {
  /** Index of the revision the signature covers. */
  revision?: number;
  /** Upper-case hex SHA-1 of /Contents as stored (its VRI key). */
  vriKey?: string;
  documentTimestamp?: boolean;
  /** For a document time-stamp: the DSS of the state it covers. */
  coveredDss?: DocumentSecurityStore | undefined;
}

/** Each signature's level (signature-level.ts), from the document time-stamps that validly cover it. */
function withLevels(reports: SignatureReport[], facts: readonly SignatureFacts[]): SignatureReport[] {
  const stamps = facts.filter((f, i) => f.documentTimestamp && f.revision !== undefined && reports[i]!.status !== 'invalid' && reports[i]!.timestamp?.status === 'valid');
  return reports.map((report, i) => {
    const fact = facts[i]!;
    if (fact.documentTimestamp || fact.revision === undefined) return report;
    const covering = stamps.filter((t) => t.revision! >= fact.revision!);
    const sealed = covering.some((t) => t.coveredDss !== undefined && dssServes(t.coveredDss, fact.vriKey));
    const level = signatureLevel(report, { coveredByDocumentTimestamp: covering.length > 0, validationDataSealed: sealed });
    return level ? { ...report, level } : report;
  });
}

/** The DSS names this signature in its VRI, or (no VRI at all) holds revocation data for whoever needs it. */
function dssServes(dss: DocumentSecurityStore, vriKey: string | undefined): boolean {
  if (vriKey !== undefined && dss.vriKeys.has(vriKey)) return true;
  return dss.vriKeys.size === 0 && dss.data.ocspResponses.length + dss.data.crls.length > 0;
}

/** Findings about the file as a whole, reported on every signature. */
function fileFindings(views: RevisionViews, final: PdfRevisionView): Reason[] {
  const out: Reason[] = [];
  if (final.inconsistencies.length > 0) out.push(structureReason(final.inconsistencies));
  const trailing = views.trailingBytes();
  if (trailing > 0) out.push(reason('PDF_MODIFIED_AFTER_SIGNING', `${trailing} bytes after the last %%EOF are not part of any revision`));
  return out;
}

function structureReason(inconsistencies: readonly string[]): Reason {
  const more = inconsistencies.length > 1 ? ` (and ${inconsistencies.length - 1} more)` : '';
  return reason('PDF_STRUCTURE_INCONSISTENT', `${inconsistencies[0]!.slice(0, 400)}${more}`);
}

async function verifyOne(
  views: RevisionViews, final: PdfRevisionView, found: FoundPdfSignature, fileReasons: readonly Reason[], options: VerifyOptions, facts: SignatureFacts,
  provenTimeFor?: (revision: number) => Date | undefined,
): Promise<SignatureReport> {
  const name = { name: found.name };
  const empty = { chain: { status: 'not-built' as const, path: [] }, revocation: { status: 'not-checked' as const } };
  const bad = (r: Reason): SignatureReport => ({ status: 'invalid', format: 'pdf', ...empty, reasons: [r, ...fileReasons], ...name });
  const located = locateSignedRevision(views, found);
  if (!located.ok) return bad(located.reason);
  const { signed } = located;
  facts.revision = signed.revision;
  const storedContents = entry(found.dict, 'Contents');
  if (storedContents instanceof PDFHexString) facts.vriKey = createHash('sha1').update(storedContents.asBytes()).digest('hex').toUpperCase();
  const [, , c, d] = signed.byteRange;
  const coversWholeDocument = c + d === views.bytes.length;
  const laterReasons = [...fileReasons, ...changeReasons(signed.view, final)];
  const subFilter = nameText(entry(found.dict, 'SubFilter'));
  const m = stringText(entry(found.dict, 'M'));
  const claimedTime = m !== undefined ? parsePdfDate(m) : undefined;
  const provenTime = provenTimeFor?.(signed.revision);

  const parsed = parseSignedData(signed.contents);
  if (!parsed || parsed.signerInfos.length === 0) return bad(reason('SIGNATURE_INVALID', 'the /Contents is not a CMS SignedData'));

  if (subFilter === 'ETSI.RFC3161') {
    facts.documentTimestamp = true;
    facts.coveredDss = readDss(signed.view);
    // Document timestamp [ETSI EN 319 142-1 §5.4]: the token's imprint is the hash of the covered bytes.
    const timestamp = await verifyTimestampToken(signed.contents, signed.covered, options);
    const certs = signedDataCertificates(parsed);
    const reasons: Reason[] = [...timestamp.reasons, ...laterReasons];
    const tsaCert = certs[0];
    const assessed = tsaCert ? await assessSigner(tsaCert, certs, { isTimestamp: true }, { ...options, checkRevocation: false }) : undefined;
    return {
      status: statusFromReasons(reasons), format: 'pdf', ...(assessed ? { signer: assessed.signer, chain: assessed.chain } : { chain: empty.chain }),
      revocation: { status: 'not-checked' }, timestamp, reasons, coversWholeDocument, ...name,
    };
  }
  if (subFilter === 'adbe.pkcs7.sha1') {
    // [ISO 32000-1 §12.8.3.3.1] the CMS encapsulates the SHA-1 digest of the byte range and signs that digest.
    // Verified like any signature, then judged by the one weak-algorithm rule (algorithm-policy.ts).
    const digest = encapsulatedContent(parsed);
    const digestMatches = digest !== undefined && equalBytes(digest, new Uint8Array(createHash('sha1').update(signed.covered).digest()));
    const report = await verifySignerInfo(parsed, parsed.signerInfos[0] as pkijs.SignerInfo, digest, options, {
      format: 'pdf', ...(claimedTime ? { externalSigningTime: claimedTime } : {}), ...(provenTime ? { provenTime } : {}), ...name,
    });
    const weak = report.reasons.some((r) => r.code === 'WEAK_ALGORITHM' || r.code === 'WEAK_ALGORITHM_ACCEPTED')
      ? undefined : weakAlgorithmReason({ hashes: ['sha1'] }, options.algorithmPolicy);
    const reasons = [...(digestMatches ? [] : [reason('CONTENT_MODIFIED', 'the encapsulated SHA-1 digest is not that of the byte range')]),
      ...report.reasons, ...(weak ? [weak] : []), ...laterReasons];
    return { ...report, status: statusFromReasons(reasons), reasons, coversWholeDocument };
  }

  const report = await verifySignerInfo(parsed, parsed.signerInfos[0] as pkijs.SignerInfo, signed.covered, options, {
    format: 'pdf', ...(claimedTime ? { externalSigningTime: claimedTime } : {}), ...(provenTime ? { provenTime } : {}), ...name,
  });
  const reasons = [...report.reasons, ...laterReasons];
  return { ...report, status: statusFromReasons(reasons), reasons, coversWholeDocument };
}

/** What changed after the revision a signature covers, judged against what that revision allows. */
function changeReasons(covered: PdfRevisionView, final: PdfRevisionView): Reason[] {
  const out: Reason[] = [];
  if (covered.inconsistencies.length > 0) out.push(structureReason(covered.inconsistencies));
  const findings = classifyChanges(covered, final, permissionsOf(covered.context));
  const shown = findings.disallowed.slice(0, MAX_CHANGE_REASONS);
  for (const what of shown) out.push(reason('PDF_DISALLOWED_CHANGE', what));
  if (findings.disallowed.length > shown.length) out.push(reason('PDF_DISALLOWED_CHANGE', `and ${findings.disallowed.length - shown.length} more changes`));
  if (findings.allowed.length > 0) out.push(reason('PDF_ALLOWED_CHANGE', joinWithin(findings.allowed, 1900)));
  return out;
}

function joinWithin(items: readonly string[], limit: number): string {
  let text = '';
  for (const [i, item] of items.entries()) {
    const next = text ? `${text}; ${item}` : item;
    if (next.length > limit) return `${text}; and ${items.length - i} more`;
    text = next;
  }
  return text;
}

/** PDF date "D:YYYYMMDDHHmmSS+07'00'" [ISO 32000-1 §7.9.4]. */
function parsePdfDate(text: string): Date | undefined {
  const m = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?'?/.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', sign, oh = '00', om = '00'] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const offset = (Number(oh) * 60 + Number(om)) * 60_000;
  const time = sign === '+' ? utc - offset : sign === '-' ? utc + offset : utc;
  return Number.isNaN(time) ? undefined : new Date(time);
}
