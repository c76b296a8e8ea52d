/**
 * Canonical XML 1.0 / Exclusive C14N 1.0 (without comments) of a whole document or of the element with a given
 * Id, computed straight from the document text in one pass and fed to the hash as it goes: no DOM, no string of
 * the whole canonical form. A 10 MB e-invoice batch as xmldom objects took seconds and ~800 MB; this is one scan.
 *
 * It must give exactly what canonicalize.ts gives over the xmldom parse (test/unit/xml-text-c14n.test.ts checks
 * that differentially), so it mirrors canonicalize.ts rule for rule. Most canonical tokens equal their text
 * (`<HDon Id="HD1">`, text without '>' or CR), so the pass copies runs of the original text and only writes
 * tokens whose canonical form differs.
 *
 * Coverage (anything else throws OffFastPath and the caller uses the DOM path):
 *  - UTF-8 text with no DOCTYPE (refused before this runs), an optional `<?xml version="1.0" …?>` declaration;
 *  - elements and attributes with ASCII names, at most one colon; namespace declarations other than of the
 *    xml/xmlns prefixes, not undeclaring a prefix (xmlns:p=""), no undeclared prefix, no attribute twice by
 *    (namespace, local name);
 *  - text, CDATA sections, comments, PIs; the predefined five entities and character references only;
 *  - CR/CRLF line ends (normalised to LF as a parser does);
 *  - no C0/C1 control characters, U+2028/U+2029 or U+FFFD-U+FFFF (see UNUSUAL_CHARACTERS), no "]]>" in text, no "--" in a comment, no non-space text
 *    outside the root element.
 * The pass also records the outline the signer needs instead of the DOM: each element's name and parent, and
 * which elements carry Id/id/ID.
 */
import { createHash } from 'node:crypto';
import type { HashAlgorithm } from '../../../shared/domain/algorithms.js';
import type { C14nMethod } from './canonicalize.js';
import { XML_MAX_DEPTH, type ElementSpan } from './element-spans.js';
import { ID_ATTRIBUTES } from './find-elements.js';
import {
  OffFastPath, XML_NS, expandReferences, isSpace, normalizeNewlines, parseStartTag, scanName, type RawAttribute,
} from './xml-tokens.js';
import { nodeHashName } from '../node-hash-name.js';

export interface TextOutline {
  /** Number of elements. */
  readonly count: number;
  /** Qualified name of element k (document order: the order of scanElementSpans). */
  name(k: number): string;
  /** Index of each element's parent element, -1 for the root. */
  readonly parents: Int32Array;
  /** Id/id/ID value → indices of the elements carrying it. */
  readonly ids: ReadonlyMap<string, readonly number[]>;
  /** Where element k's tags are, as scanElementSpans reports them. */
  span(k: number): ElementSpan;
}

export interface TextDigest {
  readonly outline: TextOutline;
  /** Digest of the canonical form of the document (target null) or of the target element; null if no element has that Id. */
  readonly digest: Uint8Array | null;
}

type Namespaces = ReadonlyMap<string, string>;

/** canonicalStart of an element whose canonical start tag is just `<name>` (not built: compared with the text). */
const PLAIN = '';

/** One open element. */
class Frame {
  constructor(
    readonly name: string,
    readonly index: number,
    readonly scope: Namespaces,
    /** Namespace declarations in the output at this element (canonicalize.ts's parentRendered for its children). */
    readonly rendered: Namespaces,
    /** This element's xml:* attributes (inclusive C14N of a subtree inherits them), null when none. */
    readonly xmlAttributes: readonly RawAttribute[] | null,
    /** Whether this element is inside what is being canonicalised. */
    readonly emitting: boolean,
    /** Its canonical start tag; PLAIN for `<name>`; null when not emitting. */
    readonly canonicalStart: string | null,
  ) {}
}

/**
 * Characters a parser refuses or treats specially; their presence sends the document to the DOM path. Beyond
 * XML's own: xmldom reads U+0080 as a space in tags and warns (= refuses, in parseXml) on U+FFFD; C1 controls
 * are declined with U+0080, and NEL/LS/PS (XML 1.1 line ends, which xmldom rewrites unless told otherwise) too.
 */
const UNUSUAL_CHARACTERS = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u2028\u2029\uFFFD\uFFFE\uFFFF]/;
const XML_DECLARATION = /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.0\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[Uu][Tt][Ff]-?8\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\3)?[ \t\r\n]*\?>/;
/** Hash input is flushed in pieces of about this many UTF-16 units (bounded memory, few native calls). */
const CHUNK = 1 << 16;

