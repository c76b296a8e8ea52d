/**
 * Verify every ds:Signature in an XML document [XMLDSig 1.1 §3.2]: what each Reference covers and whether that is
 * where the document's format or the caller expects it (xml/signed-element-rules.ts: signature wrapping,
 * duplicate Ids), each Reference's digest and the SignedInfo signature with the key of a certificate from
 * KeyInfo/X509Data (xml/check-signature-value.ts, with xmldsigjs, not our signing code), then that certificate's
 * chain and revocation. Documents with a DTD are refused before parsing: no entity expansion, no external fetches.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as xmldsig from 'xmldsigjs';
import { DOMImplementation, DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { setNodeDependencies } from 'xml-core';
import { createHash } from 'node:crypto';
import { xml10LineEnds } from '../formats/xml/xml-input.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { reason, type Reason } from '../trust/reasons.js';
import { documentReport, guardSignature, statusFromReasons, type SignatureReport, type VerificationReport } from './verification-report.js';
import { assessSigner } from './verify-cms-signer.js';
import type { VerifyOptions } from './verify-options.js';
import { checkSignatureValue } from './xml/check-signature-value.js';
import { resolveReferences } from './xml/reference-targets.js';
import { signedElementFindings } from './xml/signed-element-rules.js';
import { childElements } from './xml/element-path.js';
import { weakAlgorithmReason } from './algorithm-policy.js';
import { xadesUnsignedProperties } from './xml/xades-unsigned-properties.js';
import { signatureLevel } from './signature-level.js';

const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const XADES_NS = ['http://uri.etsi.org/01903/v1.3.2#', 'http://uri.etsi.org/01903/v1.4.1#'];
let engineSet = false;

export async function verifyXml(bytes: Uint8Array, options: VerifyOptions): Promise<VerificationReport> {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    return { status: 'invalid', format: 'xml', signatures: [], reasons: [reason('XML_DTD_REFUSED')] };
  }
  if (!engineSet) {
    xmldsig.Application.setEngine('NodeJS', globalThis.crypto as unknown as Crypto);
    // xml-core asks for these by name on some paths (serialising references); without them it throws.
    setNodeDependencies({ DOMParser, XMLSerializer, DOMImplementation });
    engineSet = true;
  }
  const errors: string[] = [];
  let doc: ReturnType<DOMParser['parseFromString']>;
  try {
    doc = new DOMParser({ normalizeLineEndings: xml10LineEnds, onError: (level, message) => { if (level !== 'warning') errors.push(String(message)); } }).parseFromString(text, 'application/xml');
  } catch (cause) {
    throw new KysoError('INVALID_DOCUMENT', { what: 'XML not well-formed' }, { cause });
  }
  if (errors.length > 0 || !doc.documentElement) throw new KysoError('INVALID_DOCUMENT', { what: 'XML not well-formed' });
  const signatureElements = Array.from(doc.getElementsByTagNameNS(DSIG_NS, 'Signature'));
  const reports: SignatureReport[] = [];
  for (const element of signatureElements) reports.push(await guardSignature('xml', element.getAttribute('Id') ?? undefined, () => verifyOne(doc, element, options)));
  return documentReport('xml', reports, 'XML_NO_SIGNATURES');
}

async function verifyOne(doc: Document, el: Element, options: VerifyOptions): Promise<SignatureReport> {
  const reasons: Reason[] = [];
  const name = el.getAttribute('Id') ?? undefined;
  const nameField = name ? { name } : {};
  const resolved = resolveReferences(doc, el);
  // Bounded as the report schema is (64 References, 2048 characters each).
  const references = resolved.slice(0, 64).map(({ uri, target }) => ({ uri: uri.slice(0, 2000), target: target.slice(0, 2000) }));
  const certificates = Array.from(el.getElementsByTagNameNS(DSIG_NS, 'X509Certificate'))
    .map((c) => { try { return new x509.X509Certificate((c.textContent ?? '').replace(/\s+/g, '')); } catch { return undefined; } })
    .filter((c): c is x509.X509Certificate => c !== undefined);
  const empty = { chain: { status: 'not-built' as const, path: [] }, revocation: { status: 'not-checked' as const } };
  if (certificates.length === 0) {
    reasons.push(reason('XML_NO_CERTIFICATE'));
    return { status: statusFromReasons(reasons), format: 'xml', ...empty, reasons, ...nameField, references };
  }
  // Only same-document references are verified; nothing is ever fetched for a signature [XMLDSig §4.4.3.1].
  const external = resolved.find((r) => r.external);
  if (external) {
    reasons.push(reason('CONTENT_MISSING', `external reference ${external.uri.slice(0, 200)}`));
    const assessed = await assessSigner(certificates[0]!, certificates, { signingTime: xadesSigningTime(el) }, options);
    reasons.push(...assessed.reasons);
    return { status: statusFromReasons(reasons), format: 'xml', signer: assessed.signer, chain: assessed.chain, revocation: assessed.revocation, reasons, ...nameField, references };
  }
  // Where the signed elements are (signature wrapping), then the crypto: both findings are reported.
  const placement = signedElementFindings(doc, el, resolved, options.requireElement);
  reasons.push(...placement);
  const { signer, failure } = await checkSignatureValue(doc, el, resolved, certificates);
  // xmldsigjs also refuses some duplicate Ids; the placement check has already said so, with the paths.
  if (failure && !(failure.code === 'XML_DUPLICATE_ID' && placement.some((r) => r.code === 'XML_DUPLICATE_ID'))) reasons.push(failure);
  const signerCert = signer ?? certificates[0]!;
  const weak = weakAlgorithmReason({ hashes: signedInfoHashes(el), signerSpki: new Uint8Array(signerCert.publicKey.rawData) }, options.algorithmPolicy);
  if (weak) reasons.push(weak);
  const certMismatch = xadesSigningCertificateMismatch(el, signerCert);
  if (certMismatch) reasons.push(reason('SIGNING_CERT_MISMATCH', certMismatch));
  const signingTime = xadesSigningTime(el);
  // XAdES-T / -LT: the signature time-stamp proves the time; CertificateValues/RevocationValues answer offline.
  const unsigned = await xadesUnsignedProperties(el, options);
  if (unsigned.timestamp?.status === 'invalid') reasons.push(reason('TIMESTAMP_INVALID', unsigned.timestamp.reasons.map((r) => r.code).join(', ')));
  const withValues = unsigned.embedded ? { ...options, embedded: unsigned.embedded } : options;
  const assessed = await assessSigner(signerCert, certificates, { signingTime, timestamp: unsigned.timestamp }, withValues);
  reasons.push(...assessed.reasons);
  const report: SignatureReport = {
    status: statusFromReasons(reasons),
    format: 'xml',
    signer: assessed.signer,
    ...(signingTime ? { signingTime: signingTime.toISOString() } : {}),
    ...(unsigned.timestamp ? { timestamp: unsigned.timestamp } : {}),
    chain: assessed.chain,
    revocation: assessed.revocation,
    reasons,
    ...nameField,
    references,
  };
  const level = signatureLevel(report);
  return level ? { ...report, level } : report;
}

/**
 * The hashes SignedInfo names: its SignatureMethod (rsa-sha1, ecdsa-sha256…) and every Reference's DigestMethod,
 * as node:crypto names, for the weak-algorithm rule.
 */
