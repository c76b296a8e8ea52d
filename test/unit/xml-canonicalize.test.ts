/** Canonical XML 1.0 and Exclusive C14N against examples from the W3C specifications and their escaping rules. */
import { describe, expect, it } from 'vitest';
import type { Element } from '@xmldom/xmldom';
import { canonicalize } from '../../native-host/formats/xml/canonicalize.js';
import { parseXml } from '../../native-host/formats/xml/xml-input.js';

const first = (xml: string, localName: string): Element => {
  const found = parseXml(xml).getElementsByTagNameNS('*', localName).item(0);
  if (!found) throw new Error(`no ${localName}`);
  return found as unknown as Element;
};

describe('canonicalize', () => {
  // [Exc-C14N §2.2]: the same subtree, inclusive vs exclusive.
  const example = '<n0:local xmlns:n0="foo:bar" xmlns:n3="ftp://example.org"><n1:elem2 xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"/></n1:elem2></n0:local>';
  it('inclusive C14N of a subtree carries every in-scope namespace down to the apex [Exc-C14N §2.2]', () => {
    expect(canonicalize(first(example, 'elem2'), 'inc'))
      .toBe('<n1:elem2 xmlns:n0="foo:bar" xmlns:n1="http://example.net" xmlns:n3="ftp://example.org" xml:lang="en"><n3:stuff></n3:stuff></n1:elem2>');
  });
  it('exclusive C14N renders only visibly used namespaces, where used [Exc-C14N §2.2]', () => {
    expect(canonicalize(first(example, 'elem2'), 'exc'))
      .toBe('<n1:elem2 xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"></n3:stuff></n1:elem2>');
  });
  it('inclusive C14N of a subtree inherits xml:* attributes from ancestors [C14N §2.4]', () => {
    expect(canonicalize(first('<a xml:lang="vi" xml:space="preserve"><b xml:lang="en"><c/></b></a>', 'c'), 'inc'))
      .toBe('<c xml:lang="en" xml:space="preserve"></c>');
    expect(canonicalize(first('<a xml:lang="vi"><b><c/></b></a>', 'c'), 'exc')).toBe('<c></c>');
  });
  it('sorts namespaces then attributes (no-namespace first, then by URI and local name), escapes per C14N §2.3', () => {
    const xml = '<e b="2" z:c="3" a="&lt;&amp;&quot;&#9;&#10;&#13;>" xmlns:z="urn:z" y:d="4" xmlns:y="urn:a" xmlns="urn:d">t &gt; &amp; &lt; &#13;"\'<![CDATA[<x>]]></e>';
    expect(canonicalize(parseXml(xml), 'inc'))
      .toBe('<e xmlns="urn:d" xmlns:y="urn:a" xmlns:z="urn:z" a="&lt;&amp;&quot;&#x9;&#xA;&#xD;>" b="2" y:d="4" z:c="3">t &gt; &amp; &lt; &#xD;"\'&lt;x&gt;</e>');
  });
  it('drops comments and the XML declaration, keeps PIs around the root with line feeds [C14N §2.1]', () => {
    const xml = '<?xml version="1.0"?>\n<?pi-before data?>\n<!-- c -->\n<r><!-- inner --><?pi-in?>x</r>\n<?pi-after?>\n';
    expect(canonicalize(parseXml(xml), 'exc')).toBe('<?pi-before data?>\n<r><?pi-in?>x</r>\n<?pi-after?>');
  });
  it('emits xmlns="" only to undo a rendered default namespace', () => {
    const xml = '<r xmlns="urn:d"><a xmlns=""><b/></a></r>';
    expect(canonicalize(parseXml(xml), 'inc')).toBe('<r xmlns="urn:d"><a xmlns=""><b></b></a></r>');
    expect(canonicalize(first(xml, 'a'), 'inc')).toBe('<a><b></b></a>');
    expect(canonicalize(parseXml(xml), 'exc')).toBe('<r xmlns="urn:d"><a xmlns=""><b></b></a></r>');
  });
  it('leaves out an excluded subtree (enveloped-signature transform)', () => {
    const doc = parseXml('<r><a>1</a><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><x/></Signature><b>2</b></r>');
    const signature = doc.getElementsByTagName('Signature').item(0) ?? undefined;
    expect(canonicalize(doc, 'exc', signature as never)).toBe('<r><a>1</a><b>2</b></r>');
  });
});
