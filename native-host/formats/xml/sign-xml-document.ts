/**
 * Enveloped XML Signature [XMLDSig 1.1, https://www.w3.org/TR/xmldsig-core1/] and XAdES-BES
 * [ETSI EN 319 132-1] with an external Signer.
 *
 * The Signature is spliced into the original text as the last child of the chosen parent; nothing else in the
 * file changes by a byte. The document is read once: by the text fast path (text-view.ts: one scan that
 * canonicalises and hashes the reference, no DOM) or, for what that path does not cover, by xmldom
 * (document-view.ts); the two agree byte for byte. The Signature we build is canonicalised on its own inside a
 * wrapper that carries the parent's namespace context (parse-in-context.ts), so we canonicalise what a verifier
 * will see of it:
 *   1. digest each Reference (document / referenced element from the original parse; our Objects from the
 *      Signature draft with placeholder DigestValues and SignatureValue);
 *   2. put the digests in; canonicalise SignedInfo; the token signs its hash;
 *   3. fill in SignatureValue (outside SignedInfo, so step 2's hash still holds); XAdES-T adds its time-stamp
 *      in UnsignedProperties (also outside SignedInfo); splice.
 */
import { randomBytes } from 'node:crypto';
import { HASH_ALGORITHMS, type HashAlgorithm, type SignatureScheme } from '../../../shared/domain/algorithms.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { Signer } from '../../token/signer.js';
import { resolveScheme } from '../cms/cms-algorithms.js';
import { hashBytes, issuerSerialDer } from '../cms/signing-certificate-v2.js';
import type { C14nMethod } from './canonicalize.js';
import { ecCurveBytes, ecdsaDerToRaw } from './ecdsa-signature-value.js';
import { domView, type DocumentView } from './document-view.js';
import { scanElementSpans } from './element-spans.js';
import {
  C14N_URI, DIGEST_METHOD_URI, DSIG_NS, ECDSA_SIGNATURE_METHOD_URI, ENVELOPED_SIGNATURE, RSA_SIGNATURE_METHOD_URI,
  XADES_NS, XADES_SIGNED_PROPERTIES_TYPE,
} from './xml-algorithms.js';
import { decodeXmlText } from './xml-input.js';
import { canonicalizeOwn } from './own-signature-c14n.js';
import { textView } from './text-view.js';
import { OffFastPath } from './xml-tokens.js';

export interface SignXmlOptions {
  readonly signer: Signer;
  /** Default SHA-256 (digests and signature). */
  readonly hashAlgorithm?: HashAlgorithm;
  /** RSASSA-PKCS1-v1_5 or ECDSA (RSA-PSS in XML needs xmlsec ≥ 1.3 to verify; refused for now). */
  readonly signatureScheme?: SignatureScheme;
  /** Exclusive (default) or inclusive C14N 1.0, for SignedInfo and the references. */
  readonly canonicalization?: C14nMethod;
  /** Sign the element with this Id/id/ID (URI="#id"); default the whole document (URI=""). */
  readonly referenceId?: string;
  /** Where the Signature goes (local name or path such as "DSCKS/NBan"); default the root element. */
  readonly parent?: string;
  /** Add XAdES-BES QualifyingProperties (SigningTime, SigningCertificateV2). */
  readonly xades?: boolean;
  /** Add Object/SignatureProperties/SignatureProperty/SigningTime (Vietnamese e-invoices), referenced. */
  readonly signingTimeProperty?: boolean;
  /** Id of the Signature element; default "sig-" + random. */
  readonly signatureId?: string;
  readonly signingTime?: Date;
  /**
   * XAdES-T: fetch an RFC 3161 token (DER) over the given bytes — the canonicalised ds:SignatureValue element
   * [ETSI EN 319 132-1 §5.3 SignatureTimeStamp]. Needs `xades`.
   */
  readonly timestamp?: (data: Uint8Array) => Promise<Uint8Array>;
  /**
   * XAdES-LT: given the signature time-stamp token, the xades:CertificateValues and xades:RevocationValues elements
   * to follow it in UnsignedSignatureProperties [ETSI EN 319 132-1 §5.5] (xades-long-term.ts). Needs `timestamp`.
   */
  readonly validationValues?: (timestampToken: Uint8Array) => Promise<string>;
}

