/**
 * Sign one document held by the DocumentStore with an open Signer, into a new result file in the store's private
 * dir. PDF streams through signPdfFile; detached CMS hashes the file as a stream; XML and enveloping CMS are
 * read into memory (bounded by DOCUMENT_IN_MEMORY_MAX_BYTES). The input file is only read, never changed.
 */
import { readFile, rm } from 'node:fs/promises';
import { outputWriteError, writeFileAtomic } from './atomic-write.js';
import { DIGEST_LENGTH_BYTES, type HashAlgorithm } from '../../shared/domain/algorithms.js';
import { base64ToBytes } from '../../shared/domain/base64.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { DOCUMENT_IN_MEMORY_MAX_BYTES } from '../../shared/limits.js';
import type { HostDocumentItem } from '../../shared/protocol/document-schemas.js';
import type { Signer } from '../token/signer.js';
import { buildCmsSignature } from '../formats/cms/build-cms-signature.js';
import { hashFile } from '../formats/cms/hash-file.js';
import type { SignPdfOptions } from '../formats/pdf/sign-pdf.js';
import { signPdfFileAtLevel } from '../formats/pdf/ltv/sign-pdf-at-level.js';
import type { LongTermOptions } from '../formats/pdf/ltv/add-long-term-data.js';
import { TrustStore } from '../trust/trust-store.js';
import { signXmlDocument } from '../formats/xml/sign-xml-document.js';
import { timestampHook } from '../formats/timestamp/request-timestamp.js';
import type { DocumentStore } from './document-store.js';

export interface SignedDocument {
  readonly handle: string;
  readonly size: number;
  readonly sha256: string;
}

export async function signStoredDocument(store: DocumentStore, item: HostDocumentItem, signer: Signer): Promise<SignedDocument> {
  const output = store.resultPath();
  try {
    await writeSigned(store, item, signer, output);
    const adopted = await store.adoptResult(item.kind, output);
    return { handle: adopted.handle, size: adopted.size, sha256: adopted.sha256 };
  } catch (error) {
    await rm(output, { force: true });
    // A file-system failure while writing the result (disk full…) is a typed error, never INTERNAL_ERROR.
    const errno = (error as NodeJS.ErrnoException | undefined)?.code;
    if (!(error instanceof KysoError) && typeof errno === 'string' && /^E[A-Z]+$/.test(errno)) throw outputWriteError(error);
    throw error;
  }
}

async function writeSigned(store: DocumentStore, item: HostDocumentItem, signer: Signer, output: string): Promise<void> {
  switch (item.kind) {
    case 'pdf': {
      const input = store.complete(item.handle);
      await signPdfFileAtLevel(input.path, output, signer, pdfOptions(item.options ?? {}), await longTermOptions(item.options ?? {}));
      return;
    }
    case 'xml': {
      const input = store.complete(item.handle);
      const o = item.options ?? {};
      const signed = await signXmlDocument(await readBounded(input.path, input.size), {
        signer,
        ...(o.hashAlgorithm ? { hashAlgorithm: o.hashAlgorithm } : {}),
        ...(o.signatureScheme ? { signatureScheme: o.signatureScheme } : {}),
        ...(o.c14n ? { canonicalization: o.c14n } : {}),
        ...(o.ref ? { referenceId: o.ref } : {}),
        ...(o.parent ? { parent: o.parent } : {}),
        ...(o.xades ? { xades: true } : {}),
        ...(o.signingTimeProperty ? { signingTimeProperty: true } : {}),
        ...(o.tsaUrl ? { timestamp: timestampHook({ url: o.tsaUrl }) } : {}),
      });
      await writeFileAtomic(output, signed);
      return;
    }
    case 'cms': {
      const o = item.options ?? {};
      const hashAlgorithm: HashAlgorithm = o.hashAlgorithm ?? 'SHA-256';
      if ((item.handle === undefined) === (item.digest === undefined)) {
        throw new KysoError('BAD_REQUEST', { reason: 'a CMS item needs exactly one of a document or a digest' });
      }
      const common = {
        signer, hashAlgorithm,
        ...(o.signatureScheme ? { signatureScheme: o.signatureScheme } : {}),
        ...(o.pades ? { includeSigningTime: false } : {}),
        ...(o.tsaUrl ? { timestamp: timestampHook({ url: o.tsaUrl }) } : {}),
      };
      let cms: Uint8Array;
      if (item.digest !== undefined) {
        if (o.attached) throw new KysoError('BAD_REQUEST', { reason: 'an enveloping signature needs the document, not its digest' });
        const digest = base64ToBytes(item.digest, 'INVALID_HASH');
        if (digest.length !== DIGEST_LENGTH_BYTES[hashAlgorithm]) {
          throw new KysoError('INVALID_HASH', { hashAlgorithm, expectedBytes: DIGEST_LENGTH_BYTES[hashAlgorithm], receivedBytes: digest.length });
        }
        cms = await buildCmsSignature({ ...common, messageDigest: digest });
      } else {
        const input = store.complete(item.handle!);
        cms = o.attached
          ? await buildCmsSignature({ ...common, content: await readBounded(input.path, input.size), encapsulate: true })
          : await buildCmsSignature({ ...common, messageDigest: await hashFile(input.path, hashAlgorithm) });
      }
      await writeFileAtomic(output, cms);
      return;
    }
  }
}

