/**
 * Where everything of a stamp goes, decided before anything is written: the box as the person sees it (counter-
 * rotated on a turned page), the font size and the wrapped lines of the signing information, and the glyph codes
 * each line is written with. ONE layout for both ways a stamp is written (build-appearance.ts: pdf-lib objects, or
 * prepared bytes, prepared-stamp.ts), so both draw the same text at the same place with the same codes.
 *
 * The codes are what pdf-lib's subset embedder writes: a font subset numbers its glyphs in the order they are first
 * encoded, .notdef being 0 [fontkit Subset]; pdf-lib writes a glyph's subset number as 4 upper-case hex digits.
 */
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import type { PdfRect } from '../pdf-signature-options.js';
import { stampFontFor, type StampFont } from './stamp-font.js';

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

/** What pdf-lib calls on a registered fontkit: `create(bytes)` → a font. */
type ParsedFont = ReturnType<StampFont['fontkit']['create']>;

export interface StampLayout {
  readonly input: AppearanceInput;
  readonly stampFont: StampFont;
  /** The font parsed once per batch (stamp-font.ts). */
  readonly font: ParsedFont;
  /** The page rotation, normalised to 0, 90, 180 or 270; the form's /Matrix for it. */
  readonly rotation: number;
  readonly matrix: readonly number[];
  /** The stamp's box as displayed (sides swapped on a quarter-turned page). */
  readonly width: number;
  readonly height: number;
  /** The images' square-ish box (as tall as the stamp) and the area on the left it is centred in (0 without images). */
  readonly images: { readonly box: number; readonly width: number };
  /** Where the lines start: after the images' area (which is as wide as the box without text). */
  readonly textX: number;
  /** The fitted text: its size and the lines after wrapping (none without signing information). */
  readonly size: number;
  readonly lines: readonly string[];
  /** The time characters encoded first (see below); empty without text. */
  readonly timeCharacters: string;
  /** Glyph ids in subset order (.notdef first), and each line's codes as pdf-lib writes them (hex). */
  readonly glyphOrder: readonly number[];
  readonly lineCodes: readonly string[];
}

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
export const LINE_SPACING = 1.2;

export function layOutStamp(given: AppearanceInput): StampLayout {
  // Precomposed Vietnamese letters (NFC): one glyph each, as fonts and text extraction expect.
  const input = { ...given, lines: given.lines.map((l) => l.normalize('NFC')) };
  const rotation = (((input.pageRotation ?? 0) % 360) + 360) % 360;
  const matrix = ROTATION_MATRIX[rotation] ?? ROTATION_MATRIX[0]!;
  // Lay the stamp out as the person sees it: on a quarter-turned page the box's sides swap.
  const quarter = rotation === 90 || rotation === 270;
  const width = quarter ? input.rect.height : input.rect.width;
  const height = quarter ? input.rect.width : input.rect.height;
  // Parsed once per font for a whole batch (stamp-font.ts).
  const stampFont = stampFontFor(input.fontBytes);
  let font: ParsedFont;
  try {
    font = stampFont.fontkit.create(stampFont.bytes);
  } catch (cause) {
    throw new KysoError('BAD_REQUEST', { reason: 'the font could not be read (give a TrueType .ttf file)' }, { cause });
  }
  // A font without Vietnamese glyphs would draw empty boxes in a signed, unchangeable stamp: refuse instead.
  const covered = coveredCodePoints(font.characterSet);
  if (!input.lines.every((line) => coversLine(covered, line))) {
    const missing = [...new Set(input.lines.join(''))].filter((c) => !/\s/.test(c) && !covered.has(c.codePointAt(0)!));
    throw new KysoError('BAD_REQUEST', { reason: 'the font lacks characters of the signing information', missing: missing.slice(0, 20).join('') });
  }
  // Images take a square-ish box on the left, as tall as the stamp; text takes the rest (or all of it).
  const images = imageArea(input, width, height);
  const textX = images.width + PADDING_PT;
  let size = 0;
  let lines: string[] = [];
  let timeCharacters = '';
  if (input.lines.length > 0) {
    const textWidth = width - textX - PADDING_PT;
    ({ size, lines } = fitText(measureWith(font, stampFont), input.lines, textWidth, height - 2 * PADDING_PT));
    // The subset numbers glyphs in the order they are first encoded, so the signing time's digits would order it
    // differently from one document to the next. Encoding them first, in a fixed order, makes the subset (and its
    // ToUnicode map) the same bytes for every document of a batch with the same other lines: prepared once
    // (prepared-stamp.ts). What is drawn is unchanged; the subset holds at most these 12 more glyphs.
    timeCharacters = [...TIME_CHARACTERS].filter((c) => covered.has(c.codePointAt(0)!)).join('');
  }
  const { order, codes } = encodeLines(font, timeCharacters, lines);
  return { input, stampFont, font, rotation, matrix, width, height, images, textX, size, lines, timeCharacters, glyphOrder: order, lineCodes: codes };
}