const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST_PLACEHOLDER = (i: number) => `@@KYSO-DIGEST-${i}@@`;
const SIGNATURE_PLACEHOLDER = '@@KYSO-SIGNATURE-VALUE@@';

interface PlannedReference {
  readonly uri: string;
  readonly id?: string;
  readonly type?: string;
  readonly enveloped: boolean;
  /** Id of the element referenced, or null for the whole document. */
  readonly target: string | null;
  /** The target is inside our Signature (an Object we add), not in the caller's document. */
  readonly ours: boolean;
}

/** Sign an XML document (bytes in, bytes out); the input array is not modified. */
export async function signXmlDocument(input: Uint8Array, options: SignXmlOptions): Promise<Uint8Array> {
  const hash = options.hashAlgorithm ?? 'SHA-256';
  if (!HASH_ALGORITHMS.includes(hash)) throw new KysoError('UNSUPPORTED_ALGORITHM', { hashAlgorithm: String(hash) });
  const scheme = resolveScheme(options.signer.keyType, options.signatureScheme);
  if (scheme === 'RSA-PSS') throw new KysoError('UNSUPPORTED_ALGORITHM', { reason: 'RSA-PSS is not offered for XML signatures', scheme });
  const method: C14nMethod = options.canonicalization ?? 'exc';
  if (options.timestamp && !options.xades) throw new KysoError('BAD_REQUEST', { reason: 'a signature time-stamp (XAdES-T) needs --xades' });
  if (options.validationValues && !options.timestamp) throw new KysoError('BAD_REQUEST', { reason: 'XAdES-LT validation values need a signature time-stamp (--tsa)' });
  const { text, bom } = decodeXmlText(input);
  const view = documentView(text, method, hash, options.referenceId ?? null);

  const signatureId = options.signatureId ?? `sig-${randomBytes(6).toString('hex')}`;
  if (!ID_PATTERN.test(signatureId)) throw new KysoError('BAD_REQUEST', { reason: 'signature id must be an XML NCName', signatureId });
  const ownIds = [signatureId, `${signatureId}-ref-doc`, `${signatureId}-signing-time`, `${signatureId}-signed-props`, `${signatureId}-ts`];
  for (const id of ownIds) if (view.idInUse(id)) throw new KysoError('BAD_REQUEST', { reason: 'signature id already used in the document', id });
  if (options.referenceId !== undefined) {
    if (!ID_PATTERN.test(options.referenceId)) throw new KysoError('BAD_REQUEST', { reason: 'reference id must be an XML NCName' });
    view.requireId(options.referenceId);
  }
  const parentIndex = view.parentIndex(options.parent);
  const span = view.spanAt(parentIndex);
  const context = view.contextAt(parentIndex);
  // The scan and the view must agree on the parent, or the splice would land elsewhere than what we canonicalised.
  if (!span || span.name !== view.nameAt(parentIndex)) throw new KysoError('INTERNAL_ERROR', { reason: 'parent element not located in the text' });

  const signingTime = options.signingTime ?? new Date();
  const references: PlannedReference[] = [
    { uri: options.referenceId ? `#${options.referenceId}` : '', id: `${signatureId}-ref-doc`, enveloped: true, target: options.referenceId ?? null, ours: false },
  ];
  if (options.signingTimeProperty) references.push({ uri: `#${signatureId}-signing-time`, enveloped: false, target: `${signatureId}-signing-time`, ours: true });
  if (options.xades) references.push({ uri: `#${signatureId}-signed-props`, type: XADES_SIGNED_PROPERTIES_TYPE, enveloped: false, target: `${signatureId}-signed-props`, ours: true });

  const signatureMethod = scheme === 'ECDSA' ? ECDSA_SIGNATURE_METHOD_URI[hash] : RSA_SIGNATURE_METHOD_URI[hash];
  const objects = (unsignedProperties: string): string =>
    (options.signingTimeProperty ? signingTimeObject(signatureId, signingTime) : '') +
    (options.xades ? xadesObject(signatureId, options.signer.certificate, hash, signingTime, unsignedProperties) : '');
  const keyInfo = `<KeyInfo><X509Data>${[options.signer.certificate, ...options.signer.chain]
    .map((der) => `<X509Certificate>${Buffer.from(der).toString('base64')}</X509Certificate>`).join('')}</X509Data></KeyInfo>`;

  const build = (digests: readonly string[], signatureValue: string, unsignedProperties = ''): string =>
    `<Signature xmlns="${DSIG_NS}" Id="${signatureId}"><SignedInfo>` +
    `<CanonicalizationMethod Algorithm="${C14N_URI[method]}"/><SignatureMethod Algorithm="${signatureMethod}"/>` +
    references.map((r, i) =>
      `<Reference${r.id ? ` Id="${r.id}"` : ''}${r.type ? ` Type="${r.type}"` : ''} URI="${r.uri}"><Transforms>` +
      (r.enveloped ? `<Transform Algorithm="${ENVELOPED_SIGNATURE}"/>` : '') +
      `<Transform Algorithm="${C14N_URI[method]}"/></Transforms>` +
      `<DigestMethod Algorithm="${DIGEST_METHOD_URI[hash]}"/><DigestValue>${digests[i]}</DigestValue></Reference>`).join('') +
    `</SignedInfo><SignatureValue>${signatureValue}</SignatureValue>${keyInfo}${objects(unsignedProperties)}</Signature>`;

  // The input's own bytes around the inserted text: the text was decoded strictly from UTF-8, so its bytes are
  // what re-encoding it would give — without building and encoding a second copy of a 10 MB document.
  const splice = (signature: string): Uint8Array => {
    const byteOffset = (at: number) => (bom ? 3 : 0) + Buffer.byteLength(text.slice(0, at), 'utf8');
    // <P a="1"/> becomes <P a="1">SIG</P>: the same element in the data model [XML 1.0 §3.1].
    const inserted = Buffer.from(span.selfClosing ? `>${signature}</${span.name}>` : signature, 'utf8');
    const before = byteOffset(span.endTagStart);
    const after = span.selfClosing ? byteOffset(span.startTagEnd) : before;
    const output = new Uint8Array(before + inserted.length + (input.length - after));
    output.set(input.subarray(0, before), 0);
    output.set(inserted, before);
    output.set(input.subarray(after), before + inserted.length);
    return output;
  };

  // 1. Reference digests. The document (or the referenced element) is canonicalised from the original parse: the
  //    enveloped-signature transform removes exactly what we splice in, and we add no whitespace around it.
  //    Our own objects are canonicalised from the Signature parsed in the parent's context.
  const draft = build(references.map((_, i) => DIGEST_PLACEHOLDER(i)), SIGNATURE_PLACEHOLDER);
  const digests = references.map((r) => {
    const digest = r.ours
      ? hashBytes(hash, new TextEncoder().encode(canonicalizeOwn(context, draft, { id: r.target as string }, method)))
      : view.digest(r.target);
    return Buffer.from(digest).toString('base64');
  });

  // 2. SignedInfo, canonicalised in its final context, hashed, signed by the token.
  const signedInfo = canonicalizeOwn(context, build(digests, SIGNATURE_PLACEHOLDER), { child: 'SignedInfo', of: signatureId }, method);
  const signedInfoHash = hashBytes(hash, new TextEncoder().encode(signedInfo));
  let signature = await options.signer.signDigest(signedInfoHash, hash, scheme);
  if (scheme === 'ECDSA') signature = ecdsaDerToRaw(signature, ecCurveBytes(options.signer.certificate));

  const signatureValue = Buffer.from(signature).toString('base64');

  // 3. XAdES-T: time-stamp the canonicalised SignatureValue element; it goes in UnsignedProperties, outside SignedInfo.
  let unsignedProperties = '';
  if (options.timestamp) {
    const valueElement = canonicalizeOwn(context, build(digests, signatureValue), { child: 'SignatureValue', of: signatureId }, method);
    const token = await options.timestamp(new TextEncoder().encode(valueElement));
    unsignedProperties = `<xades:UnsignedProperties><xades:UnsignedSignatureProperties><xades:SignatureTimeStamp Id="${signatureId}-ts">` +
      `<CanonicalizationMethod Algorithm="${C14N_URI[method]}"/>` +
      `<xades:EncapsulatedTimeStamp>${Buffer.from(token).toString('base64')}</xades:EncapsulatedTimeStamp>` +
      `</xades:SignatureTimeStamp>${options.validationValues ? await options.validationValues(token) : ''}</xades:UnsignedSignatureProperties></xades:UnsignedProperties>`;
  }

  // 4. The final bytes (a BOM stays, as the input's first bytes).
  return splice(build(digests, signatureValue, unsignedProperties));
}

