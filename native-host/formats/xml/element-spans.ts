/**
 * Where each element's tags sit in the original text, in document order (the same order as a DOM walk), so a
 * signature can be spliced in without re-serialising — and so without changing a byte of the rest of the file.
 * Runs only on text the DOM parser accepted and that has no DOCTYPE, so a small scanner is enough.
 */
import { KysoError } from '../../../shared/errors/kyso-error.js';

export interface ElementSpan {
  /** Qualified name as written (prefix:local). */
  readonly name: string;
  /** Offset of '<' of the start tag. */
  readonly start: number;
  /** Offset just past the start tag's '>'. */
  readonly startTagEnd: number;
  readonly selfClosing: boolean;
  /** Offset of '<' of the end tag (= offset of "/>" for a self-closing tag). */
  readonly endTagStart: number;
}

/**
 * Deepest element nesting accepted. E-invoices nest < 20 levels; recursion in the parser and in C14N would
 * otherwise overflow the stack on a hostile document (RangeError instead of a typed refusal).
 */
export const XML_MAX_DEPTH = 256;

export function scanElementSpans(text: string): ElementSpan[] {
  const spans: Array<{ name: string; start: number; startTagEnd: number; selfClosing: boolean; endTagStart: number }> = [];
  const open: number[] = [];
  let i = 0;
  const fail = (reason: string): never => { throw new KysoError('INVALID_DOCUMENT', { reason, offset: i }); };
  const skipTo = (marker: string, from: number): number => {
    const at = text.indexOf(marker, from);
    if (at < 0) fail(`unterminated markup (expected "${marker}")`);
    return at + marker.length;
  };
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    i = lt;
    if (text.startsWith('<!--', i)) i = skipTo('-->', i + 4);
    else if (text.startsWith('<![CDATA[', i)) i = skipTo(']]>', i + 9);
    else if (text.startsWith('<?', i)) i = skipTo('?>', i + 2);
    else if (text.startsWith('<!', i)) fail('DOCTYPE or markup declaration');
    else if (text.startsWith('</', i)) {
      const index = open.pop();
      if (index === undefined) fail('end tag without a start tag');
      (spans[index as number] as { endTagStart: number }).endTagStart = i;
      i = skipTo('>', i + 2);
    } else {
      const nameMatch = /^<([^\s/>]+)/.exec(text.slice(i, i + 1024));
      if (!nameMatch) fail('bad start tag');
      const name = (nameMatch as RegExpExecArray)[1] as string;
      // Walk the attributes; quoted values may contain '>' and '/'.
      let j = i + 1 + name.length;
      let quote: string | null = null;
      for (; j < text.length; j++) {
        const c = text[j];
        if (quote) { if (c === quote) quote = null; }
        else if (c === '"' || c === "'") quote = c;
        else if (c === '>') break;
      }
      if (j >= text.length) fail('unterminated start tag');
      const selfClosing = text[j - 1] === '/';
      const span = { name, start: i, startTagEnd: j + 1, selfClosing, endTagStart: selfClosing ? j - 1 : -1 };
      spans.push(span);
      if (!selfClosing) open.push(spans.length - 1);
      if (open.length > XML_MAX_DEPTH) fail(`elements nested deeper than ${XML_MAX_DEPTH}`);
      i = j + 1;
    }
  }
  if (open.length > 0) fail('unclosed element');
  return spans;
}