function signedInfoHashes(signature: Element): (string | undefined)[] {
  const signedInfo = childElements(signature).find((c) => c.localName === 'SignedInfo');
  if (!signedInfo) return [];
  const methods = [childElements(signedInfo).find((c) => c.localName === 'SignatureMethod')?.getAttribute('Algorithm') ?? ''];
  for (const ref of childElements(signedInfo).filter((c) => c.localName === 'Reference')) {
    methods.push(childElements(ref).find((c) => c.localName === 'DigestMethod')?.getAttribute('Algorithm') ?? '');
  }
  return methods.map((m) => XML_DIGESTS[m] ?? (/sha1$/i.test(m) ? 'sha1' : undefined));
}

const XML_DIGESTS: Readonly<Record<string, string>> = {
  'http://www.w3.org/2000/09/xmldsig#sha1': 'sha1',
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384': 'sha384',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
};

/**
 * XAdES binds the signer's certificate by digest [ETSI EN 319 132-1 §5.2.2 SigningCertificateV2, and the older
 * SigningCertificate]: when present, one Cert/CertDigest must be the digest of the certificate that verified.
 */
function xadesSigningCertificateMismatch(signature: Element, cert: x509.X509Certificate): string | undefined {
  const certDigests = XADES_NS.flatMap((ns) => Array.from(signature.getElementsByTagNameNS(ns, 'CertDigest')));
  if (certDigests.length === 0) return undefined;
  const der = Buffer.from(cert.rawData);
  for (const certDigest of certDigests) {
    const method = certDigest.getElementsByTagNameNS(DSIG_NS, 'DigestMethod')[0]?.getAttribute('Algorithm') ?? '';
    const value = (certDigest.getElementsByTagNameNS(DSIG_NS, 'DigestValue')[0]?.textContent ?? '').replace(/\s+/g, '');
    const hash = XML_DIGESTS[method];
    if (!hash) return `unsupported digest ${method.slice(0, 100)}`;
    if (createHash(hash).update(der).digest('base64') === value) return undefined;
  }
  return 'no CertDigest matches the signing certificate';
}

/** XAdES SignedSignatureProperties/SigningTime [ETSI EN 319 132-1 §5.2.1], or the VN e-invoice SigningTime. */
function xadesSigningTime(signature: Element): Date | undefined {
  for (const ns of XADES_NS) {
    const node = signature.getElementsByTagNameNS(ns, 'SigningTime')[0];
    if (node?.textContent) {
      const time = new Date(node.textContent.trim());
      if (!Number.isNaN(time.getTime())) return time;
    }
  }
  const plain = Array.from(signature.getElementsByTagName('SigningTime'))[0];
  if (plain?.textContent) {
    const time = new Date(plain.textContent.trim());
    if (!Number.isNaN(time.getTime())) return time;
  }
  return undefined;
}
