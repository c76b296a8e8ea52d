/**
 * Build the incremental update that adds one signature [ISO 32000-1 §12.8, ETSI EN 319 142-1 §5]:
 * the signature dictionary (/ByteRange and /Contents placeholders), a signature field merged with its widget
 * annotation on the chosen page, the page's updated /Annots, the AcroForm with /SigFlags 3 (SignaturesExist |
 * AppendOnly) [§12.7.2 Table 219], and the appearance stream. The caller appends the bytes, fills /ByteRange,
 * hashes the byte range and writes the CMS into /Contents.
 */
import { PDFArray, PDFDict, PDFHexString, PDFName, PDFRef, PDFString, PDFNumber, type PDFObject } from 'pdf-lib';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { PdfStructure } from './read-pdf-structure.js';
import { serializePdfObject, writeIncrementalUpdate, type UpdateObject } from './write-incremental-update.js';
import { signerNamesOf } from './appearance/signer-names.js';
import { PDF_MAX_OBJECT_NUMBER } from './xref/pdf-limits.js';
import { placeSignature } from './signature-placement.js';
import { drawFormAppearances, formObjectRefs, needsAppearances } from './form-appearances.js';
import { decryptObjectStrings } from './encryption/decrypt-object-strings.js';
import { encryptedBytes, encryptedText, encryptNewObject } from './encryption/encrypt-update-objects.js';
import { formatPdfDate, formatVietnameseTime } from './appearance/signing-time-text.js';
import { DEFAULT_FONT_PATH, VIETNAM_UTC_OFFSET_MINUTES, type PdfSignatureOptions } from './pdf-signature-options.js';
import { loadOnce } from '../../load-once.js';

export interface SignatureIncrement {
  /** The bytes to append after the input (starts with an end-of-line when the input lacks one). */
  readonly bytes: Uint8Array;
  /** Offsets inside `bytes`: the `[` of /ByteRange's value and its fixed width; the `<` of /Contents. */
  readonly byteRangeAt: number;
  readonly byteRangeWidth: number;
  readonly contentsAt: number;
  /** Bytes of CMS the /Contents hex string can hold. */
  readonly placeholderBytes: number;
}

/** Room for four integers up to 10^12 (files up to a terabyte), written `[0 a b c]` and padded with spaces. */
const BYTE_RANGE_WIDTH = 2 + 4 * 13;
const WIDGET_FLAGS_PRINT_LOCKED = 4 | 128; // [§12.5.3 Table 165] Print, Locked

const enc = new TextEncoder();

/**
 * @param documentTimestamp write a document time-stamp field (/Type /DocTimeStamp, /SubFilter /ETSI.RFC3161,
 *   invisible) instead of a signature: /Contents then receives an RFC 3161 token over the byte range (ltv/).
 */
