/**
 * The visible part of a signature: a form XObject used as the widget's normal appearance /AP /N
 * [ISO 32000-1 §12.5.5, §12.7.4.5]. Layout: the seal and the handwritten signature on the left (the signature
 * drawn over the seal, as on paper), the signing information on the right in an embedded Unicode font —
 * Type0 / CIDFontType2, Identity-H, with a ToUnicode CMap so the text can be copied and searched [§9.7, §9.10].
 * Images are image XObjects; PNG alpha becomes an /SMask [§11.6.5.3].
 */
import { randomBytes } from 'node:crypto';
import { PDFArray, PDFContentStream, PDFDict, PDFDocument, PDFFont, PDFImage, PDFRef, PDFName, rgb, degrees, drawImage, drawText, pushGraphicsState, popGraphicsState, type PDFOperator } from 'pdf-lib';
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import type { PdfRect } from '../pdf-signature-options.js';
import { stampFontFor } from './stamp-font.js';
import { memoizeFlateStreams } from './flate-memo.js';

export interface AppearanceInput {
  readonly rect: PdfRect;
  readonly lines: readonly string[];
  readonly fontBytes: Uint8Array;
  readonly signatureImage?: Uint8Array | undefined;
  readonly sealImage?: Uint8Array | undefined;
  /** The page's /Rotate (0, 90, 180, 270): the stamp is counter-rotated so it reads upright on screen. */
  readonly pageRotation?: number;
  /** Default red (Kyso's stamp); black for the Decree 30 copy and appendix marks. */
  readonly textColor?: 'red' | 'black';
}

const TEXT_COLORS = { red: rgb(0.8, 0, 0), black: rgb(0, 0, 0) } as const;

/**
 * Form matrix per page rotation. The viewer turns the page clockwise by /Rotate [ISO 32000-1 §7.7.3.3 Table 30];
 * the appearance is turned counter-clockwise by as much, and Algorithm 8.1 [§12.5.5] then fits the turned
 * BBox onto /Rect.
 */
const ROTATION_MATRIX: Readonly<Record<number, number[]>> = {
  0: [1, 0, 0, 1, 0, 0], 90: [0, 1, -1, 0, 0, 0], 180: [-1, 0, 0, -1, 0, 0], 270: [0, -1, 1, 0, 0, 0],
};

const MAX_FONT_SIZE_PT = 10;
const MIN_FONT_SIZE_PT = 4;
/** Below this, wrapping stops and the text only shrinks (a stamp in a tiny box). */
const MIN_WRAPPED_FONT_SIZE_PT = 6.5;
const PADDING_PT = 2;
/** What the signing time line is written with besides its fixed words (signing-time-text.ts). */
const TIME_CHARACTERS = '0123456789:/';
const LINE_SPACING = 1.2;

