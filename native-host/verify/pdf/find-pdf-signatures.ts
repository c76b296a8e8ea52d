/**
 * Find the signatures of a PDF the way a reader sees them: signature fields (/FT /Sig) of the interactive form
 * that hold a value (/V) [ISO 32000-1 §12.7.4.5, §12.8.1], in the final xref view AND in every earlier revision,
 * so a signature that a later revision redefined or removed is still reported. A field whose value is missing
 * the ByteRange or Contents a verifier needs is still a signature here (it will be reported invalid): viewers
 * show such fields as signed, which is what universal signature forgery relies on.
 */
import { PDFDict, PDFRef, type PDFObject } from 'pdf-lib';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { outlineOf } from './document-outline.js';
import { entry, objectBytes, resolve } from './pdf-object-tools.js';
import type { RevisionViews } from './revision-views.js';

export interface FoundPdfSignature {
  /** The field's fully qualified name. */
  readonly name: string;
  readonly fieldRef: PDFRef;
  /** The field's /V: a reference to the signature dictionary (as ISO 32000-1 Table 232 requires) or a direct object. */
  readonly value: PDFObject;
  /** The signature dictionary as this revision resolves it (undefined: /V is not a dictionary). */
  readonly dict: PDFDict | undefined;
  /** Index of the first revision (in `views.marks`, or marks.length for bytes after the last one) that shows it. */
  readonly revision: number;
}

/** Signatures in order of the first revision showing them; a signature dictionary redefined later is listed again. */
export function findPdfSignatures(views: RevisionViews): FoundPdfSignature[] {
  const out: FoundPdfSignature[] = [];
  const seen = new Set<string>();
  const ends = [...views.marks.map((m) => m.end)];
  if (ends[ends.length - 1] !== views.bytes.length) ends.push(views.bytes.length);
  ends.forEach((end, revision) => {
    const view = end === views.bytes.length ? views.final() : views.at(end);
    if (view instanceof KysoError) return; // an unreadable earlier state: what it held is judged through the later ones
    const outline = outlineOf(view.context);
    for (const field of outline.fields.values()) {
      if (field.type !== 'Sig') continue;
      const value = entry(field.dict, 'V');
      if (value === undefined) continue;
      const target = resolve(view.context, value);
      const dict = target instanceof PDFDict ? target : undefined;
      // The same field with the same signature dictionary (byte for byte) is one signature across revisions.
      const identity = `${field.ref.toString()}|${value.toString()}|${target ? objectBytes(target).toString('latin1') : ''}`;
      if (seen.has(identity)) continue;
      seen.add(identity);
      out.push({ name: field.name, fieldRef: field.ref, value, dict, revision });
    }
  });
  return out;
}