export async function buildSignatureIncrement(structure: PdfStructure, options: PdfSignatureOptions, placeholderBytes: number, pdfBytes: Uint8Array, documentTimestamp = false): Promise<SignatureIncrement> {
  const { doc } = structure;
  const context = doc.context;
  // New objects get numbers above every number in use, including free ones counted by /Size [§7.5.4].
  context.largestObjectNumber = Math.max(context.largestObjectNumber, structure.size - 1);
  const base = context.largestObjectNumber;
  const changed = new Set<PDFRef>();
  const rootRef = context.trailerInfo.Root as PDFRef;

  const time = options.signingTime ?? new Date();
  const offset = options.timeZoneOffsetMinutes ?? VIETNAM_UTC_OFFSET_MINUTES;
  const info = options.signerCertificate ? await signerNamesOf(options.signerCertificate) : undefined;
  const signerName = options.signerName ?? info?.commonName;

  refuseLockedCertification(structure);
  const sigRef = context.nextRef();
  const placement = await placeSignature(doc, options, pdfBytes);
  const { page, rect } = placement;

  let apRef: PDFRef | undefined;
  const visible = options.visible;
  if (visible) {
    // The stamp's code (fontkit, the font files) is imported only for a visible signature: an invisible one, and a
    // large file's signing above all, does not pay for loading it.
    const [{ buildAppearance }, { resolveStampFont }] = await stampModules();
    const lines = visible.lines ?? defaultLines(signerName, info?.organization, time, offset, options.reason, options.location);
    // The first installed font of the typeface that draws every character (appearance/resolve-font.ts; font files
    // read and parsed once per process, appearance/stamp-font.ts).
    const fontBytes = visible.fontBytes ?? (await resolveStampFont(visible.typeface ?? 'sans', lines.join(''))).bytes;
    // An encrypted file's new strings and streams are encrypted object by object (below): its stamp is written as
    // pdf-lib objects; any other file's from bytes prepared once per batch (appearance/prepared-stamp.ts).
    apRef = await buildAppearance(doc, {
      rect, lines, fontBytes, signatureImage: visible.signatureImage, sealImage: visible.sealImage, pageRotation: placement.rotation,
      ...(visible.textColor ? { textColor: visible.textColor } : {}),
    }, { asObjects: structure.encryption !== undefined });
  }

  // The signature field merged with its widget annotation [§12.7.3.1, §12.7.4.5].
  const acroForm = getOrCreateAcroForm(structure, changed, rootRef);
  // Objects whose strings were decrypted to be read: encrypted again, with their own number, if the update writes them.
  const decrypted = new Set<number>();
  if (needsAppearances(doc, acroForm.dict) && readableForm(structure, acroForm, decrypted)) {
    // Draw the form's fields and clear /NeedAppearances, so every viewer shows the values and the stamp (form-appearances.ts).
    const { readFontFile } = await import('./appearance/stamp-font.js');
    const fontBytes = visible?.fontBytes ?? await readFontFile(DEFAULT_FONT_PATH).catch(() => undefined);
    for (const ref of (await drawFormAppearances(doc, acroForm.dict, fontBytes)).changed) changed.add(ref);
  }
  const fields = getOrCreateArray(acroForm.dict, 'Fields', acroForm.owner, structure, changed);
  const widget = context.obj({
    Type: 'Annot', Subtype: 'Widget', FT: 'Sig',
    T: PDFString.of(uniqueFieldName(structure, fields)),
    V: sigRef, P: page.ref, F: WIDGET_FLAGS_PRINT_LOCKED,
    Rect: [rect.x, rect.y, rect.x + rect.width, rect.y + rect.height],
  });
  if (apRef) widget.set(PDFName.of('AP'), context.obj({ N: apRef }));
  const widgetRef = context.register(widget);
  fields.push(widgetRef);
  acroForm.dict.set(PDFName.of('SigFlags'), PDFNumber.of(3));
  const annots = getOrCreateArray(page.node, 'Annots', page.ref, structure, changed);
  annots.push(widgetRef);

  // Signature dictionary, written by hand so the placeholders' offsets are known [§12.8.1 Table 252].
  const subFilter = options.subFilter ?? 'ETSI.CAdES.detached';
  // A document time-stamp [ETSI EN 319 142-1 §5.4.3; ISO 32000-2 §12.8.5] has only these keys: no signer, no /M.
  const head = documentTimestamp ? '/Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161' : `/Type /Sig /Filter /Adobe.PPKLite /SubFilter /${subFilter}`;
  // The body up to /Contents' `<`, the placeholder's zeros, and the rest from its `>`: written as bytes around the
  // zeros, not as one string (16 KB of '0' encoded again for every document of a batch).
  const beforeContents = enc.encode(`<< ${head} /ByteRange [${' '.repeat(BYTE_RANGE_WIDTH - 2)}] /Contents <`);
  const byteRangeInBody = Buffer.from(beforeContents.buffer, beforeContents.byteOffset, beforeContents.byteLength).indexOf('/ByteRange [') + '/ByteRange '.length;
  const contentsInBody = beforeContents.length - 1;
  let sigBody: string;
  // Strings of an encrypted file are encrypted with the signature object's key — except /Contents [§7.6.1].
  const encryption = structure.encryption;
  const text = (value: string) => (encryption ? encryptedText(value, encryption, sigRef.objectNumber) : PDFHexString.fromText(value).toString());
  const date = formatPdfDate(time, offset);
  if (documentTimestamp) {
    sigBody = '> >>';
  } else {
    sigBody = `> /M ${encryption ? encryptedBytes(enc.encode(date), encryption, sigRef.objectNumber) : `(${date})`}`;
    if (signerName) sigBody += ` /Name ${text(signerName)}`;
    if (options.reason) sigBody += ` /Reason ${text(options.reason)}`;
    if (options.location) sigBody += ` /Location ${text(options.location)}`;
    if (options.contactInfo) sigBody += ` /ContactInfo ${text(options.contactInfo)}`;
    // Prop_Build is informative only [PDF Signature Build Dictionary spec]; name the app for support.
    sigBody += ' /Prop_Build << /App << /Name /Kyso >> >> >>';
  }

  // New objects (and the xref stream's own number) must stay within the PDF's object-number limit [Annex C].
  if (context.largestObjectNumber + 1 > PDF_MAX_OBJECT_NUMBER) {
    throw new KysoError('UNSUPPORTED_DOCUMENT', { reason: `no object numbers left below the PDF limit of ${PDF_MAX_OBJECT_NUMBER}`, size: structure.size });
  }
  if (encryption) {
    for (const [ref] of context.enumerateIndirectObjects()) if (ref !== sigRef && ref.objectNumber > base) encryptNewObject(context, ref, encryption);
    // An object read from an object stream had its strings in clear inside that (encrypted) stream; rewritten as a
    // plain object it must carry them encrypted with its own number [§7.6.1]. Objects read as plain objects keep
    // the encrypted strings they were read with.
    // Objects decrypted to redraw a form are encrypted again the same way.
    for (const ref of changed) {
      if (structure.view.locations.get(ref.objectNumber)?.kind === 'compressed' || decrypted.has(ref.objectNumber)) encryptNewObject(context, ref, encryption);
    }
  }
  const objects: UpdateObject[] = [{ objectNumber: sigRef.objectNumber, generation: 0, body: signatureBody(beforeContents, placeholderBytes * 2, enc.encode(sigBody)) }];
  for (const [ref, object] of context.enumerateIndirectObjects()) {
    if (ref === sigRef) continue;
    if (ref.objectNumber > base || changed.has(ref)) {
      objects.push({ objectNumber: ref.objectNumber, generation: ref.generationNumber, body: serializePdfObject(object) });
    }
  }
  for (const ref of changed) {
    if (!objects.some((o) => o.objectNumber === ref.objectNumber)) {
      objects.push({ objectNumber: ref.objectNumber, generation: ref.generationNumber, body: serializePdfObject(context.lookup(ref) as PDFObject) });
    }
  }

  const leadingEol = !structure.endsWithEol;
  const written = writeIncrementalUpdate(objects, {
    prevStartXref: structure.prevStartXref, size: structure.size, root: rootRef,
    info: context.trailerInfo.Info, id: context.trailerInfo.ID, encrypt: context.trailerInfo.Encrypt, xrefIsStream: structure.xrefIsStream,
    ...(structure.view.repairedFrom !== undefined ? { rebuiltXref: rebuiltEntries(structure) } : {}),
  }, structure.length, leadingEol);
  const sigAt = written.bodyOffsets.get(sigRef.objectNumber)!;
  return {
    bytes: written.bytes,
    byteRangeAt: sigAt + byteRangeInBody,
    byteRangeWidth: BYTE_RANGE_WIDTH,
    contentsAt: sigAt + contentsInBody,
    placeholderBytes,
  };
}

