/**
 * The visible part of a signature: a form XObject used as the widget's normal appearance /AP /N
 * [ISO 32000-1 §12.5.5, §12.7.4.5]. Layout: the seal and the handwritten signature on the left (the signature
 * drawn over the seal, as on paper), the signing information on the right in an embedded Unicode font —
 * Type0 / CIDFontType2, Identity-H, with a ToUnicode CMap so the text can be copied and searched [§9.7, §9.10].
 * Images are image XObjects; PNG alpha becomes an /SMask [§11.6.5.3].
 *
 * Two ways to write the same stamp, from one layout (stamp-layout.ts):
 * - as pdf-lib objects (drawStamp): the font embedded and subset, the images embedded, the content stream's
 *   operators — what an encrypted file needs (its update's strings and streams are encrypted object by object), and
 *   what a prepared stamp is made from;
 * - from bytes prepared once per batch (prepared-stamp.ts): every document of a batch whose stamp differs only in
 *   its text codes (the signing time) gets the objects drawStamp wrote for the first one, with its own object
 *   numbers, subset tag and text spliced in.
 */
import { PDFArray, PDFContentStream, PDFDict, PDFDocument, PDFFont, PDFHexString, PDFImage, PDFRef, PDFName, rgb, degrees, drawImage, drawText, pushGraphicsState, popGraphicsState, type PDFOperator } from 'pdf-lib';
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import { memoizeFlateStreams } from './flate-memo.js';
import { layOutStamp, LINE_SPACING, type AppearanceInput, type StampLayout } from './stamp-layout.js';
import { placePreparedStamp } from './prepared-stamp.js';
import { randomSubsetTag } from './subset-tag.js';

export type { AppearanceInput } from './stamp-layout.js';

export interface AppearanceOptions {
  /** Write pdf-lib objects, not prepared bytes (an encrypted file: see above). */
  readonly asObjects?: boolean;
}

const TEXT_COLORS = { red: rgb(0.8, 0, 0), black: rgb(0, 0, 0) } as const;

/** Registers the appearance's objects in the document's context and returns the form XObject's reference. */
export async function buildAppearance(doc: PDFDocument, given: AppearanceInput, options: AppearanceOptions = {}): Promise<PDFRef> {
  const layout = layOutStamp(given);
  if (!options.asObjects) {
    const placed = await placePreparedStamp(doc.context, layout, drawStamp);
    if (placed) return placed;
  }
  return (await drawStamp(doc, layout)).form;
}

export interface DrawnStamp {
  readonly form: PDFRef;
  /** The subset font's tag (six letters): in the Type0 font, its CIDFont and the descriptor. */
  readonly tag: string;
}

/**
 * The stamp as pdf-lib objects registered in `doc`. `operandOf` may replace what a line's text operator shows
 * (prepared-stamp.ts marks where each line's codes go); by default the codes pdf-lib encoded.
 */
