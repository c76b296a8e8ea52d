/**
 * The small pieces of XML 1.0 + Namespaces syntax the text fast path (text-c14n.ts) reads itself: names, start
 * tags with their attributes, references. Deliberately narrower than XML: anything outside the subset throws
 * OffFastPath, and the caller falls back to the DOM path (xmldom), which either handles it exactly as before or
 * refuses it with the same typed error as before. So this code never has to decide that a document is malformed.
 */

/** Not an error of the document: "the text path does not cover this; use the DOM path". Never leaves signXmlDocument. */
export class OffFastPath extends Error {
  constructor(readonly why: string, readonly offset: number) {
    super(`XML text path declined at ${offset}: ${why}`);
  }
}

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

export interface RawAttribute {
  /** Qualified name as written. */
  readonly name: string;
  /** '' when unprefixed. */
  readonly prefix: string;
  readonly local: string;
  /** The value after reference expansion and attribute-value normalisation [XML 1.0 §3.3.3], no DTD: CDATA. */
  readonly value: string;
}

export interface StartTag {
  readonly name: string;
  readonly prefix: string;
  readonly attributes: readonly RawAttribute[];
  readonly selfClosing: boolean;
  /** Offset just past '>'. */
  readonly end: number;
}

const isNameStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isNameChar = (c: number) => isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46;
export const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;

/**
 * End of an ASCII NCName or QName (one colon, both parts non-empty) starting at `i`. Names outside ASCII are
 * legal XML but do not occur in the e-invoices this path is for: declined rather than tabulated here.
 */
export function scanName(text: string, i: number, allowColon: boolean): number {
  if (!isNameStart(text.charCodeAt(i))) throw new OffFastPath('name outside the ASCII subset', i);
  let j = i + 1;
  let colon = false;
  for (;;) {
    const c = text.charCodeAt(j);
    if (isNameChar(c)) j++;
    else if (c === 58 && allowColon && !colon && isNameStart(text.charCodeAt(j + 1))) { colon = true; j++; }
    else break;
  }
  if (text.charCodeAt(j) === 58) throw new OffFastPath('name with an unusual colon', j);
  return j;
}

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Expand the five predefined entities and character references; any other '&' is declined. */
export function expandReferences(raw: string, offset: number): string {
  let out = '';
  let from = 0;
  for (let amp = raw.indexOf('&'); amp >= 0; amp = raw.indexOf('&', from)) {
    const semi = raw.indexOf(';', amp);
    if (semi < 0 || semi - amp > 12) throw new OffFastPath('bare & or long reference', offset + amp);
    const body = raw.slice(amp + 1, semi);
    let expansion: string | undefined = PREDEFINED[body];
    if (expansion === undefined) {
      const cp = /^#[0-9]{1,7}$/.test(body) ? Number(body.slice(1)) : /^#x[0-9a-fA-F]{1,6}$/.test(body) ? parseInt(body.slice(2), 16) : -1;
      // U+FFFD, C1 controls and XML 1.1 line ends are left to the DOM path, as when written literally (text-c14n.ts).
      if (!isXmlChar(cp) || (cp >= 0x7f && cp <= 0x9f) || cp === 0x2028 || cp === 0x2029 || cp === 0xfffd) throw new OffFastPath('entity other than the predefined five, or a bad character reference', offset + amp);
      expansion = String.fromCodePoint(cp);
    }
    out += raw.slice(from, amp) + expansion;
    from = semi + 1;
  }
  return from === 0 ? raw : out + raw.slice(from);
}

/** Line ends as an XML processor hands them on: CRLF and lone CR become LF [XML 1.0 §2.11]. */
export const normalizeNewlines = (s: string): string => (s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s);

/** Shared by every start tag without attributes (most of them): one allocation fewer per element. */
const NO_ATTRIBUTES: RawAttribute[] = [];

/** Parse the start tag whose '<' is at `start`. */
export function parseStartTag(text: string, start: number): StartTag {
  const nameEnd = scanName(text, start + 1, true);
  const name = text.slice(start + 1, nameEnd);
  const colon = name.indexOf(':');
  let attributes: RawAttribute[] = NO_ATTRIBUTES;
  let seen: Set<string> | null = null;
  let j = nameEnd;
  for (;;) {
    const spaceFrom = j;
    while (isSpace(text.charCodeAt(j))) j++;
    const c = text.charCodeAt(j);
    if (c === 62 /* > */) return { name, prefix: colon < 0 ? '' : name.slice(0, colon), attributes, selfClosing: false, end: j + 1 };
    if (c === 47 /* / */) {
      if (text.charCodeAt(j + 1) !== 62) throw new OffFastPath('"/" not followed by ">"', j);
      return { name, prefix: colon < 0 ? '' : name.slice(0, colon), attributes, selfClosing: true, end: j + 2 };
    }
    if (j === spaceFrom) throw new OffFastPath('attribute without whitespace before it', j);
    const attrEnd = scanName(text, j, true);
    const attrName = text.slice(j, attrEnd);
    j = attrEnd;
    while (isSpace(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) !== 61 /* = */) throw new OffFastPath('attribute without "="', j);
    j++;
    while (isSpace(text.charCodeAt(j))) j++;
    const quote = text[j];
    if (quote !== '"' && quote !== "'") throw new OffFastPath('unquoted attribute value', j);
    const close = text.indexOf(quote, j + 1);
    if (close < 0) throw new OffFastPath('unterminated attribute value', j);
    let raw = text.slice(j + 1, close);
    if (raw.includes('<')) throw new OffFastPath('"<" in an attribute value', j);
    // Literal whitespace characters become spaces; those written as character references stay [XML 1.0 §3.3.3].
    if (/[\t\n\r]/.test(raw)) raw = normalizeNewlines(raw).replace(/[\t\n]/g, ' ');
    const value = raw.includes('&') ? expandReferences(raw, j + 1) : raw;
    // A set once there are many: a hostile tag with 100,000 attributes must not cost 10^10 comparisons.
    if (attributes.length < 8) { for (const a of attributes) if (a.name === attrName) throw new OffFastPath('repeated attribute', j); }
    else {
      if (!seen) { seen = new Set(attributes.map((a) => a.name)); }
      if (seen.has(attrName)) throw new OffFastPath('repeated attribute', j);
      seen.add(attrName);
    }
    const ac = attrName.indexOf(':');
    if (attributes === NO_ATTRIBUTES) attributes = [];
    attributes.push({ name: attrName, prefix: ac < 0 ? '' : attrName.slice(0, ac), local: ac < 0 ? attrName : attrName.slice(ac + 1), value });
    j = close + 1;
  }
}
