/**
 * The signatures and document time-stamps of a PDF as the long-term steps need them: the CMS (or RFC 3161 token)
 * each holds, and the /Contents bytes as stored (the VRI key is their SHA-1). Found the way the verifier finds
 * them (verify/pdf/): signature fields of every revision, each with an honest /ByteRange.
 */
import { PDFHexString } from 'pdf-lib';
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import { RevisionViews } from '../../../verify/pdf/revision-views.js';
import { findPdfSignatures } from '../../../verify/pdf/find-pdf-signatures.js';
import { locateSignedRevision } from '../../../verify/pdf/signed-revision.js';
import { entry, nameText } from '../../../verify/pdf/pdf-object-tools.js';

export interface PdfSignatureContents {
  readonly name: string;
  readonly documentTimestamp: boolean;
  /** The DER CMS (a TimeStampToken for a document time-stamp), padding removed. */
  readonly cms: Uint8Array;
  /** /Contents as stored, padding included. */
  readonly contents: Uint8Array;
}

export function pdfSignatureContents(pdf: Uint8Array): PdfSignatureContents[] {
  const views = new RevisionViews(pdf);
  const out: PdfSignatureContents[] = [];
  for (const found of findPdfSignatures(views)) {
    const located = locateSignedRevision(views, found);
    const contents = entry(found.dict, 'Contents');
    if (!located.ok || !(contents instanceof PDFHexString)) {
      throw new KysoError('INVALID_DOCUMENT', { reason: `signature '${found.name.slice(0, 100)}' is damaged (${located.ok ? 'no /Contents' : located.reason.code}): verify the file first` });
    }
    out.push({
      name: found.name,
      documentTimestamp: nameText(entry(found.dict, 'SubFilter')) === 'ETSI.RFC3161',
      cms: located.signed.contents,
      contents: contents.asBytes(),
    });
  }
  return out;
}
