/**
 * The stamp's font, parsed once and reused by every document of a batch. Parsing a TrueType font with fontkit
 * (its cmap, hmtx, GSUB/GPOS tables) and shaping text to measure it cost more per document than the token's
 * signature; the glyph set of each document is still subset and embedded per document (build-appearance.ts).
 *
 * Keyed by the identity of the font's bytes: a batch passes the same bytes object for every document (the CLI
 * reads --font once; the default font is read once, below), so a different font — or the same font read again by
 * another request — is simply parsed again, and a font nobody holds any more is released with its bytes (WeakMap).
 */
import fontkit from '@pdf-lib/fontkit';
import { readFile } from 'node:fs/promises';
import type { PDFDocument, PDFFont } from 'pdf-lib';

/** What pdf-lib calls on a registered fontkit: `create(bytes)` → a font. */
type FontkitLike = Parameters<PDFDocument['registerFontkit']>[0];
type ParsedFont = ReturnType<FontkitLike['create']>;
type FontSubset = ReturnType<ParsedFont['createSubset']>;
type SubsetStream = ReturnType<FontSubset['encodeStream']>;

export interface StampFont {
  /** The bytes to hand to `embedFont` (the font's own copy: pdf-lib keeps and reads them). */
  readonly bytes: Uint8Array;
  /** Register this instead of fontkit: `create(bytes)` returns the font parsed once, its text shaped once. */
  readonly fontkit: FontkitLike;
}

/** Distinct texts shaped per font before the table is cleared (a batch's stamp lines are a few dozen). */
const MAX_SHAPED_TEXTS = 4096;
/** Distinct glyph sets whose subset font file is kept (each a few KB to a few tens of KB). */
const MAX_ENCODED_SUBSETS = 64;

const parsed = new WeakMap<Uint8Array, StampFont>();

export function stampFontFor(given: Uint8Array): StampFont {
  const known = parsed.get(given);
  if (known) return known;
  // pdf-lib and fontkit read the bytes from offset 0 of their buffer: a Node Buffer from the shared pool is copied.
  const bytes = new Uint8Array(given);
  let font: ParsedFont | undefined;
  const stampFont: StampFont = {
    bytes,
    fontkit: {
      create(data: Uint8Array): ParsedFont {
        if (data !== bytes) return fontkit.create(data as Buffer) as unknown as ParsedFont;
        // Not kept until it parsed: a broken font throws again for the next document, with the same error.
        font ??= withMemos(fontkit.create(bytes as Buffer) as unknown as ParsedFont);
        return font;
      },
    },
  };
  parsed.set(given, stampFont);
  return stampFont;
}

/**
 * The font with two results remembered for the next documents:
 * - `layout` (fontkit's shaping: GSUB/GPOS lookups per call), per text and feature list. pdf-lib shapes a line to
 *   measure it (at every trial size of the stamp's text fitting) and again to encode it, and the same lines recur
 *   in every document of a batch. A glyph run is only read (its glyphs' ids and advance widths), never changed.
 * - the subset font file, per sequence of glyphs included: a subset's bytes depend only on the font and on which
 *   glyphs were included in which order (they are renumbered in that order), and a batch's stamps use the same
 *   letters and digits again and again. pdf-lib copies the bytes it receives.
 * Everything else is the parsed font itself (`Object.create`: its own methods run with this object as `this`).
 *
 * fontkit keeps one glyph object per glyph id, with the characters of the text that created it; encoding a subset
 * creates the components of accented letters (ờ is ơ + grave) with NO characters. With one font per document
 * that never mattered (a document's text is shaped before its subset is encoded); shared by a batch, the next
 * document's ơ would get an empty ToUnicode entry (text extraction and search would lose the letter). So a
 * shaped glyph without characters gets the character the font's own cmap maps to it (the smallest, if several).
 */