/**
 * One pass over `text`: canonicalise the document (target null) or the element whose Id/id/ID is `target`
 * (the first one; duplicates are refused by the caller from the outline), hash it, and outline the elements.
 * @throws OffFastPath when the text is outside the covered subset.
 */
export function digestFromText(text: string, method: C14nMethod, hashAlgorithm: HashAlgorithm, target: string | null): TextDigest {
  const hash = createHash(nodeHashName(hashAlgorithm));
  const { outline, found } = canonicalizeText(text, method, target, (chunk) => hash.update(chunk, 'utf8'));
  return { outline, digest: found ? new Uint8Array(hash.digest()) : null };
}

/**
 * The pass itself: the canonical form goes to `update` in pieces, in order (tests join them to compare with
 * canonicalize.ts). `target`: null for the document, an Id, or the offset of an element's '<'. `found` is false
 * when a target was asked for and no element matches it.
 */
export function canonicalizeText(text: string, method: C14nMethod, target: string | number | null, update: (chunk: string) => void): { outline: TextOutline; found: boolean } {
  if (UNUSUAL_CHARACTERS.test(text)) throw new OffFastPath('control character or U+FFFE/U+FFFF', 0);
  const sink = new Sink(update, text);
  // Per element, in typed arrays (a 10 MB batch has ~400 000 elements): name (interned), parent, tag offsets.
  const nameTable: string[] = [];
  const nameIndex = new Map<string, number>();
  let count = 0;
  let names = new Int32Array(1024);
  let parents = new Int32Array(1024);
  let starts = new Int32Array(1024);
  let startTagEnds = new Int32Array(1024);
  let endTagStarts = new Int32Array(1024);
  const ids = new Map<string, number[]>();
  const stack: Frame[] = [];
  let rootSeen = false;
  let rootClosed = false;
  let found = target === null;
  const empty: Namespaces = new Map();

  let i = 0;
  const declaration = XML_DECLARATION.exec(text.slice(0, 512));
  if (declaration) i = declaration[0].length;
  else if (text.startsWith('<?xml') && isSpace(text.charCodeAt(5))) throw new OffFastPath('unusual XML declaration', 0);

  while (i < text.length) {
    const top = stack.length > 0 ? (stack[stack.length - 1] as Frame) : null;
    const emitting = top !== null && top.emitting;
    const lt = text.indexOf('<', i);
    const textEnd = lt < 0 ? text.length : lt;
    if (textEnd > i) {
      if (top === null) {
        for (let k = i; k < textEnd; k++) if (!isSpace(text.charCodeAt(k))) throw new OffFastPath('text outside the root element', k);
      } else {
        // Checked even where not emitted: the DOM path would refuse a bad reference anywhere.
        writeText(sink, text, i, textEnd, emitting);
      }
      i = textEnd;
      if (lt < 0) break;
    }
    // Markup at i.
    const next = text.charCodeAt(i + 1);
    if (next !== 33 /* ! */ && next !== 63 /* ? */ && next !== 47 /* / */) {
      if (rootClosed) throw new OffFastPath('second root element', i);
      rootSeen = true;
      const tag = parseStartTag(text, i);
      const index = count++;
      if (index >= parents.length) {
        const grow = (a: Int32Array) => { const g = new Int32Array(a.length * 2); g.set(a); return g; };
        names = grow(names); parents = grow(parents); starts = grow(starts); startTagEnds = grow(startTagEnds); endTagStarts = grow(endTagStarts);
      }
      let nameId = nameIndex.get(tag.name);
      if (nameId === undefined) { nameId = nameTable.push(tag.name) - 1; nameIndex.set(tag.name, nameId); }
      names[index] = nameId;
      parents[index] = top ? top.index : -1;
      starts[index] = i;
      startTagEnds[index] = tag.end;
      endTagStarts[index] = tag.end - 2; // "/>" of a self-closing tag; an end tag overwrites it
      if (stack.length >= XML_MAX_DEPTH) throw new OffFastPath('nesting deeper than the limit (scanElementSpans refuses it)', i);
      // A number targets the element whose '<' is at that offset (parts of our own Signature that carry no Id).
      let isTarget = !found && i === target;
      for (const a of tag.attributes) {
        if ((ID_ATTRIBUTES as readonly string[]).includes(a.name)) {
          // One element with Id="x" and id="x" is one element with that Id (findElementById counts elements).
          const list = ids.get(a.value);
          if (!list) ids.set(a.value, [index]); else if (list.at(-1) !== index) list.push(index);
          if (!found && a.value === target) isTarget = true;
        }
      }
      if (isTarget) found = true;
      const inOutput = target === null || emitting || isTarget;
      const apex = target === null ? top === null : isTarget;
      const frame = openElement(tag.name, tag.prefix, tag.attributes, index, top, stack, method, inOutput, apex, empty, i);
      const canonicalStart = frame.canonicalStart;
      if (canonicalStart !== null) {
        if (tag.selfClosing) sink.write(i, `${canonicalStart || `<${tag.name}>`}</${tag.name}>`);
        // `<name>` as written is its own canonical form: nothing to build or compare.
        else if (canonicalStart === PLAIN) sink.token(i, tag.end, tag.end === i + tag.name.length + 2 ? null : `<${tag.name}>`);
        else sink.token(i, tag.end, canonicalStart);
      }
      if (!tag.selfClosing) stack.push(frame);
      else if (stack.length === 0) rootClosed = true;
      i = tag.end;
    } else if (text.startsWith('<!--', i)) {
      const close = text.indexOf('-->', i + 4);
      if (close < 0 || text.slice(i + 4, close).includes('--') || text.charCodeAt(close - 1) === 45) throw new OffFastPath('unusual comment', i);
      sink.drop(i);
      i = close + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      if (top === null) throw new OffFastPath('CDATA outside the root element', i);
      const close = text.indexOf(']]>', i + 9);
      if (close < 0) throw new OffFastPath('unterminated CDATA section', i);
      if (emitting) sink.write(i, escapeText(normalizeNewlines(text.slice(i + 9, close))));
      i = close + 3;
    } else if (text.startsWith('<?', i)) {
      const targetEnd = scanName(text, i + 2, false);
      const piTarget = text.slice(i + 2, targetEnd);
      if (piTarget.toLowerCase() === 'xml') throw new OffFastPath('XML declaration not at the start, or a PI named xml', i);
      const close = text.indexOf('?>', targetEnd);
      if (close < 0) throw new OffFastPath('unterminated processing instruction', i);
      let dataStart = targetEnd;
      if (close > targetEnd && !isSpace(text.charCodeAt(targetEnd))) throw new OffFastPath('PI target not followed by a space', i);
      while (dataStart < close && isSpace(text.charCodeAt(dataStart))) dataStart++;
      const data = normalizeNewlines(text.slice(dataStart, close));
      const pi = data ? `<?${piTarget} ${data}?>` : `<?${piTarget}?>`;
      // Outside the document element a PI is separated by #xA [C14N §2.1]; only the whole document shows them.
      if (top === null) { if (target === null) sink.write(i, rootSeen ? `\n${pi}` : `${pi}\n`); else sink.drop(i); }
      else if (emitting) sink.token(i, close + 2, pi);
      i = close + 2;
    } else if (text.startsWith('<!', i)) {
      throw new OffFastPath('markup declaration', i);
    } else if (text.charCodeAt(i + 1) === 47 /* / */) {
      if (top === null) throw new OffFastPath('end tag without a start tag', i);
      const nameEnd = i + 2 + top.name.length;
      if (!text.startsWith(top.name, i + 2) || isNameCharAt(text, nameEnd)) throw new OffFastPath('end tag does not match', i);
      let j = nameEnd;
      while (isSpace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) !== 62) throw new OffFastPath('bad end tag', i);
      if (emitting) sink.token(i, j + 1, j === nameEnd ? null : `</${top.name}>`);
      endTagStarts[top.index] = i;
      stack.pop();
      if (stack.length === 0) rootClosed = true;
      // Leaving the canonicalised subtree: what follows is not part of it.
      if (emitting && !(stack.length > 0 && (stack[stack.length - 1] as Frame).emitting)) sink.drop(j + 1);
      i = j + 1;
    } else {
      throw new OffFastPath('unexpected markup', i);
    }
  }
  if (stack.length > 0 || !rootSeen) throw new OffFastPath('no root element, or an unclosed element', i);
  sink.finish();
  const outline: TextOutline = {
    count,
    name: (k) => nameTable[names[k] as number] as string,
    parents: parents.subarray(0, count),
    ids,
    span: (k) => {
      const startTagEnd = startTagEnds[k] as number;
      const endTagStart = endTagStarts[k] as number;
      return { name: nameTable[names[k] as number] as string, start: starts[k] as number, startTagEnd, selfClosing: endTagStart === startTagEnd - 2 && text.startsWith('/>', endTagStart), endTagStart };
    },
  };
  return { outline, found };
}

