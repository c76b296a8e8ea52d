/** The tag scanner that lets the signature be spliced in without re-serialising the document. */
import { describe, expect, it } from 'vitest';
import { scanElementSpans, XML_MAX_DEPTH } from '../../native-host/formats/xml/element-spans.js';
import { KysoError } from '../../shared/errors/kyso-error.js';

describe('scanElementSpans', () => {
  it('finds start and end tags past comments, CDATA, PIs and quoted ">" or "/>" in attributes', () => {
    const text = '<?xml version="1.0"?><!-- <fake> --><r a="x>y" b=\'/>\'><![CDATA[<notag/>]]><p:e/><f>t</f><?pi <x>?></r>';
    const spans = scanElementSpans(text);
    expect(spans.map((s) => s.name)).toEqual(['r', 'p:e', 'f']);
    const [r, e, f] = spans;
    expect(text.slice(r!.start, r!.startTagEnd)).toBe('<r a="x>y" b=\'/>\'>');
    expect(text.slice(r!.endTagStart)).toBe('</r>');
    expect(e!.selfClosing).toBe(true);
    expect(text.slice(e!.endTagStart, e!.startTagEnd)).toBe('/>');
    expect(text.slice(f!.endTagStart, f!.endTagStart + 4)).toBe('</f>');
  });

  it('refuses a DOCTYPE, unclosed elements and nesting deeper than the limit with INVALID_DOCUMENT', () => {
    for (const text of ['<!DOCTYPE r><r/>', '<r><a></r>'.replace('</r>', ''), `${'<a>'.repeat(XML_MAX_DEPTH + 1)}${'</a>'.repeat(XML_MAX_DEPTH + 1)}`]) {
      expect(() => scanElementSpans(text)).toThrow(KysoError);
    }
    expect(scanElementSpans(`${'<a>'.repeat(XML_MAX_DEPTH)}${'</a>'.repeat(XML_MAX_DEPTH)}`)).toHaveLength(XML_MAX_DEPTH);
  });
});
