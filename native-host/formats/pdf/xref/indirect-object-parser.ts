/**
 * pdf-lib's object parser, used at a given byte offset: `N G obj <object> endobj` [ISO 32000-1 §7.3.10] parsed
 * where a cross-reference entry points, instead of pdf-lib's sweep over the whole file. Streams take their length
 * from /Length, resolved through the cross-reference view when indirect [§7.3.8.2]; only when /Length is missing or
 * wrong is the data cut at `endstream`, as readers do.
 */
import { PDFDict, PDFName, PDFNumber, PDFObjectParser, PDFRawStream, PDFRef, type PDFContext, type PDFObject, type PDFStream } from 'pdf-lib';
import { ensureFilled, fileImageOf, indexOfIn } from './file-image.js';
import { lazyRawStream } from './lazy-raw-stream.js';
import { isDigit, isPdfWhitespace, keywordAt, readUnsignedInt, skipWhitespace } from './pdf-bytes.js';
import { PDF_MAX_GENERATION, PDF_MAX_OBJECT_NUMBER } from './pdf-limits.js';

type ByteStreamOf = ConstructorParameters<typeof PDFObjectParser>[0];

export interface ParsedIndirectObject {
  readonly objectNumber: number;
  readonly generation: number;
  readonly object: PDFObject;
  /** Offset of the object's header (`N`), after any white space the entry's offset pointed at. */
  readonly start: number;
  /** Offset just past `endobj` (or past the object when `endobj` is missing). */
  readonly end: number;
  /** `endobj` was found after the object. */
  readonly closed: boolean;
}

/** `N G obj` at `at` (after white space): the numbers and where the object itself starts. */
export function readObjectHeader(bytes: Uint8Array, at: number): { objectNumber: number; generation: number; start: number; bodyStart: number } | undefined {
  const start = skipWhitespace(bytes, at);
  const num = readUnsignedInt(bytes, start, 8);
  if (!num || !isPdfWhitespace(bytes[num.end])) return undefined;
  const gen = readUnsignedInt(bytes, skipWhitespace(bytes, num.end), 6);
  if (!gen || !isPdfWhitespace(bytes[gen.end])) return undefined;
  const objAt = skipWhitespace(bytes, gen.end);
  if (!keywordAt(bytes, objAt, 'obj')) return undefined;
  if (num.value > PDF_MAX_OBJECT_NUMBER || gen.value > PDF_MAX_GENERATION) return undefined;
  return { objectNumber: num.value, generation: gen.value, start, bodyStart: objAt + 3 };
}

/**
 * Bytes read at first for one object of a FileImage; a larger object widens the window (×8). Small, because the
 * window's pages stay resident: a scan of a thousand pages has a thousand image objects, each a short dictionary
 * before megabytes of data the window would otherwise pull in.
 */
const FIRST_WINDOW_BYTES = 4 * 1024;
/** Bytes read for a direct object (a trailer dictionary), which is parsed once, without widening. */
const DIRECT_WINDOW_BYTES = 64 * 1024;
/** Bytes read after a stream's data: white space, `endstream`, `endobj`. */
const TAIL_WINDOW_BYTES = 256;
/** Stream data of a FileImage above this size is left in the file (lazy-raw-stream.ts). */
const LAZY_STREAM_BYTES = 256 * 1024;

const STREAM = [...'stream'].map((c) => c.charCodeAt(0));
const ENDSTREAM = [...'endstream'].map((c) => c.charCodeAt(0));

/** Parses objects at chosen offsets of one byte array into one pdf-lib context. */
export class IndirectObjectParser extends PDFObjectParser {
  private readonly data: Uint8Array;
  private readonly resolveLength: (ref: PDFRef) => number | undefined;
  /** Where the last parsed stream's data began (the object's own syntax ends there; its data is not read). */
  private streamDataStart: number | undefined;

  /**
   * @param resolveLength the value of an indirect /Length, read through the cross-reference view (undefined when
   *   it cannot be resolved; the data is then cut at `endstream`).
   */
  static over(bytes: Uint8Array, context: PDFContext, resolveLength: (ref: PDFRef) => number | undefined): IndirectObjectParser {
    // pdf-lib does not export ByteStream; borrow the one its own factory builds over the same bytes (no copy).
    const seed = PDFObjectParser.forBytes(bytes, context) as unknown as { bytes: ByteStreamOf };
    return new IndirectObjectParser(seed.bytes, context, bytes, resolveLength);
  }

  private constructor(stream: ByteStreamOf, context: PDFContext, data: Uint8Array, resolveLength: (ref: PDFRef) => number | undefined) {
    super(stream, context, false);
    this.data = data;
    this.resolveLength = resolveLength;
  }

