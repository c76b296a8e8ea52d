/**
 * A batch's stamp written from bytes prepared once. Building the stamp as pdf-lib objects for every document — the
 * font's Type0/CIDFont/descriptor dictionaries and widths, the ToUnicode map, the images, the content stream's
 * operators — and serialising them again cost more CPU per document than the token's signature. Yet in a batch
 * the stamps of all documents differ only in:
 *   - the codes of the signing time's digits (the subset is the same: stamp-layout.ts encodes the time characters
 *     first, in a fixed order) — spliced into the content stream, whose /Length follows;
 *   - the object numbers (each document's update numbers its new objects above its own /Size) — spliced into
 *     every reference;
 *   - the subset tag, random per stamp (subset-tag.ts) — spliced into the three font names.
 *
 * So the first document of each kind has its stamp drawn as objects (build-appearance.ts drawStamp, the same code
 * an encrypted file uses) in a scratch document, numbered far above any real object and with a marker in place of
 * each line's codes; that is serialised once and cut at those places into a template. A document is then given
 * fresh object numbers, a fresh tag and its own codes: the same bytes drawStamp would have written for it.
 *
 * What must be the same for two documents to share a template is the key: the font, the images (by content), the
 * box, the rotation, the colour, the fitted size, the number of lines and the subset's glyph order. Everything
 * else that is written is either in the template (the same for every key) or one of the three spliced parts. A
 * template whose marker or reference is not found where expected is not used (the document is drawn as objects),
 * and nothing per document is ever written into a template.
 */
import { createHash } from 'node:crypto';
import { PDFDocument, PDFHexString, PDFStream, type PDFContext, type PDFRef } from 'pdf-lib';
import type { StampLayout } from './stamp-layout.js';
import { randomSubsetTag } from './subset-tag.js';
import { PreparedPdfObject, serializePdfObject } from '../write-incremental-update.js';

type DrawStamp = (doc: PDFDocument, layout: StampLayout, operandOf: (line: number, encoded: PDFHexString) => PDFHexString) => Promise<{ form: PDFRef; tag: string }>;

/** Where a document's own part goes: a new object's reference (by its index), the tag, a line's codes, the content's length. */
type Slot = { readonly ref: number } | { readonly tag: true } | { readonly line: number } | { readonly contentLength: true };
type Piece = Uint8Array | Slot;

interface StampTemplate {
  /** Object numbers the stamp takes (in the order drawStamp reserved them). */
  readonly refCount: number;
  readonly objects: ReadonlyArray<{ readonly at: number; readonly pieces: readonly Piece[] }>;
  readonly formAt: number;
  /** The content stream's bytes besides the lines' codes. */
  readonly contentFixedBytes: number;
}

/** Scratch objects are numbered above this: "9000000nn 0 R" can only be one of them. */
const SCRATCH_BASE = 900_000_000;
/** Kinds of stamp kept (a batch has one; a host serving several signers a few). */
const MAX_TEMPLATES = 32;
/** A key whose template could not be made maps to null: its documents are drawn as objects. */
const templates = new Map<string, StampTemplate | null>();

/**
 * Registers the stamp's objects in `context` from a template (made now if this is the first stamp of its kind) and
 * returns the form XObject's reference; undefined when the stamp cannot be prepared (draw it as objects).
 */
export async function placePreparedStamp(context: PDFContext, layout: StampLayout, draw: DrawStamp): Promise<PDFRef | undefined> {
  const key = templateKey(layout);
  let template = templates.get(key);
  if (template === undefined) {
    template = (await prepareTemplate(layout, draw)) ?? null;
    if (templates.size >= MAX_TEMPLATES) templates.clear();
    templates.set(key, template);
  }
  return template ? fillTemplate(context, template, layout) : undefined;
}

function templateKey(layout: StampLayout): string {
  const input = layout.input;
  const image = (bytes: Uint8Array | undefined) => (bytes ? contentIdOf(bytes) : '-');
  return [
    idOf(layout.stampFont), image(input.sealImage), image(input.signatureImage), layout.width, layout.height, layout.rotation,
    input.textColor ?? 'red', layout.size, layout.lines.length, layout.glyphOrder.join(','),
  ].join(' ');
}

/**
 * An image by its content (SHA-256, computed once per byte array): the CLI passes the same bytes for every file of
 * a batch, but the host decodes each document's images afresh from its request, and a key by identity made a new
 * template for every such document.
 */
const contentIds = new WeakMap<Uint8Array, string>();
function contentIdOf(bytes: Uint8Array): string {
  let id = contentIds.get(bytes);
  if (id === undefined) contentIds.set(bytes, (id = createHash('sha256').update(bytes).digest('base64')));
  return id;
}

const ids = new WeakMap<object, number>();
let nextId = 1;
function idOf(object: object): number {
  let id = ids.get(object);
  if (id === undefined) ids.set(object, (id = nextId++));
  return id;
}

const lineMarker = (line: number): string => `kyso-stamp-line-${line}`;
const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
const STREAM_HEAD = '\nstream\n'.length;
const STREAM_TAIL = '\nendstream'.length;

