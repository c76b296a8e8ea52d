/**
 * Verify every ds:Signature in an XML document [XMLDSig 1.1 §3.2]: each Reference's digest, the SignedInfo
 * signature with the key of a certificate from KeyInfo/X509Data, then that certificate's chain and revocation.
 * Digest and signature checks use xmldsigjs (not our signing code). Documents with a DTD are refused before
 * parsing: no entity expansion, no external fetches.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as xmldsig from 'xmldsigjs';
import { DOMImplementation, DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { setNodeDependencies } from 'xml-core';
import { createHash } from 'node:crypto';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { reason, type Reason } from '../trust/reasons.js';
import { documentReport, guardSignature, statusFromReasons, type SignatureReport, type VerificationReport } from './verification-report.js';
import { assessSigner } from './verify-cms-signer.js';
import type { VerifyOptions } from './verify-options.js';

const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const XADES_NS = ['http://uri.etsi.org/01903/v1.3.2#', 'http://uri.etsi.org/01903/v1.4.1#'];
let engineSet = false;

/**
 * xmldsigjs re-imports the key we pass with the SignatureMethod's algorithm, which drops an EC key's curve;
 * keep the curve so ECDSA signatures verify with the certificate's key (not with KeyInfo's own KeyValue).
 * (`reimportKey` is private in its typings, hence the instance patch.)
 */
function certificateKeySignedXml(doc: Document): xmldsig.SignedXml {
  const signedXml = new xmldsig.SignedXml(doc);
  (signedXml as unknown as { reimportKey: (key: CryptoKey, algorithm: Algorithm) => Promise<CryptoKey> }).reimportKey = async (key, algorithm) => {
    const curve = (key.algorithm as { namedCurve?: string }).namedCurve;
    const spki = await globalThis.crypto.subtle.exportKey('spki', key);
    return globalThis.crypto.subtle.importKey('spki', spki, curve ? ({ ...algorithm, namedCurve: curve } as EcKeyImportParams) : algorithm, true, ['verify']);
  };
  return signedXml;
}

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
    doc = new DOMParser({ onError: (level, message) => { if (level !== 'warning') errors.push(String(message)); } }).parseFromString(text, 'application/xml');
  } catch (cause) {
    throw new KysoError('INVALID_DOCUMENT', { what: 'XML not well-formed' }, { cause });
  }
  if (errors.length > 0 || !doc.documentElement) throw new KysoError('INVALID_DOCUMENT', { what: 'XML not well-formed' });
  const signatureElements = Array.from(doc.getElementsByTagNameNS(DSIG_NS, 'Signature'));
  const reports: SignatureReport[] = [];
  for (const element of signatureElements) reports.push(await guardSignature('xml', element.getAttribute('Id') ?? undefined, () => verifyOne(doc, element, options)));
  return documentReport('xml', reports, 'XML_NO_SIGNATURES');
}

