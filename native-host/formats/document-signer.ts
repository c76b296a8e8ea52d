/**
 * One entry point for "sign these document bytes in format F" — what a host handler (a future
 * `host.signDocument`) or another CLI calls without knowing each builder. PDF joins here when its engineer
 * wires it (`native-host/formats/pdf/`), as one more variant.
 */
import type { HashAlgorithm, SignatureScheme } from '../../shared/domain/algorithms.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { Signer } from '../token/signer.js';
import { buildCmsSignature } from './cms/build-cms-signature.js';
import { readDigestInput } from './cms/read-digest-input.js';
import { signXmlDocument, type SignXmlOptions } from './xml/sign-xml-document.js';

export type DocumentSignOptions =
  | {
    readonly format: 'cms';
    readonly hashAlgorithm: HashAlgorithm;
    readonly signatureScheme?: SignatureScheme;
    /** Enveloping (content inside); default detached. */
    readonly attached?: boolean;
    /** The bytes are a digest the portal computed (raw, hex or base64), not the document. */
    readonly digestInput?: boolean;
    readonly timestamp?: (signatureValue: Uint8Array) => Promise<Uint8Array>;
  }
  | ({ readonly format: 'xml' } & Omit<SignXmlOptions, 'signer'>);

/** Sign `bytes`; returns the signed document (XML) or the signature (CMS, DER). The input is not modified. */
export async function signDocument(bytes: Uint8Array, signer: Signer, options: DocumentSignOptions): Promise<Uint8Array> {
  switch (options.format) {
    case 'cms': {
      if (options.attached && options.digestInput) {
        throw new KysoError('BAD_REQUEST', { reason: 'an enveloping signature needs the document, not its digest' });
      }
      return buildCmsSignature({
        signer,
        hashAlgorithm: options.hashAlgorithm,
        ...(options.signatureScheme ? { signatureScheme: options.signatureScheme } : {}),
        ...(options.timestamp ? { timestamp: options.timestamp } : {}),
        ...(options.digestInput
          ? { messageDigest: readDigestInput(bytes, options.hashAlgorithm) }
          : { content: bytes, encapsulate: options.attached ?? false }),
      });
    }
    case 'xml': {
      const { format: _format, ...xml } = options;
      return signXmlDocument(bytes, { ...xml, signer });
    }
    default:
      throw new KysoError('UNSUPPORTED_DOCUMENT', { format: String((options as { format: unknown }).format) });
  }
}