export async function drawStamp(doc: PDFDocument, layout: StampLayout, operandOf?: (line: number, encoded: PDFHexString) => PDFHexString): Promise<DrawnStamp> {
  const { input, stampFont, width, height } = layout;
  doc.registerFontkit(stampFont.fontkit);
  // The subset font file and its ToUnicode map deflated once per batch, not once per document (flate-memo.ts).
  memoizeFlateStreams(doc.context);
  let font: PDFFont;
  try {
    font = await doc.embedFont(stampFont.bytes, { subset: true });
  } catch (cause) {
    throw new KysoError('BAD_REQUEST', { reason: 'the font could not be read (give a TrueType .ttf file)' }, { cause });
  }
  const seal = input.sealImage ? await embedImage(doc, input.sealImage, 'seal') : undefined;
  const signature = input.signatureImage ? await embedImage(doc, input.signatureImage, 'signature') : undefined;

  const ops: PDFOperator[] = [];
  const xObjects: Record<string, PDFRef> = {};
  const { box: imageBox, width: imageAreaWidth } = layout.images;
  const place = (image: PDFImage, name: string, box: number, boxWidth: number): void => {
    const scale = Math.min(boxWidth / image.width, box / image.height);
    const w = image.width * scale;
    const h = image.height * scale;
    xObjects[name] = image.ref;
    ops.push(pushGraphicsState(), ...drawImage(name, { x: (boxWidth - w) / 2, y: (height - h) / 2, width: w, height: h, rotate: degrees(0), xSkew: degrees(0), ySkew: degrees(0) }), popGraphicsState());
  };
  if (seal) place(seal, 'Seal', imageBox, imageAreaWidth);
  if (signature) place(signature, 'Sig', imageBox * (seal ? 0.8 : 1), imageAreaWidth);

  if (layout.lines.length > 0) {
    // The time characters first, in a fixed order (stamp-layout.ts): the same subset for every signing time.
    font.encodeText(layout.timeCharacters);
    const size = layout.size;
    const lineHeight = size * LINE_SPACING;
    const blockHeight = lineHeight * layout.lines.length;
    let y = (height + blockHeight) / 2 - size; // first baseline, the block centred vertically
    layout.lines.forEach((line, i) => {
      const encoded = font.encodeText(line);
      ops.push(...drawText(operandOf ? operandOf(i, encoded) : encoded, { color: TEXT_COLORS[input.textColor ?? 'red'], font: 'F1', size, rotate: degrees(0), xSkew: degrees(0), ySkew: degrees(0), x: layout.textX, y }));
      y -= lineHeight;
    });
  }
  // Glyphs are known only after encodeText: embed (and subset) the font last.
  await font.embed();
  const tag = tagSubsetFontName(doc, font.ref);

  const context = doc.context;
  const resources = context.obj({
    Font: { F1: font.ref },
    XObject: Object.fromEntries(Object.entries(xObjects).map(([k, v]) => [k, v])),
    ProcSet: [PDFName.of('PDF'), PDFName.of('Text'), PDFName.of('ImageB'), PDFName.of('ImageC')],
  });
  // What context.formXObject builds, but not deflated: the stamp's operators are a few hundred bytes, and pako
  // allocates ~256 KB of tables for every deflate — per document, garbage the collector has to reclaim [§7.3.8:
  // a stream without /Filter is read as it is].
  const form = PDFContentStream.of(context.obj({ BBox: [0, 0, width, height], Matrix: [...layout.matrix], Resources: resources, Type: 'XObject', Subtype: 'Form' }), ops, false);
  return { form: context.register(form), tag };
}

/**
 * A subset font's BaseFont and FontName "shall begin with a tag followed by a plus sign" — six upper-case
 * letters [ISO 32000-1 §9.6.4]. pdf-lib names subsets "Name-1234"; rename the Type0 font, its CIDFont and
 * the descriptor to "ABCDEF+Name" so validators (PDF/A among them) and viewers know it is a subset.
 */
function tagSubsetFontName(doc: PDFDocument, fontRef: PDFRef): string {
  const context = doc.context;
  const tag = randomSubsetTag();
  const type0 = context.lookup(fontRef);
  if (!(type0 instanceof PDFDict)) return tag;
  const descendants = context.lookup(type0.get(PDFName.of('DescendantFonts')));
  const cidFont = descendants instanceof PDFArray ? context.lookup(descendants.get(0)) : undefined;
  const descriptor = cidFont instanceof PDFDict ? context.lookup(cidFont.get(PDFName.of('FontDescriptor'))) : undefined;
  const current = type0.get(PDFName.of('BaseFont'));
  if (!(current instanceof PDFName)) return tag;
  const base = current.decodeText().replace(/-\d+$/, '').replace(/^[A-Z]{6}\+/, '');
  const name = PDFName.of(`${tag}+${base}`);
  type0.set(PDFName.of('BaseFont'), name);
  if (cidFont instanceof PDFDict) cidFont.set(PDFName.of('BaseFont'), name);
  if (descriptor instanceof PDFDict) descriptor.set(PDFName.of('FontName'), name);
  return tag;
}

async function embedImage(doc: PDFDocument, given: Uint8Array, role: string): Promise<PDFImage> {
  // pdf-lib's JPEG reader views `bytes.buffer` from offset 0: a Node Buffer from the shared pool would be misread.
  const bytes = new Uint8Array(given);
  let image: PDFImage;
  try {
    if (isPng(bytes)) image = await doc.embedPng(bytes);
    else if (bytes[0] === 0xff && bytes[1] === 0xd8) image = await doc.embedJpg(bytes);
    else throw new KysoError('BAD_REQUEST', { reason: `the ${role} image is neither PNG nor JPEG` });
    await image.embed();
  } catch (cause) {
    if (cause instanceof KysoError) throw cause;
    throw new KysoError('BAD_REQUEST', { reason: `the ${role} image could not be read` }, { cause });
  }
  return image;
}

function isPng(b: Uint8Array): boolean {
  return b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}
