/**
 * The cryptographic check of one ds:Signature with xmldsigjs (not our signing code): each Reference's digest,
 * then the SignedInfo signature with the key of a certificate from KeyInfo/X509Data (never KeyInfo's own
 * KeyValue). X509Data may also carry the chain, of any key type: a certificate whose key does not fit the
 * SignatureMethod is not a candidate at all, so it cannot turn a wrong signature into "unsupported" — the signer is
 * the candidate whose key verifies, and when none does the signature is invalid.
 */
import * as x509 from '@peculiar/x509';
import * as xmldsig from 'xmldsigjs';
import type { Document, Element } from '@xmldom/xmldom';
import { reason, type Reason, type ReasonCode } from '../../trust/reasons.js';
import { childElements, containsElement, localNameOf } from './element-path.js';
import { signedInfoReferences, type ResolvedReference } from './reference-targets.js';

const ENVELOPED_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

export interface SignatureValueCheck {
  /** The certificate whose key verified SignedInfo. */
  readonly signer?: x509.X509Certificate;
  readonly failure?: Reason;
}

/** Which failure to report when several keys fail: a wrong digest or value is worse than an unsupported feature. */
const SEVERITY: Partial<Record<ReasonCode, number>> = { XML_REFERENCE_DIGEST: 3, XML_DUPLICATE_ID: 3, SIGNATURE_INVALID: 2, UNSUPPORTED_ALGORITHM: 1 };
const worse = (a: Reason | undefined, b: Reason): Reason => (!a || (SEVERITY[b.code] ?? 0) > (SEVERITY[a.code] ?? 0) ? b : a);

export async function checkSignatureValue(
  document: Document, signature: Element, references: readonly ResolvedReference[], certificates: readonly x509.X509Certificate[],
): Promise<SignatureValueCheck> {
  const method = signatureMethodOf(signature);
  const keyType = keyTypeOf(method);
  if (!keyType || !hashOf(method)) return { failure: reason('UNSUPPORTED_ALGORITHM', method.slice(0, 200)) };
  const candidates: { cert: x509.X509Certificate; key: CryptoKey }[] = [];
  for (const cert of certificates) {
    const key = await importKey(cert, keyType, hashOf(method)!);
    if (key) candidates.push({ cert, key });
  }
  if (candidates.length === 0) return { failure: reason('SIGNATURE_INVALID', `no ${keyType} certificate in KeyInfo for ${method.slice(0, 100)}`) };
  const content = envelopedOnly(signature, references) ? contentWithoutSignature(document, signature) : undefined;
  let failure: Reason | undefined;
  for (const { cert, key } of candidates) {
    const signedXml = certificateKeySignedXml(document);
    try {
      signedXml.LoadXml(signature as unknown as globalThis.Element);
      if (content) specEnvelopedTransforms(signedXml);
      if (await signedXml.Verify(content ? { key, content: content as unknown as globalThis.Element } : key)) return { signer: cert };
      failure = worse(failure, reason('SIGNATURE_INVALID'));
    } catch (error) {
      // xml-core's XmlError does not extend Error: read its message field.
      const message = typeof (error as { message?: unknown })?.message === 'string' ? (error as { message: string }).message : String(error);
      // A digest does not depend on the key: no other certificate can change this outcome.
      if (/digest/i.test(message)) return { failure: reason('XML_REFERENCE_DIGEST', message.match(/uri '([^']*)'/)?.[1]) };
      if (/Duplicate Id/i.test(message)) return { failure: reason('XML_DUPLICATE_ID', message.slice(0, 200)) };
      failure = worse(failure, /not supported|unsupported|Algorithm/i.test(message) ? reason('UNSUPPORTED_ALGORITHM', message.slice(0, 200)) : reason('SIGNATURE_INVALID', message.slice(0, 200)));
    }
  }
  return { failure: failure ?? reason('SIGNATURE_INVALID') };
}

function signatureMethodOf(signature: Element): string {
  const signedInfo = childElements(signature).find((c) => c.localName === 'SignedInfo');
  return (signedInfo && childElements(signedInfo).find((c) => c.localName === 'SignatureMethod')?.getAttribute('Algorithm')) ?? '';
}

function keyTypeOf(method: string): 'RSA' | 'EC' | undefined {
  if (/ecdsa/i.test(method)) return 'EC';
  if (/rsa/i.test(method) && !/rsa-pss|mgf1/i.test(method)) return 'RSA';
  return undefined;
}

function hashOf(method: string): string | undefined {
  return /sha512/i.test(method) ? 'SHA-512' : /sha384/i.test(method) ? 'SHA-384' : /sha256/i.test(method) ? 'SHA-256' : /sha1/i.test(method) ? 'SHA-1' : undefined;
}

/** The certificate's key for the SignatureMethod, or undefined when its type does not fit (an RSA CA beside an EC signer). */
async function importKey(cert: x509.X509Certificate, keyType: 'RSA' | 'EC', hash: string): Promise<CryptoKey | undefined> {
  const spki = cert.publicKey.rawData;
  const name = cert.publicKey.algorithm.name;
  try {
    if (keyType === 'EC') {
      if (name !== 'ECDSA' && name !== 'ECDH') return undefined;
      const curve = (cert.publicKey.algorithm as { namedCurve?: string }).namedCurve ?? 'P-256';
      return await globalThis.crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: curve }, true, ['verify']);
    }
    if (!/^RSA/.test(name)) return undefined;
    return await globalThis.crypto.subtle.importKey('spki', spki, { name: 'RSASSA-PKCS1-v1_5', hash }, true, ['verify']);
  } catch {
    return undefined;
  }
}