async function prepareTemplate(layout: StampLayout, draw: DrawStamp): Promise<StampTemplate | undefined> {
  const scratch = await PDFDocument.create({ updateMetadata: false });
  const context = scratch.context;
  context.largestObjectNumber = SCRATCH_BASE;
  let sameCodes = true;
  const drawn = await draw(scratch, layout, (line, encoded) => {
    // pdf-lib's own codes for the line must be the ones stamp-layout.ts gives every later document.
    if (encoded.asString() !== layout.lineCodes[line]) sameCodes = false;
    return PDFHexString.of(lineMarker(line));
  });
  if (!sameCodes) return undefined;
  const refCount = context.largestObjectNumber - SCRATCH_BASE;
  const objects: Array<{ at: number; pieces: Piece[] }> = [];
  let formAt = -1;
  let contentFixedBytes = 0;
  for (const [ref, object] of context.enumerateIndirectObjects()) {
    if (ref.objectNumber <= SCRATCH_BASE) continue;
    const bytes = serializePdfObject(object);
    const at = ref.objectNumber - SCRATCH_BASE - 1;
    const isForm = ref === drawn.form;
    const dictEnd = object instanceof PDFStream ? object.dict.sizeInBytes() : bytes.length;
    const slots = dictSlots(latin1(bytes.subarray(0, dictEnd)), refCount, drawn.tag, isForm);
    if (!slots) return undefined;
    if (isForm) {
      const contentStart = dictEnd + STREAM_HEAD;
      const content = latin1(bytes.subarray(contentStart, bytes.length - STREAM_TAIL));
      let markers = 0;
      for (let line = 0; line < layout.lines.length; line++) {
        const marker = lineMarker(line);
        const found = content.indexOf(`<${marker}>`);
        if (found < 0 || content.indexOf(`<${marker}>`, found + 1) >= 0) return undefined;
        slots.push({ start: contentStart + found + 1, end: contentStart + found + 1 + marker.length, slot: { line } });
        markers += marker.length;
      }
      contentFixedBytes = content.length - markers;
      formAt = at;
    }
    objects.push({ at, pieces: cut(bytes, slots) });
  }
  return formAt < 0 ? undefined : { refCount, objects, formAt, contentFixedBytes };
}

interface SlotAt { start: number; end: number; slot: Slot }

/**
 * The places in a dictionary (a stream's, or an object that is one) where a document's own part goes: references
 * to the stamp's objects, the subset tag, and for the form its /Length. A reference to anything else, or a form
 * without /Length, makes the stamp unpreparable (undefined).
 */
function dictSlots(text: string, refCount: number, tag: string, isForm: boolean): SlotAt[] | undefined {
  const slots: SlotAt[] = [];
  let lengths = 0;
  for (const match of text.matchAll(/(\d+) (\d+) R\b|\/([A-Z]{6})\+|\/Length (\d+)/g)) {
    const start = match.index;
    if (match[1] !== undefined) {
      const index = Number(match[1]) - SCRATCH_BASE - 1;
      if (match[2] !== '0' || index < 0 || index >= refCount) return undefined;
      slots.push({ start, end: start + match[0].length, slot: { ref: index } });
    } else if (match[3] !== undefined) {
      if (match[3] === tag) slots.push({ start: start + 1, end: start + 7, slot: { tag: true } });
    } else if (isForm) {
      lengths++;
      slots.push({ start: start + '/Length '.length, end: start + match[0].length, slot: { contentLength: true } });
    }
  }
  return isForm && lengths !== 1 ? undefined : slots;
}

function cut(bytes: Uint8Array, slots: SlotAt[]): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  for (const { start, end, slot } of slots.sort((a, b) => a.start - b.start)) {
    if (start > at) pieces.push(bytes.slice(at, start));
    pieces.push(slot);
    at = end;
  }
  if (at < bytes.length) pieces.push(bytes.slice(at));
  return pieces;
}

/** The template's objects for this document: its own object numbers, a new tag and its lines' codes. */
function fillTemplate(context: PDFContext, template: StampTemplate, layout: StampLayout): PDFRef {
  const refs: PDFRef[] = [];
  for (let i = 0; i < template.refCount; i++) refs.push(context.nextRef());
  const tag = Buffer.from(randomSubsetTag(), 'latin1');
  const codes = layout.lineCodes.map((c) => Buffer.from(c, 'latin1'));
  let contentLength = template.contentFixedBytes;
  for (const c of codes) contentLength += c.length;
  const length = Buffer.from(String(contentLength), 'latin1');
  const refTexts: Array<Uint8Array | undefined> = [];
  const part = (piece: Piece): Uint8Array => {
    if (piece instanceof Uint8Array) return piece;
    if ('ref' in piece) return (refTexts[piece.ref] ??= Buffer.from(refs[piece.ref]!.toString(), 'latin1'));
    if ('tag' in piece) return tag;
    if ('line' in piece) return codes[piece.line]!;
    return length;
  };
  for (const object of template.objects) {
    context.assign(refs[object.at]!, new PreparedPdfObject(Buffer.concat(object.pieces.map(part))));
  }
  return refs[template.formAt]!;
}
