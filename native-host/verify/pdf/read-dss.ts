/**
 * Read the Document Security Store of a revision [ISO 32000-2 §12.8.4.3, ETSI EN 319 142-1 §5.4.2]: the catalog's
 * /DSS with /Certs, /OCSPs and /CRLs — arrays of streams holding DER certificates, OCSPResponses and CRLs — and
 * /VRI, keyed by the upper-case hex SHA-1 of each signature's /Contents. Streams may be Flate-compressed, and in an
 * encrypted file are encrypted with their object's key [ISO 32000-1 §7.6.2]. A damaged entry is skipped, never
 * fatal: the signatures it was meant for then lack that data and say so.
 */
import { PDFRawStream, PDFRef, type PDFContext } from 'pdf-lib';
import type { PdfRevisionView } from '../../formats/pdf/xref/read-revision.js';
import { decodeStructureStream } from '../../formats/pdf/xref/decode-structure-stream.js';
import { openStandardEncryption, type PdfEncryption } from '../../formats/pdf/encryption/standard-security-handler.js';
import { EmbeddedValidationData, parseCertificates } from '../embedded-validation-data.js';
import { dictAt, entry, refList } from './pdf-object-tools.js';

export interface DocumentSecurityStore {
  readonly data: EmbeddedValidationData;
  /** /VRI keys present (upper-case hex SHA-1 of a signature's /Contents). */
  readonly vriKeys: ReadonlySet<string>;
}

/** Streams per array at most (a hostile file could list millions). */
const MAX_DSS_ENTRIES = 4096;

export function readDss(view: PdfRevisionView): DocumentSecurityStore | undefined {
  const context = view.context;
  const catalog = dictAt(context, context.trailerInfo.Root);
  const dss = dictAt(context, entry(catalog, 'DSS'));
  if (!dss) return undefined;
  let encryption: PdfEncryption | undefined;
  if (context.trailerInfo.Encrypt) {
    try {
      encryption = openStandardEncryption(context);
    } catch {
      return undefined; // streams we cannot decrypt hold nothing we can use
    }
  }
  const streams = (key: string): Uint8Array[] => refList(context, entry(dss, key)).slice(0, MAX_DSS_ENTRIES)
    .map((ref) => streamData(context, ref, encryption)).filter((d): d is Uint8Array => d !== undefined);
  const vri = dictAt(context, entry(dss, 'VRI'));
  const vriKeys = new Set<string>();
  for (const [key] of vri?.entries() ?? []) vriKeys.add(key.decodeText().toUpperCase());
  return { data: new EmbeddedValidationData(parseCertificates(streams('Certs')), streams('OCSPs'), streams('CRLs')), vriKeys };
}

function streamData(context: PDFContext, ref: PDFRef, encryption: PdfEncryption | undefined): Uint8Array | undefined {
  const object = context.lookup(ref);
  if (!(object instanceof PDFRawStream)) return undefined;
  try {
    const raw = encryption ? encryption.decrypt(object.contents, encryption.streams, ref.objectNumber, ref.generationNumber) : object.contents;
    return decodeStructureStream(encryption ? PDFRawStream.of(object.dict, raw) : object, 'DSS stream');
  } catch {
    return undefined;
  }
}