  /**
   * The indirect object whose header is at `at`; undefined when there is no `N G obj` header there. Throws pdf-lib's
   * parse errors. Over a FileImage (file-image.ts) the object's bytes are read first — a window, widened until the
   * object (a stream's dictionary; its data is read lazily) lies inside it.
   */
  parseIndirectAt(at: number): ParsedIndirectObject | undefined {
    const image = fileImageOf(this.data);
    if (!image) return this.parseIndirectOnce(at);
    for (let window = FIRST_WINDOW_BYTES; ; window *= 8) {
      const end = Math.min(image.length, at + window);
      image.ensure(at, end);
      this.streamDataStart = undefined;
      let parsed: ParsedIndirectObject | undefined;
      try {
        parsed = this.parseIndirectOnce(at);
      } catch (error) {
        if (end >= image.length) throw error;
        continue;
      }
      const parsedUpTo = this.streamDataStart ?? parsed?.end ?? at;
      if (parsedUpTo <= end || end >= image.length) return parsed;
    }
  }

  private parseIndirectOnce(at: number): ParsedIndirectObject | undefined {
    const header = readObjectHeader(this.data, at);
    if (!header) return undefined;
    this.bytes.moveTo(header.bodyStart);
    this.skipWhitespaceAndComments();
    const object = this.parseObject();
    this.skipWhitespaceAndComments();
    const closed = this.matchKeyword([...'endobj'].map((c) => c.charCodeAt(0)));
    return { objectNumber: header.objectNumber, generation: header.generation, object, start: header.start, end: this.bytes.offset(), closed };
  }

  /** A direct object (a trailer dictionary) at `at`. */
  parseDirectAt(at: number): PDFObject {
    ensureFilled(this.data, at, at + DIRECT_WINDOW_BYTES);
    this.bytes.moveTo(at);
    this.skipWhitespaceAndComments();
    return this.parseObject();
  }

  /** A direct object inside other data (an object stream's decoded bytes), with this parser's context. */
  parseInside(data: Uint8Array, at: number): PDFObject {
    const inner = IndirectObjectParser.over(data, this.context, this.resolveLength);
    return inner.parseDirectAt(at);
  }

  protected override parseDictOrStream(): PDFDict | PDFStream {
    const dict = this.parseDict();
    this.skipWhitespaceAndComments();
    if (!this.matchKeyword(STREAM)) return dict;
    // `stream` is followed by CR LF or LF [§7.3.8.1]; a lone CR is tolerated, as readers do.
    if (this.bytes.peek() === 0x0d) this.bytes.next();
    if (this.bytes.peek() === 0x0a) this.bytes.next();
    const start = this.bytes.offset();
    this.streamDataStart = start;
    const declared = this.declaredLength(dict);
    let end: number | undefined;
    if (declared !== undefined && start + declared <= this.data.length) {
      // Over a FileImage: the bytes after the data (`endstream endobj`) are read; the data itself is not.
      ensureFilled(this.data, start + declared, start + declared + TAIL_WINDOW_BYTES);
      let after = skipWhitespace(this.data, start + declared);
      if (keywordAt(this.data, after, 'endstream') || startsWith(this.data, after, ENDSTREAM)) {
        end = start + declared;
        after += ENDSTREAM.length;
        this.bytes.moveTo(after);
      }
    }
    if (end === undefined) {
      const found = indexOfIn(this.data, 'endstream', start);
      const stop = found < 0 ? this.data.length : found;
      ensureFilled(this.data, Math.max(start, stop - 2), stop + TAIL_WINDOW_BYTES);
      end = stop;
      // The end-of-line before `endstream` is not data [§7.3.8.1].
      if (end > start && this.data[end - 1] === 0x0a) end--;
      if (end > start && this.data[end - 1] === 0x0d) end--;
      this.bytes.moveTo(found < 0 ? this.data.length : found + ENDSTREAM.length);
    }
    const image = fileImageOf(this.data);
    if (image && end - start > LAZY_STREAM_BYTES) return lazyRawStream(dict, image, start, end);
    ensureFilled(this.data, start, end);
    return PDFRawStream.of(dict, this.data.slice(start, end));
  }

  private declaredLength(dict: PDFDict): number | undefined {
    const entry = dict.get(PDFName.of('Length'));
    const value = entry instanceof PDFRef ? this.resolveLength(entry) : entry instanceof PDFNumber ? entry.asNumber() : undefined;
    return value !== undefined && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  }
}

function startsWith(bytes: Uint8Array, at: number, word: number[]): boolean {
  for (let i = 0; i < word.length; i++) if (bytes[at + i] !== word[i]) return false;
  return !isDigit(bytes[at + word.length]);
}