/**
 * B-LT / B-LTA for a page's request (formats/pdf/ltv/): the TSA and the revocation servers are reached under the
 * page rules (no loopback/private address unless the admin allows it, request-timestamp.ts, http-fetch.ts).
 */
async function longTermOptions(o: NonNullable<Extract<HostDocumentItem, { kind: 'pdf' }>['options']>): Promise<LongTermOptions | undefined> {
  if ((o.level !== 'B-LT' && o.level !== 'B-LTA') || !o.tsaUrl) return undefined;
  return { level: o.level, tsa: { url: o.tsaUrl }, trust: await TrustStore.load({ useEnvironment: true }) };
}

/** Protocol PDF options → signing options (also used by host.documentInfo to place the stamp the same way). */
export function pdfOptions(o: NonNullable<Extract<HostDocumentItem, { kind: 'pdf' }>['options']>): SignPdfOptions {
  const visible = o.invisible ? undefined : o.visible ?? {};
  return {
    ...(o.hashAlgorithm ? { hashAlgorithm: o.hashAlgorithm } : {}),
    ...(o.subFilter ? { subFilter: o.subFilter } : {}),
    ...(o.reason ? { reason: o.reason } : {}),
    ...(o.location ? { location: o.location } : {}),
    ...(o.contactInfo ? { contactInfo: o.contactInfo } : {}),
    ...(o.tsaUrl ? { timestamp: timestampHook({ url: o.tsaUrl }) } : {}),
    ...(visible ? {
      visible: {
        ...(visible.page !== undefined ? { page: visible.page } : {}),
        ...(visible.rect ? { rect: visible.rect } : {}),
        ...(visible.anchor ? { anchor: visible.anchor } : {}),
        ...(visible.size ? { size: visible.size } : {}),
        ...(visible.lines ? { lines: visible.lines } : {}),
        ...(visible.signatureImage ? { signatureImage: base64ToBytes(visible.signatureImage) } : {}),
        ...(visible.sealImage ? { sealImage: base64ToBytes(visible.sealImage) } : {}),
        ...(visible.typeface ? { typeface: visible.typeface } : {}),
        ...(visible.textColor ? { textColor: visible.textColor } : {}),
      },
    } : {}),
  };
}

async function readBounded(path: string, size: number): Promise<Uint8Array> {
  if (size > DOCUMENT_IN_MEMORY_MAX_BYTES) throw new KysoError('PAYLOAD_TOO_LARGE', { limitBytes: DOCUMENT_IN_MEMORY_MAX_BYTES });
  return new Uint8Array(await readFile(path));
}