/** `before`, `hexDigits` zeros (the /Contents placeholder) and `after`, in one array. */
function signatureBody(before: Uint8Array, hexDigits: number, after: Uint8Array): Uint8Array {
  const body = new Uint8Array(before.length + hexDigits + after.length);
  body.set(before, 0);
  body.fill(0x30, before.length, before.length + hexDigits);
  body.set(after, before.length + hexDigits);
  return body;
}

/** The stamp's modules, imported on the first visible signature and kept for the batch's next documents (load-once.ts). */
const stampModules = loadOnce(() => Promise.all([import('./appearance/build-appearance.js'), import('./appearance/resolve-font.js')]));

/**
 * In an encrypted file the form's strings (/V, /DA, /Opt…) are encrypted as read: decrypt them — in the AcroForm's
 * owner and the field tree's plain objects (object-stream members were read in clear) — so the fields can be drawn
 * with their real values. False (the form is left for viewers to draw) when a string does not decrypt.
 */
function readableForm(structure: PdfStructure, acroForm: { dict: PDFDict; owner: PDFRef }, decrypted: Set<number>): boolean {
  const encryption = structure.encryption;
  if (!encryption) return true;
  const context = structure.doc.context;
  for (const ref of [acroForm.owner, ...formObjectRefs(structure.doc, acroForm.dict)]) {
    if (decrypted.has(ref.objectNumber) || structure.view.locations.get(ref.objectNumber)?.kind !== 'offset') continue;
    decrypted.add(ref.objectNumber);
    try {
      decryptObjectStrings(context, ref, encryption);
    } catch {
      return false;
    }
  }
  return true;
}

/** Every object of a repaired file at the offset its definition really has (xref/repair-xref.ts). */
function rebuiltEntries(structure: PdfStructure): Map<number, { offset: number; generation: number }> {
  const entries = new Map<number, { offset: number; generation: number }>();
  for (const [n, where] of structure.view.locations) if (where.kind === 'offset') entries.set(n, { offset: where.offset, generation: where.generation });
  return entries;
}

/** `[0 a b c]` padded with spaces to the reserved width: the bytes before and after /Contents [§12.8.1]. */
export function byteRangeText(contentsStart: number, contentsEnd: number, fileLength: number, width = BYTE_RANGE_WIDTH): string {
  const text = `[0 ${contentsStart} ${contentsEnd} ${fileLength - contentsEnd}]`;
  if (text.length > width) throw new KysoError('PAYLOAD_TOO_LARGE', { reason: 'file too large for the byte range' });
  return text.slice(0, -1) + ' '.repeat(width - text.length) + ']';
}