/** Registers the appearance's objects in the document's context and returns the form XObject's reference. */
export async function buildAppearance(doc: PDFDocument, given: AppearanceInput): Promise<PDFRef> {
  // Precomposed Vietnamese letters (NFC): one glyph each, as fonts and text extraction expect.
  const input = { ...given, lines: given.lines.map((l) => l.normalize('NFC')) };
  const rotation = (((input.pageRotation ?? 0) % 360) + 360) % 360;
  const matrix = ROTATION_MATRIX[rotation] ?? ROTATION_MATRIX[0]!;
  // Lay the stamp out as the person sees it: on a quarter-turned page the box's sides swap.
  const quarter = rotation === 90 || rotation === 270;
  const width = quarter ? input.rect.height : input.rect.width;
  const height = quarter ? input.rect.width : input.rect.height;
  // Parsed once per font for a whole batch (stamp-font.ts); subset and embedded per document below.
  const stampFont = stampFontFor(input.fontBytes);
  doc.registerFontkit(stampFont.fontkit);
  // The subset font file and its ToUnicode map deflated once per batch, not once per document (flate-memo.ts).
  memoizeFlateStreams(doc.context);
  let font: PDFFont;
  try {
    font = await doc.embedFont(stampFont.bytes, { subset: true });
  } catch (cause) {
    throw new KysoError('BAD_REQUEST', { reason: 'the font could not be read (give a TrueType .ttf file)' }, { cause });
  }
  // A font without Vietnamese glyphs would draw empty boxes in a signed, unchangeable stamp: refuse instead.
  const covered = coveredCodePoints(font.getCharacterSet());
  const missing = [...new Set(input.lines.join(''))].filter((c) => !/\s/.test(c) && !covered.has(c.codePointAt(0)!));
  if (missing.length > 0) {
    throw new KysoError('BAD_REQUEST', { reason: 'the font lacks characters of the signing information', missing: missing.slice(0, 20).join('') });
  }
  const seal = input.sealImage ? await embedImage(doc, input.sealImage, 'seal') : undefined;
  const signature = input.signatureImage ? await embedImage(doc, input.signatureImage, 'signature') : undefined;

  const ops: PDFOperator[] = [];
  const xObjects: Record<string, PDFRef> = {};
  // Images take a square-ish box on the left, as tall as the stamp; text takes the rest (or all of it).
  const hasImages = Boolean(seal || signature);
  const imageBox = hasImages ? Math.min(height, width * (input.lines.length > 0 ? 0.4 : 1)) : 0;
  const place = (image: PDFImage, name: string, box: number, boxWidth: number): void => {
    const scale = Math.min(boxWidth / image.width, box / image.height);
    const w = image.width * scale;
    const h = image.height * scale;
    xObjects[name] = image.ref;
    ops.push(pushGraphicsState(), ...drawImage(name, { x: (boxWidth - w) / 2, y: (height - h) / 2, width: w, height: h, rotate: degrees(0), xSkew: degrees(0), ySkew: degrees(0) }), popGraphicsState());
  };
  const imageAreaWidth = hasImages ? (input.lines.length > 0 ? Math.max(imageBox, width * 0.4) : width) : 0;
  if (seal) place(seal, 'Seal', imageBox, imageAreaWidth);
  if (signature) place(signature, 'Sig', imageBox * (seal ? 0.8 : 1), imageAreaWidth);

  if (input.lines.length > 0) {
    const textX = imageAreaWidth + PADDING_PT;
    const textWidth = width - textX - PADDING_PT;
    const measure = measureWith(font, stampFont);
    const { size, lines } = fitText(measure, input.lines, textWidth, height - 2 * PADDING_PT);
    // The subset numbers glyphs in the order they are first encoded, so the signing time's digits would order it
    // differently from one document to the next. Encoding them first, in a fixed order, makes the subset (and its
    // ToUnicode map) the same bytes for every document of a batch with the same other lines: encoded and deflated
    // once (stamp-font.ts, flate-memo.ts). What is drawn is unchanged; the subset holds at most these 12 more glyphs.
    font.encodeText([...TIME_CHARACTERS].filter((c) => covered.has(c.codePointAt(0)!)).join(''));
    const lineHeight = size * LINE_SPACING;
    const blockHeight = lineHeight * lines.length;
    let y = (height + blockHeight) / 2 - size; // first baseline, the block centred vertically
    for (const line of lines) {
      ops.push(...drawText(font.encodeText(line), { color: TEXT_COLORS[input.textColor ?? 'red'], font: 'F1', size, rotate: degrees(0), xSkew: degrees(0), ySkew: degrees(0), x: textX, y }));
      y -= lineHeight;
    }
  }
  // Glyphs are known only after encodeText: embed (and subset) the font last.
  await font.embed();
  tagSubsetFontName(doc, font.ref);

  const context = doc.context;
  const resources = context.obj({
    Font: { F1: font.ref },
    XObject: Object.fromEntries(Object.entries(xObjects).map(([k, v]) => [k, v])),
    ProcSet: [PDFName.of('PDF'), PDFName.of('Text'), PDFName.of('ImageB'), PDFName.of('ImageC')],
  });
  // What context.formXObject builds, but not deflated: the stamp's operators are a few hundred bytes, and pako
  // allocates ~256 KB of tables for every deflate — per document, garbage the collector has to reclaim [§7.3.8:
  // a stream without /Filter is read as it is].
  const form = PDFContentStream.of(context.obj({ BBox: [0, 0, width, height], Matrix: matrix, Resources: resources, Type: 'XObject', Subtype: 'Form' }), ops, false);
  return context.register(form);
}

/**
 * The font's code points as a set, made once per font: a batch's documents share the parsed font (stamp-font.ts),
 * whose character set is one array (DejaVu Sans: ~6,000 code points) — building the set again per document cost
 * more than the check it serves.
 */
const coveredSets = new WeakMap<readonly number[], ReadonlySet<number>>();

function coveredCodePoints(characterSet: readonly number[]): ReadonlySet<number> {
  let covered = coveredSets.get(characterSet);
  if (!covered) coveredSets.set(characterSet, (covered = new Set(characterSet)));
  return covered;
}

/**
 * `font.widthOfTextAtSize`, with each text's width remembered per font for the next documents: fitting the stamp's
 * text measures every line at every trial size (wrapping tries words one by one), and each measure shaped the text
 * again — a third of a millisecond per document. pdf-lib computes a width as (sum of advance widths × scale) ×
 * (size / 1000); the sum is what is kept (the width at size 1000: × 1), so the widths, and the layout, are the
 * same numbers to the last bit.
 */