/** The images' square-ish box on the left (as tall as the stamp) and the area it is centred in. */
function imageArea(input: Pick<AppearanceInput, 'lines' | 'sealImage' | 'signatureImage'>, width: number, height: number): { box: number; width: number } {
  const hasImages = Boolean(input.sealImage || input.signatureImage);
  const hasText = input.lines.length > 0;
  const box = hasImages ? Math.min(height, width * (hasText ? 0.4 : 1)) : 0;
  return { box, width: hasImages ? (hasText ? Math.max(box, width * 0.4) : width) : 0 };
}

/**
 * The subset order and each line's codes, as pdf-lib's subset embedder assigns them: the time characters encoded
 * first (as one text), then the lines in order; a glyph keeps the number of its first encoding.
 */
function encodeLines(font: ParsedFont, timeCharacters: string, lines: readonly string[]): { order: number[]; codes: string[] } {
  const order = [0];
  const numbers = new Map<number, number>([[0, 0]]);
  const include = (id: number): number => {
    let n = numbers.get(id);
    if (n === undefined) {
      n = order.length;
      order.push(id);
      numbers.set(id, n);
    }
    return n;
  };
  if (timeCharacters) for (const glyph of font.layout(timeCharacters).glyphs) include(glyph.id);
  const codes = lines.map((line) => {
    let hex = '';
    for (const glyph of font.layout(line).glyphs) hex += hex4(include(glyph.id));
    return hex;
  });
  return { order, codes };
}

/** A subset number as pdf-lib writes it (4 upper-case hex digits, more if it must), kept: a stamp writes ~100 a document. */
const HEX4: string[] = [];
function hex4(n: number): string {
  return (HEX4[n] ??= n.toString(16).padStart(4, '0').toUpperCase());
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
 * Lines the font is known to draw whole, per font: a batch's lines recur (all but the time, which changes once a
 * second), and checking each character against the font again showed in a batch's profile.
 */
const coveredLines = new WeakMap<ReadonlySet<number>, Set<string>>();
const MAX_KEPT_LINES = 4096;

function coversLine(covered: ReadonlySet<number>, line: string): boolean {
  let known = coveredLines.get(covered);
  if (!known) coveredLines.set(covered, (known = new Set()));
  if (known.has(line)) return true;
  for (const c of line) if (!/\s/.test(c) && !covered.has(c.codePointAt(0)!)) return false;
  if (known.size >= MAX_KEPT_LINES) known.clear();
  known.add(line);
  return true;
}

/**
 * A text's width, remembered per font for the next documents: fitting the stamp's text measures every line at every
 * trial size (wrapping tries words one by one). Computed as pdf-lib's `widthOfTextAtSize` does — the sum of the
 * glyphs' advance widths × (1000 / unitsPerEm), × size / 1000 — with the sum kept (the width at size 1000), so the
 * widths, and the layout, are the same numbers to the last bit.
 */
const TEXT_WIDTHS = new WeakMap<object, Map<string, number>>();
const MAX_KEPT_WIDTHS = 4096;

type MeasureText = (text: string, size: number) => number;

function measureWith(font: ParsedFont, key: object): MeasureText {
  let widths = TEXT_WIDTHS.get(key);
  if (!widths) TEXT_WIDTHS.set(key, (widths = new Map()));
  const known = widths;
  const scale = 1000 / font.unitsPerEm;
  return (text, size) => {
    let width = known.get(text);
    if (width === undefined) {
      if (known.size >= MAX_KEPT_WIDTHS) known.clear();
      let total = 0;
      for (const glyph of font.layout(text).glyphs) total += glyph.advanceWidth * scale;
      width = total;
      known.set(text, width);
    }
    return width * (size / 1000);
  };
}

/**
 * The largest font size at which the lines fit the box: first wrapping long lines at spaces down to a readable
 * size, then, for boxes too small for that, shrinking unwrapped text down to the minimum.
 */
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
