/**
 * Serialise an incremental update [ISO 32000-1 §7.5.6]: the new and changed objects, then a cross-reference
 * section that lists only them, chained to the previous section with /Prev. Earlier bytes are never touched.
 * The section is a classic table when the file's last section is a table, and a cross-reference stream
 * [§7.5.8] when it is a stream (a reader of a stream-only file may not accept a table after it).
 */
import { PDFArray, PDFObject, type PDFRef } from 'pdf-lib';

export interface UpdateObject {
  readonly objectNumber: number;
  readonly generation: number;
  /** The object's body, between `N G obj` and `endobj`. */
  readonly body: Uint8Array;
}

export interface UpdateTrailer {
  readonly prevStartXref: number;
  /** Trailer /Size before this update. */
  readonly size: number;
  readonly root: PDFRef;
  readonly info?: PDFObject | undefined;
  readonly id?: PDFObject | undefined;
  /** The encryption dictionary (usually a reference): every trailer of an encrypted file names it [§7.6.1]. */
  readonly encrypt?: PDFObject | undefined;
  readonly xrefIsStream: boolean;
  /**
   * Set when the file's own cross-reference is damaged and was rebuilt (xref/repair-xref.ts): every existing object
   * at its true offset. The update then starts with a revision of its own that holds only a COMPLETE table of these
   * objects (object 0 heading the free list) with no /Prev, and the update's table chains to it — so no reader ever
   * visits the damaged section again, and every old definition stays accounted for by a section (an object the
   * update rewrites is not left as an orphan definition). prevStartXref and xrefIsStream are then ignored.
   */
  readonly rebuiltXref?: ReadonlyMap<number, { readonly offset: number; readonly generation: number }>;
}

export interface WrittenUpdate {
  readonly bytes: Uint8Array;
  /** Offset inside `bytes` of each object's body start, by object number. */
  readonly bodyOffsets: ReadonlyMap<number, number>;
}

const enc = new TextEncoder();

/**
 * An indirect object whose body is given as bytes, written as they are (appearance/prepared-stamp.ts: a stamp's
 * objects filled in from bytes prepared once per batch). Never changed once made.
 */
export class PreparedPdfObject extends PDFObject {
  constructor(readonly bytes: Uint8Array) {
    super();
  }
  override clone(): PreparedPdfObject {
    return new PreparedPdfObject(this.bytes);
  }
  override toString(): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString('latin1');
  }
  override sizeInBytes(): number {
    return this.bytes.length;
  }
  override copyBytesInto(buffer: Uint8Array, offset: number): number {
    buffer.set(this.bytes, offset);
    return this.bytes.length;
  }
}

/** Bytes of a pdf-lib object as it appears inside `obj … endobj` (dicts, arrays, streams with their data). */
export function serializePdfObject(object: PDFObject): Uint8Array {
  if (object instanceof PreparedPdfObject) return object.bytes;
  const out = new Uint8Array(object.sizeInBytes());
  object.copyBytesInto(out, 0);
  return out;
}

/**
 * @param startOffset where the update begins in the final file (the input's length): every xref offset is
 *   absolute [§7.5.4]. `leadingEol` starts the update with an end-of-line when the input ends without one.
 */
export function writeIncrementalUpdate(objects: readonly UpdateObject[], trailer: UpdateTrailer, startOffset: number, leadingEol: boolean): WrittenUpdate {
  // Strings that are ASCII by construction (object headers, `endobj`, `startxref`: digits and keywords) are kept as
  // strings and written straight into the result; others (the trailer can hold a literal /ID) are UTF-8 encoded as
  // before. One small encode per header and per `endobj` showed in a batch's profile.
  const parts: Array<Uint8Array | string> = [];
  let length = 0;
  const push = (chunk: Uint8Array | string): void => {
    const b = typeof chunk === 'string' ? enc.encode(chunk) : chunk;
    parts.push(b);
    length += b.length;
  };
  const pushAscii = (text: string): void => {
    parts.push(text);
    length += text.length;
  };
  if (leadingEol) pushAscii('\n');
  let prev = trailer.prevStartXref;
  if (trailer.rebuiltXref) {
    prev = startOffset + length;
    push(xrefTable(trailer.rebuiltXref, trailer, undefined, true));
    pushAscii(`startxref\n${prev}\n%%EOF\n`);
  }
  const objectOffsets = new Map<number, { offset: number; generation: number }>();
  const bodyOffsets = new Map<number, number>();
  const sorted = [...objects].sort((a, b) => a.objectNumber - b.objectNumber);
  for (const o of sorted) {
    objectOffsets.set(o.objectNumber, { offset: startOffset + length, generation: o.generation });
    pushAscii(`${o.objectNumber} ${o.generation} obj\n`);
    bodyOffsets.set(o.objectNumber, length);
    push(o.body);
    pushAscii('\nendobj\n');
  }

  const xrefOffset = startOffset + length;
  if (trailer.xrefIsStream && !trailer.rebuiltXref) {
    push(xrefStream(objectOffsets, trailer, xrefOffset));
  } else {
    push(xrefTable(objectOffsets, trailer, prev));
  }
  pushAscii(`startxref\n${xrefOffset}\n%%EOF\n`);

  const bytes = new Uint8Array(length);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  for (const p of parts) {
    if (typeof p === 'string') text.write(p, at, 'latin1');
    else bytes.set(p, at);
    at += p.length;
  }
  // Body offsets are reported relative to the returned bytes (not the file), callers add startOffset.
  return { bytes, bodyOffsets };
}