/**
 * The text fast path when it covers the document (text-c14n.ts lists what it covers), else an xmldom parse: same
 * answers, same digests (test/unit/xml-text-c14n.test.ts), only the DOM path's time and memory for what is unusual.
 */
function documentView(text: string, method: C14nMethod, hash: HashAlgorithm, referenceId: string | null): DocumentView {
  try {
    return textView(text, method, hash, referenceId);
  } catch (error) {
    if (!(error instanceof OffFastPath)) throw error;
  }
  // The scan bounds the nesting depth before the (recursive) parser runs, and locates the tags for the splice.
  return domView(text, scanElementSpans(text), method, hash);
}

/**
 * Signing time as Vietnamese e-invoices carry it (Decision 1450/QĐ-TCT; Circular 78/2021/TT-BTC): an Object with
 * SignatureProperties/SignatureProperty(Target=#signature)/SigningTime, local time of Việt Nam (UTC+7).
 */
function signingTimeObject(signatureId: string, time: Date): string {
  const local = new Date(time.getTime() + 7 * 3600_000).toISOString().slice(0, 19);
  return `<Object Id="${signatureId}-signing-time"><SignatureProperties><SignatureProperty Target="#${signatureId}">` +
    `<SigningTime>${local}</SigningTime></SignatureProperty></SignatureProperties></Object>`;
}