function withMemos(font: ParsedFont): ParsedFont {
  const runs = new Map<string, ReturnType<ParsedFont['layout']>>();
  const encoded = new Map<string, Uint8Array>();
  let characterOf: Map<number, number> | undefined;
  const memo: ParsedFont = Object.create(font);
  memo.layout = (text, features) => {
    const key = features === undefined ? text : `${JSON.stringify(features)}\u0000${text}`;
    let run = runs.get(key);
    if (run === undefined) {
      if (runs.size >= MAX_SHAPED_TEXTS) runs.clear();
      run = font.layout(text, features);
      for (const glyph of run.glyphs) {
        if (glyph.codePoints.length > 0) continue;
        characterOf ??= cmapInverse(font);
        const character = characterOf.get(glyph.id);
        if (character !== undefined) glyph.codePoints = [character];
      }
      runs.set(key, run);
    }
    return run;
  };
  memo.createSubset = () => withEncodingMemo(font.createSubset.call(memo), encoded);
  return memo;
}

/** Glyph id → the smallest code point the font's cmap maps to it. */
function cmapInverse(font: ParsedFont): Map<number, number> {
  const inverse = new Map<number, number>();
  for (const codePoint of [...font.characterSet].sort((a, b) => a - b)) {
    const id = font.glyphForCodePoint(codePoint).id;
    if (!inverse.has(id)) inverse.set(id, codePoint);
  }
  return inverse;
}

function withEncodingMemo(subset: FontSubset, encoded: Map<string, Uint8Array>): FontSubset {
  // The glyphs in the order the subset numbers them (glyph 0, .notdef, is always first: included on creation).
  const order: number[] = [];
  const seen = new Set<number>();
  const include = subset.includeGlyph.bind(subset);
  subset.includeGlyph = (glyph) => {
    const id = typeof glyph === 'number' ? glyph : glyph.id;
    if (!seen.has(id)) {
      seen.add(id);
      order.push(id);
    }
    return include(glyph);
  };
  const encodeStream = subset.encodeStream.bind(subset);
  subset.encodeStream = () => {
    const key = order.join(',');
    const known = encoded.get(key);
    if (known) return replay(known);
    const parts: Uint8Array[] = [];
    const stream = encodeStream();
    stream.on('data', (part) => parts.push(part)).on('end', () => {
      if (encoded.size >= MAX_ENCODED_SUBSETS) encoded.clear();
      encoded.set(key, Buffer.concat(parts));
    });
    return stream;
  };
  return subset;
}

/** The subset stream's two events, replayed from kept bytes (after the caller has attached its listeners). */
function replay(bytes: Uint8Array): SubsetStream {
  const listeners: { data: Array<(data: Uint8Array) => unknown>; end: Array<(data: Uint8Array) => unknown> } = { data: [], end: [] };
  const stream: SubsetStream = {
    on(eventType, callback) {
      listeners[eventType]?.push(callback); // 'error' (pdf-lib listens for it too) never comes from kept bytes
      return stream;
    },
  };
  queueMicrotask(() => {
    for (const listener of listeners.data) listener(bytes);
    for (const listener of listeners.end) listener(new Uint8Array(0));
  });
  return stream;
}

/**
 * A font file's bytes, read once per path while they are in use: a batch of 300 documents reads DejaVu Sans
 * (~750 KB) once, and a host that signs nothing for a while lets it (and its parsed tables) go.
 */
const RELEASE_AFTER_MS = 120_000;
const fontFiles = new Map<string, { bytes: Promise<Uint8Array>; release: NodeJS.Timeout }>();

export function readFontFile(path: string): Promise<Uint8Array> {
  const entry = fontFiles.get(path);
  if (entry) {
    entry.release.refresh();
    return entry.bytes;
  }
  const bytes = readFile(path).then((b) => new Uint8Array(b));
  const release = setTimeout(() => fontFiles.delete(path), RELEASE_AFTER_MS);
  release.unref();
  fontFiles.set(path, { bytes, release });
  // A failed read is not kept: the next document tries again (the font may have been installed meanwhile).
  bytes.catch(() => {
    clearTimeout(release);
    fontFiles.delete(path);
  });
  return bytes;
}