/**
 * xmldsigjs re-imports the key we pass with the SignatureMethod's algorithm, which drops an EC key's curve;
 * keep the curve so ECDSA signatures verify with the certificate's key (not with KeyInfo's own KeyValue).
 * (`reimportKey` is private in its typings, hence the instance patch.)
 */
function certificateKeySignedXml(doc: Document): xmldsig.SignedXml {
  const signedXml = new xmldsig.SignedXml(doc as unknown as globalThis.Document);
  (signedXml as unknown as { reimportKey: (key: CryptoKey, algorithm: Algorithm) => Promise<CryptoKey> }).reimportKey = async (key, algorithm) => {
    const curve = (key.algorithm as { namedCurve?: string }).namedCurve;
    const spki = await globalThis.crypto.subtle.exportKey('spki', key);
    return globalThis.crypto.subtle.importKey('spki', spki, curve ? ({ ...algorithm, namedCurve: curve } as EcKeyImportParams) : algorithm, true, ['verify']);
  };
  return signedXml;
}

/**
 * The enveloped-signature transform removes "the whole Signature element containing the Transform"
 * [XMLDSig 1.1 §6.6.4] wherever it sits. xmldsigjs instead removes every ds:Signature that is a direct child of
 * the referenced node: a whole-document signature under DSCKS/NBan then fails, and a second, forged Signature at
 * the root would be left out of the digest. So the content handed to xmldsigjs is the document without exactly
 * this Signature, and its enveloped transforms (instances of this check only) pass their input through.
 */
function specEnvelopedTransforms(signedXml: xmldsig.SignedXml): void {
  for (const ref of signedXml.XmlSignature.SignedInfo.References.GetIterator()) {
    for (const transform of ref.Transforms.GetIterator()) {
      if (transform instanceof xmldsig.XmlDsigEnvelopedSignatureTransform) {
        (transform as unknown as { GetOutput: () => unknown; innerXml: unknown }).GetOutput = function (this: { innerXml: unknown }) { return this.innerXml; };
      }
    }
  }
}

/**
 * True when every Reference that covers this Signature's own place carries the enveloped-signature transform, so
 * removing the Signature from the content is exactly what the transforms ask for. (A Reference covering its own
 * Signature without that transform cannot verify; it is left to xmldsigjs as it is.)
 */
function envelopedOnly(signature: Element, references: readonly ResolvedReference[]): boolean {
  const elements = signedInfoReferences(signature);
  return references.every((ref, i) => {
    const coversSignature = ref.wholeDocument || (ref.element !== undefined && containsElement(ref.element, signature));
    if (!coversSignature) return true;
    const transforms = childElements(elements[i]!).find((c) => localNameOf(c) === 'Transforms');
    return transforms !== undefined && childElements(transforms).some((t) => t.getAttribute('Algorithm') === ENVELOPED_SIGNATURE);
  });
}

/** A copy of the document element with this Signature removed (found in the copy by its child positions). */
function contentWithoutSignature(document: Document, signature: Element): Element | undefined {
  const root = document.documentElement as Element;
  if (signature === root) return undefined;
  const positions: number[] = [];
  for (let node: Element = signature; node !== root; node = node.parentNode as Element) {
    positions.unshift(childElements(node.parentNode as Element).indexOf(node));
  }
  const copy = root.cloneNode(true) as Element;
  let target: Element = copy;
  for (const position of positions) target = childElements(target)[position]!;
  target.parentNode!.removeChild(target);
  return copy;
}