/** XAdES-BES signed properties [ETSI EN 319 132-1 §5.2.1 SigningTime, §5.2.2 SigningCertificateV2]. */
function xadesObject(signatureId: string, certificateDer: Uint8Array, hash: HashAlgorithm, time: Date, unsignedProperties: string): string {
  const certDigest = Buffer.from(hashBytes(hash, certificateDer)).toString('base64');
  const issuerSerialV2 = Buffer.from(issuerSerialDer(certificateDer)).toString('base64');
  return `<Object><xades:QualifyingProperties xmlns:xades="${XADES_NS}" Target="#${signatureId}">` +
    `<xades:SignedProperties Id="${signatureId}-signed-props"><xades:SignedSignatureProperties>` +
    `<xades:SigningTime>${time.toISOString().slice(0, 19)}Z</xades:SigningTime>` +
    `<xades:SigningCertificateV2><xades:Cert><xades:CertDigest><DigestMethod Algorithm="${DIGEST_METHOD_URI[hash]}"/>` +
    `<DigestValue>${certDigest}</DigestValue></xades:CertDigest><xades:IssuerSerialV2>${issuerSerialV2}</xades:IssuerSerialV2>` +
    `</xades:Cert></xades:SigningCertificateV2></xades:SignedSignatureProperties>` +
    `<xades:SignedDataObjectProperties><xades:DataObjectFormat ObjectReference="#${signatureId}-ref-doc">` +
    `<xades:MimeType>text/xml</xades:MimeType></xades:DataObjectFormat></xades:SignedDataObjectProperties>` +
    `</xades:SignedProperties>${unsignedProperties}</xades:QualifyingProperties></Object>`;
}