const TEXT_WIDTHS = new WeakMap<object, Map<string, number>>();
const MAX_KEPT_WIDTHS = 4096;

function measureWith(font: PDFFont, key: object): MeasureText {
  let widths = TEXT_WIDTHS.get(key);
  if (!widths) TEXT_WIDTHS.set(key, (widths = new Map()));
  const known = widths;
  return (text, size) => {
    let width = known.get(text);
    if (width === undefined) {
      if (known.size >= MAX_KEPT_WIDTHS) known.clear();
      width = font.widthOfTextAtSize(text, 1000);
      known.set(text, width);
    }
    return width * (size / 1000);
  };
}

/**
 * The largest font size at which the lines fit the box: first wrapping long lines at spaces down to a readable
 * size, then, for boxes too small for that, shrinking unwrapped text down to the minimum.
 */
type MeasureText = (text: string, size: number) => number;

function fitText(measure: MeasureText, lines: readonly string[], width: number, height: number): { size: number; lines: string[] } {
  const fits = (ls: string[], size: number) =>
    size * LINE_SPACING * ls.length <= height && ls.every((l) => measure(l, size) <= width);
  for (let size = MAX_FONT_SIZE_PT; size >= MIN_WRAPPED_FONT_SIZE_PT; size -= 0.25) {
    const wrapped = lines.flatMap((l) => wrap(measure, l, size, width));
    if (fits(wrapped, size)) return { size, lines: wrapped };
  }
  for (let size = MIN_WRAPPED_FONT_SIZE_PT; size >= MIN_FONT_SIZE_PT; size -= 0.25) {
    if (fits([...lines], size)) return { size, lines: [...lines] };
  }
  throw new KysoError('BAD_REQUEST', { reason: 'the signature rectangle is too small for the signing information', lines: lines.length });
}

/** Greedy word wrap; continuation lines are indented a little so each item stays recognisable. */
function wrap(measure: MeasureText, line: string, size: number, width: number): string[] {
  if (measure(line, size) <= width) return [line];
  const words = line.split(' ');
  const out: string[] = [];
  let current = '';
  for (const word of words) {
    const candidate = current ? `${current} ${word}` : word;
    if (current && measure(candidate, size) > width) {
      out.push(current);
      current = `  ${word}`;
    } else {
      current = candidate;
    }
  }
  if (current) out.push(current);
  return out;
}

/**
 * A subset font's BaseFont and FontName "shall begin with a tag followed by a plus sign" — six upper-case
 * letters [ISO 32000-1 §9.6.4]. pdf-lib names subsets "Name-1234"; rename the Type0 font, its CIDFont and
 * the descriptor to "ABCDEF+Name" so validators (PDF/A among them) and viewers know it is a subset.
 */
function tagSubsetFontName(doc: PDFDocument, fontRef: PDFRef): void {
  const context = doc.context;
  const type0 = context.lookup(fontRef);
  if (!(type0 instanceof PDFDict)) return;
  const descendants = context.lookup(type0.get(PDFName.of('DescendantFonts')));
  const cidFont = descendants instanceof PDFArray ? context.lookup(descendants.get(0)) : undefined;
  const descriptor = cidFont instanceof PDFDict ? context.lookup(cidFont.get(PDFName.of('FontDescriptor'))) : undefined;
  const current = type0.get(PDFName.of('BaseFont'));
  if (!(current instanceof PDFName)) return;
  const base = current.decodeText().replace(/-\d+$/, '').replace(/^[A-Z]{6}\+/, '');
  const tag = Array.from(randomTagBytes(), (b) => String.fromCharCode(65 + (b % 26))).join('');
  const name = PDFName.of(`${tag}+${base}`);
  type0.set(PDFName.of('BaseFont'), name);
  if (cidFont instanceof PDFDict) cidFont.set(PDFName.of('BaseFont'), name);
  if (descriptor instanceof PDFDict) descriptor.set(PDFName.of('FontName'), name);
}

/**
 * Six random bytes for a subset tag, taken from a pool filled 100 tags at a time: one randomBytes call per document
 * cost about a tenth of a millisecond of CPU in a batch profile. The tags are as random as before.
 */
const TAG_POOL_BYTES = 600;
let tagPool = Buffer.alloc(0);
function randomTagBytes(): Buffer {
  if (tagPool.length < 6) tagPool = randomBytes(TAG_POOL_BYTES);
  const bytes = tagPool.subarray(0, 6);
  tagPool = tagPool.subarray(6);
  return bytes;
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