/** Consecutive object numbers form one subsection [§7.5.4]. */
function subsections(numbers: number[]): Array<{ first: number; count: number }> {
  const out: Array<{ first: number; count: number }> = [];
  for (const n of numbers) {
    const last = out[out.length - 1];
    if (last && last.first + last.count === n) last.count++;
    else out.push({ first: n, count: 1 });
  }
  return out;
}

function trailerEntries(trailer: UpdateTrailer, size: number, prev: number | undefined): string {
  let s = `/Size ${size} /Root ${trailer.root.toString()}`;
  if (prev !== undefined) s += ` /Prev ${prev}`;
  if (trailer.info) s += ` /Info ${trailer.info.toString()}`;
  if (trailer.encrypt) s += ` /Encrypt ${trailer.encrypt.toString()}`;
  // The first /ID element stays the same across revisions [§14.4]; we keep both (the file is the same document).
  if (trailer.id instanceof PDFArray) s += ` /ID ${trailer.id.toString()}`;
  return s;
}

/** `complete`: the table lists every object; object 0 heads the free list (numbers not listed are free [§7.5.4]). */
function xrefTable(offsets: ReadonlyMap<number, { offset: number; generation: number }>, trailer: UpdateTrailer, prev: number | undefined, complete = false): string {
  const numbers = [...offsets.keys()].sort((a, b) => a - b);
  if (complete) numbers.unshift(0);
  let s = 'xref\n';
  for (const { first, count } of subsections(numbers)) {
    s += `${first} ${count}\n`;
    for (let n = first; n < first + count; n++) {
      if (complete && n === 0) { s += '0000000000 65535 f\r\n'; continue; }
      const e = offsets.get(n)!;
      // Each entry is exactly 20 bytes including its two-character end-of-line [§7.5.4].
      s += `${String(e.offset).padStart(10, '0')} ${String(e.generation).padStart(5, '0')} n\r\n`;
    }
  }
  const size = Math.max(trailer.size, (numbers[numbers.length - 1] ?? 0) + 1);
  return `${s}trailer\n<< ${trailerEntries(trailer, size, prev)} >>\n`;
}

/** A cross-reference stream listing the update's objects and itself; type-1 entries [§7.5.8.3 Table 18]. */
function xrefStream(offsets: Map<number, { offset: number; generation: number }>, trailer: UpdateTrailer, selfOffset: number): Uint8Array {
  const selfNumber = Math.max(trailer.size, ...[...offsets.keys()].map((n) => n + 1));
  const all = new Map(offsets);
  all.set(selfNumber, { offset: selfOffset, generation: 0 });
  const numbers = [...all.keys()].sort((a, b) => a - b);
  const maxOffset = Math.max(...[...all.values()].map((e) => e.offset));
  const offsetWidth = maxOffset < 2 ** 32 ? 4 : 8;
  const rowWidth = 1 + offsetWidth + 2;
  const data = new Uint8Array(numbers.length * rowWidth);
  numbers.forEach((n, i) => {
    const e = all.get(n)!;
    const row = i * rowWidth;
    data[row] = 1;
    let v = e.offset;
    for (let b = offsetWidth; b >= 1; b--) { data[row + b] = v % 256; v = Math.floor(v / 256); }
    data[row + offsetWidth + 1] = (e.generation >> 8) & 0xff;
    data[row + offsetWidth + 2] = e.generation & 0xff;
  });
  const index = subsections(numbers).map((s) => `${s.first} ${s.count}`).join(' ');
  const head = `${selfNumber} 0 obj\n<< /Type /XRef ${trailerEntries(trailer, selfNumber + 1, trailer.prevStartXref)} /Index [${index}] /W [1 ${offsetWidth} 2] /Length ${data.length} >>\nstream\n`;
  const tail = '\nendstream\nendobj\n';
  const h = enc.encode(head);
  const t = enc.encode(tail);
  const out = new Uint8Array(h.length + data.length + t.length);
  out.set(h, 0); out.set(data, h.length); out.set(t, h.length + data.length);
  return out;
}