function defaultLines(name: string | undefined, organization: string | undefined, time: Date, offset: number, reason?: string, location?: string): string[] {
  const lines: string[] = [];
  if (name) lines.push(`Ký bởi: ${name}`);
  if (organization) lines.push(`Cơ quan: ${organization}`);
  lines.push(`Thời gian ký: ${formatVietnameseTime(time, offset)}`);
  if (reason) lines.push(`Lý do: ${reason}`);
  if (location) lines.push(`Nơi ký: ${location}`);
  return lines;
}

/**
 * A certified document whose DocMDP permission is 1 allows no change at all, a new signature included
 * [ISO 32000-1 §12.8.2.2 Table 254]: adding one would break the certification, so refuse up front.
 */
function refuseLockedCertification(structure: PdfStructure): void {
  const context = structure.doc.context;
  const perms = context.lookup(structure.doc.catalog.get(PDFName.of('Perms')));
  if (!(perms instanceof PDFDict)) return;
  const sig = context.lookup(perms.get(PDFName.of('DocMDP')));
  if (!(sig instanceof PDFDict)) return;
  const references = context.lookup(sig.get(PDFName.of('Reference')));
  if (!(references instanceof PDFArray)) return;
  for (const item of references.asArray()) {
    const reference = context.lookup(item);
    if (!(reference instanceof PDFDict)) continue;
    const params = context.lookup(reference.get(PDFName.of('TransformParams')));
    const p = params instanceof PDFDict ? context.lookup(params.get(PDFName.of('P'))) : undefined;
    if (p instanceof PDFNumber && p.asNumber() === 1) {
      throw new KysoError('UNSUPPORTED_DOCUMENT', { reason: 'the document is certified with "no changes allowed" (DocMDP P=1): it cannot be signed again' });
    }
  }
}

/** The AcroForm dictionary and the object that must be rewritten when it changes (itself, or the catalog). */
function getOrCreateAcroForm(structure: PdfStructure, changed: Set<PDFRef>, rootRef: PDFRef): { dict: PDFDict; owner: PDFRef } {
  const context = structure.doc.context;
  const catalog = structure.doc.catalog;
  const entry = catalog.get(PDFName.of('AcroForm'));
  if (entry instanceof PDFRef) {
    const dict = context.lookup(entry);
    if (dict instanceof PDFDict) { changed.add(entry); return { dict, owner: entry }; }
  }
  if (entry instanceof PDFDict) { changed.add(rootRef); return { dict: entry, owner: rootRef }; }
  const dict = context.obj({ Fields: [] });
  const ref = context.register(dict);
  catalog.set(PDFName.of('AcroForm'), ref);
  changed.add(rootRef);
  return { dict, owner: ref };
}

/** An array entry of a dictionary; an indirect array is rewritten as its own object, a direct one with its owner. */
function getOrCreateArray(dict: PDFDict, key: string, owner: PDFRef, structure: PdfStructure, changed: Set<PDFRef>): PDFArray {
  const context = structure.doc.context;
  const entry = dict.get(PDFName.of(key));
  if (entry instanceof PDFRef) {
    const array = context.lookup(entry);
    if (array instanceof PDFArray) { changed.add(entry); return array; }
  }
  changed.add(owner);
  if (entry instanceof PDFArray) return entry;
  const array = context.obj([]);
  dict.set(PDFName.of(key), array);
  return array;
}

/** "Signature1", "Signature2", … — the first name no existing top-level field uses [§12.7.3.2]. */
function uniqueFieldName(structure: PdfStructure, fields: PDFArray): string {
  const used = new Set<string>();
  const encryption = structure.encryption;
  for (const item of fields.asArray()) {
    const field = structure.doc.context.lookup(item);
    if (field instanceof PDFDict) {
      const t = field.get(PDFName.of('T'));
      if (!(t instanceof PDFString || t instanceof PDFHexString)) continue;
      // In an encrypted file the name is encrypted with its field's key [ISO 32000-1 §7.6.2]: decrypt it to compare.
      if (encryption && item instanceof PDFRef) {
        const clear = encryption.decrypt(t.asBytes(), encryption.strings, item.objectNumber, item.generationNumber);
        used.add(PDFHexString.of(Buffer.from(clear).toString('hex')).decodeText());
      } else {
        used.add(t.decodeText());
      }
    }
  }
  for (let i = 1; ; i++) if (!used.has(`Signature${i}`)) return `Signature${i}`;
}