async function verifyOne(doc: unknown, element: unknown, options: VerifyOptions): Promise<SignatureReport> {
  const reasons: Reason[] = [];
  const el = element as Element;
  const name = el.getAttribute('Id') ?? undefined;
  const nameField = name ? { name } : {};
  const certificates = Array.from(el.getElementsByTagNameNS(DSIG_NS, 'X509Certificate'))
    .map((c) => { try { return new x509.X509Certificate((c.textContent ?? '').replace(/\s+/g, '')); } catch { return undefined; } })
    .filter((c): c is x509.X509Certificate => c !== undefined);
  const empty = { chain: { status: 'not-built' as const, path: [] }, revocation: { status: 'not-checked' as const } };
  if (certificates.length === 0) {
    reasons.push(reason('XML_NO_CERTIFICATE'));
    return { status: statusFromReasons(reasons), format: 'xml', ...empty, reasons, ...nameField };
  }
  // Only same-document references are verified; nothing is ever fetched for a signature [XMLDSig §4.4.3.1].
  const external = Array.from(el.getElementsByTagNameNS(DSIG_NS, 'Reference'))
    .map((r) => r.getAttribute('URI'))
    .find((uri) => uri !== null && uri !== '' && !uri.startsWith('#'));
  if (external !== undefined && external !== null) {
    reasons.push(reason('CONTENT_MISSING', `external reference ${external.slice(0, 200)}`));
    const assessed = await assessSigner(certificates[0]!, certificates, { signingTime: xadesSigningTime(el) }, options);
    reasons.push(...assessed.reasons);
    return { status: statusFromReasons(reasons), format: 'xml', signer: assessed.signer, chain: assessed.chain, revocation: assessed.revocation, reasons, ...nameField };
  }
  const signatureMethod = el.getElementsByTagNameNS(DSIG_NS, 'SignatureMethod')[0]?.getAttribute('Algorithm') ?? '';
  let signer: x509.X509Certificate | undefined;
  let failure: Reason | undefined;
  // The signer is the X509Data certificate whose key verifies SignedInfo (X509Data may also hold the chain).
  for (const cert of certificates) {
    const key = await importKey(cert, signatureMethod);
    if (!key) { failure = reason('UNSUPPORTED_ALGORITHM', signatureMethod); continue; }
    const signedXml = certificateKeySignedXml(doc as Document);
    try {
      signedXml.LoadXml(el);
      if (await signedXml.Verify(key)) { signer = cert; failure = undefined; break; }
      failure = reason('SIGNATURE_INVALID');
    } catch (error) {
      // xml-core's XmlError does not extend Error: read its message field.
      const message = typeof (error as { message?: unknown })?.message === 'string' ? (error as { message: string }).message : String(error);
      if (/digest/i.test(message)) { failure = reason('XML_REFERENCE_DIGEST', message.match(/uri '([^']*)'/)?.[1]); break; }
      failure = /not supported|unsupported|Algorithm/i.test(message) ? reason('UNSUPPORTED_ALGORITHM', message.slice(0, 200)) : reason('SIGNATURE_INVALID', message.slice(0, 200));
    }
  }
  if (failure) reasons.push(failure);
  const signerCert = signer ?? certificates[0]!;
  const certMismatch = xadesSigningCertificateMismatch(el, signerCert);
  if (certMismatch) reasons.push(reason('SIGNING_CERT_MISMATCH', certMismatch));
  const signingTime = xadesSigningTime(el);
  const assessed = await assessSigner(signerCert, certificates, { signingTime }, options);
  reasons.push(...assessed.reasons);
  return {
    status: statusFromReasons(reasons),
    format: 'xml',
    signer: assessed.signer,
    ...(signingTime ? { signingTime: signingTime.toISOString() } : {}),
    chain: assessed.chain,
    revocation: assessed.revocation,
    reasons,
    ...nameField,
  };
}

/** The public key imported for the SignatureMethod, so KeyInfo's own KeyValue (if any) is never what we trust. */
async function importKey(cert: x509.X509Certificate, method: string): Promise<CryptoKey | undefined> {
  const hash = /sha512/i.test(method) ? 'SHA-512' : /sha384/i.test(method) ? 'SHA-384' : /sha256/i.test(method) ? 'SHA-256' : /sha1/i.test(method) ? 'SHA-1' : undefined;
  if (!hash) return undefined;
  const spki = cert.publicKey.rawData;
  try {
    if (/ecdsa/i.test(method)) {
      const curve = (cert.publicKey.algorithm as { namedCurve?: string }).namedCurve ?? 'P-256';
      return await globalThis.crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: curve }, true, ['verify']);
    }
    if (/rsa/i.test(method)) return await globalThis.crypto.subtle.importKey('spki', spki, { name: 'RSASSA-PKCS1-v1_5', hash }, true, ['verify']);
  } catch {
    return undefined;
  }
  return undefined;
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