function isNameCharAt(text: string, j: number): boolean {
  const c = text.charCodeAt(j);
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 58) || c === 45 || c === 46;
}

/** Scope, namespace axis and attribute axis of one start tag, as canonicalize.ts's writeElement does them. */
function openElement(
  name: string, prefix: string, all: readonly RawAttribute[], index: number, parent: Frame | null, stack: readonly Frame[],
  method: C14nMethod, emitting: boolean, apex: boolean, empty: Namespaces, offset: number,
): Frame {
  const parentScope = parent ? parent.scope : empty;
  if (all.length === 0) {
    // Most elements of a large document: no attributes, nothing declared. Only their own prefix can need a declaration.
    if (prefix === 'xmlns' || (prefix !== '' && !parentScope.has(prefix))) throw new OffFastPath('element prefix not declared', offset);
    if (!emitting) return new Frame(name, index, parentScope, empty, null, false, null);
    const parentRendered = apex || !parent ? empty : parent.rendered;
    // Inclusive, same scope as an output parent: the parent rendered all of it already.
    if (method === 'exc' || apex || !parent || parent.scope !== parentScope || !parent.emitting) {
      const uri = parentScope.get(prefix) ?? '';
      const previous = parentRendered.get(prefix);
      const skip = prefix === '' && uri === '' ? previous === undefined || previous === '' : previous === uri;
      if (method === 'exc' && !skip) {
        const rendered = new Map(parentRendered).set(prefix, uri);
        return new Frame(name, index, parentScope, rendered, null, true, `<${name}${prefix === '' ? ' xmlns="' : ` xmlns:${prefix}="`}${escapeAttribute(uri)}">`);
      }
      if (method === 'inc') return openElementInFull(name, prefix, all, index, parent, stack, method, emitting, apex, empty, offset);
    }
    return new Frame(name, index, parentScope, parentRendered, null, true, PLAIN);
  }
  return openElementInFull(name, prefix, all, index, parent, stack, method, emitting, apex, empty, offset);
}

function openElementInFull(
  name: string, prefix: string, all: readonly RawAttribute[], index: number, parent: Frame | null, stack: readonly Frame[],
  method: C14nMethod, emitting: boolean, apex: boolean, empty: Namespaces, offset: number,
): Frame {
  const parentScope = parent ? parent.scope : empty;
  let scope: Namespaces = parentScope;
  let own: RawAttribute[] | null = null;
  let xmlAttributes: RawAttribute[] | null = null;
  for (const a of all) {
    if (a.name === 'xmlns' || a.prefix === 'xmlns') {
      const declared = a.prefix === 'xmlns' ? a.local : '';
      if (declared === 'xml' || declared === 'xmlns' || a.value === XML_NS || a.value === 'http://www.w3.org/2000/xmlns/') throw new OffFastPath('declaration of a reserved prefix or namespace', offset);
      if (declared !== '' && a.value === '') throw new OffFastPath('prefix undeclared with ""', offset);
      if (scope === parentScope) scope = new Map(parentScope);
      (scope as Map<string, string>).set(declared, a.value);
    } else {
      (own ??= []).push(a);
      if (a.prefix === 'xml') (xmlAttributes ??= []).push(a);
    }
  }
  if (prefix === 'xmlns' || (prefix !== '' && !scope.has(prefix))) throw new OffFastPath('element prefix not declared', offset);
  const attributes = (own ?? []).map((a) => {
    if (a.prefix !== '' && a.prefix !== 'xml' && !scope.has(a.prefix)) throw new OffFastPath('attribute prefix not declared', offset);
    return { name: a.name, ns: a.prefix === '' ? '' : a.prefix === 'xml' ? XML_NS : (scope.get(a.prefix) as string), local: a.local, value: a.value };
  });
  // Two prefixes bound to one namespace can still name one attribute twice [Namespaces §6.3]. A set: linear.
  if (new Set(attributes.map((a) => `${a.ns} ${a.local}`)).size !== attributes.length) throw new OffFastPath('attribute repeated by namespace', offset);
  if (!emitting) return new Frame(name, index, scope, empty, xmlAttributes, false, null);

  // The apex of a subtree renders everything it needs afresh: its output ancestors are not in the output.
  const parentRendered = apex || !parent ? empty : parent.rendered;
  const candidates: string[] = method === 'inc'
    ? [...scope.keys()]
    : attributes.length === 0 ? [prefix]
      : [...new Set([prefix, ...attributes.map((a) => a.name.includes(':') ? a.name.slice(0, a.name.indexOf(':')) : '').filter((p) => p !== '')])];
  const declarations: Array<[string, string]> = [];
  for (const p of candidates) {
    if (p === 'xml') continue;
    const uri = scope.get(p) ?? '';
    const previous = parentRendered.get(p);
    if (p === '' && uri === '') {
      if (previous === undefined || previous === '') continue;
    } else if (previous === uri) continue;
    declarations.push([p, uri]);
  }
  declarations.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let rendered: Namespaces = parentRendered;
  if (declarations.length > 0) {
    const r = new Map(parentRendered);
    for (const [p, uri] of declarations) r.set(p, uri);
    rendered = r;
  }
  if (method === 'inc' && apex) {
    // Inclusive C14N of a subtree takes xml:* attributes from outside ancestors, nearest first [C14N §2.4].
    const present = new Set(attributes.map((x) => x.name));
    for (let s = stack.length - 1; s >= 0; s--) {
      for (const a of (stack[s] as Frame).xmlAttributes ?? []) {
        if (!present.has(a.name)) { attributes.push({ name: a.name, ns: XML_NS, local: a.local, value: a.value }); present.add(a.name); }
      }
    }
  }
  if (attributes.length > 1) attributes.sort((a, b) => (a.ns !== b.ns ? (a.ns < b.ns ? -1 : 1) : a.local < b.local ? -1 : a.local > b.local ? 1 : 0));
  let start = `<${name}`;
  for (const [p, uri] of declarations) start += `${p === '' ? ' xmlns="' : ` xmlns:${p}="`}${escapeAttribute(uri)}"`;
  for (const a of attributes) start += ` ${a.name}="${escapeAttribute(a.value)}"`;
  return new Frame(name, index, scope, rendered, xmlAttributes, true, `${start}>`);
}

/** A text run [from, to) in an element: copied as is unless it holds a reference, '>' or CR; checked either way. */
function writeText(sink: Sink, text: string, from: number, to: number, emitting: boolean): void {
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 38 || c === 62 || c === 13) {
      const raw = text.slice(from, to);
      if (raw.includes(']]>')) throw new OffFastPath('"]]>" in text', from);
      const canonical = escapeText(expandReferences(normalizeNewlines(raw), from));
      if (emitting) sink.token(from, to, canonical);
      return;
    }
  }
  if (emitting) sink.token(from, to, null);
}

/**
 * Feeds the hash. Tokens whose canonical form equals their text extend a run of the original text, passed on
 * when the run ends; other tokens are written in their canonical form. Small pieces are gathered into chunks.
 */
class Sink {
  private copyFrom = -1;
  private buffer = '';
  constructor(private readonly update: (chunk: string) => void, private readonly text: string) {}

  /** The token [start, end) canonicalises to `canonical` (null: to itself). */
  token(start: number, end: number, canonical: string | null): void {
    if (canonical === null || (canonical.length === end - start && this.text.startsWith(canonical, start))) {
      if (this.copyFrom < 0) this.copyFrom = start;
    } else this.write(start, canonical);
  }

  /** Write `s` for a token starting at `at` that does not read as itself. */
  write(at: number, s: string): void {
    this.endRun(at);
    this.push(s);
  }

  /** A token starting at `at` that is not in the output (comment, what follows the canonicalised subtree). */
  drop(at: number): void {
    this.endRun(at);
  }

  finish(): void {
    this.endRun(this.text.length);
    if (this.buffer) this.update(this.buffer);
    this.buffer = '';
  }

  private endRun(at: number): void {
    if (this.copyFrom < 0) return;
    let from = this.copyFrom;
    this.copyFrom = -1;
    if (at - from < CHUNK) { this.push(this.text.slice(from, at)); return; }
    if (this.buffer) { this.update(this.buffer); this.buffer = ''; }
    while (from < at) {
      let to = Math.min(at, from + 16 * CHUNK);
      // Never split a surrogate pair between two pieces: each half alone would be hashed as U+FFFD.
      const last = this.text.charCodeAt(to - 1);
      if (to < at && last >= 0xd800 && last <= 0xdbff) to++;
      this.update(this.text.slice(from, to));
      from = to;
    }
  }

  private push(s: string): void {
    this.buffer += s;
    if (this.buffer.length >= CHUNK) { this.update(this.buffer); this.buffer = ''; }
  }
}

/** [C14N §2.3 "Text Nodes"], as canonicalize.ts. */
function escapeText(s: string): string {
  if (!/[&<>\r]/.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

/** [C14N §2.3 "Attribute Nodes"], as canonicalize.ts. */
function escapeAttribute(s: string): string {
  if (!/[&<"\t\n\r]/.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;');
}
