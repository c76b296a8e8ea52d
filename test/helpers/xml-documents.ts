/**
 * Generated XML documents for the tests of the XML readers (test/unit/xml-text-c14n.test.ts,
 * test/fuzz/xml-text-path.test.ts): rich in what the text fast path must get right (namespaces declared at several
 * levels, prefixed and xml:* attributes, Ids, the five entities and character references, CDATA, comments, PIs,
 * CR/CRLF line ends, whitespace outside the root, an XML declaration, nesting around XML_MAX_DEPTH, long attribute
 * values) and, with `hostile`, in what it must decline or a reader refuse (undefined entities, DOCTYPE, nesting far
 * past XML_MAX_DEPTH, reserved or undeclared prefixes, other XML versions and encodings).
 * The fuzz target's seeds replay only while the arbitrary is built the same way: change it knowingly.
 */
import fc from 'fast-check';

/**
 * Documents built from pieces the text path covers (`hostile` false: it should take most of them) or with, in
 * addition, pieces it must decline and a reader may refuse (`hostile` true).
 */
export function xmlDocuments(hostile: boolean): fc.Arbitrary<string> {
  const some = <T>(clean: T[], more: T[]): fc.Arbitrary<T> => fc.constantFrom(...clean, ...(hostile ? more : []));
  const prefix = fc.constantFrom('', '', 'a', 'b', 'ds', ...(hostile ? ['q'] : []));
  const uri = some(['urn:a', 'urn:b', 'http://www.w3.org/2000/09/xmldsig#', 'urn:x?y=1&amp;z', ''], ['http://www.w3.org/XML/1998/namespace', 'http://www.w3.org/2000/xmlns/']);
  const local = fc.constantFrom('r', 'e', 'Id', 'x', 'HDon', 'DLHDon', 'TTChung', 'lang', 'space', 'ID', 'id');
  const textChunk = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('plain', ' ', '\n', '\r\n', '\r', '\t', '&amp;', '&lt;', '&gt;', '>', '&quot;', '&apos;', '"', "'",
      '&#13;', '&#xD;', '&#9;', '&#10;', '&#x1F600;', '&#65;', '😀', 'Hóa đơn', '<![CDATA[ <&>\r\n ]]>', '<![CDATA[]]>', '<!-- c -->', '<!---->',
      '<?pi data ?>', '<?pi?>', ']]', ']>') },
    // What the text path must decline and a parser refuse or read its own way.
    ...(hostile ? [
      { weight: 1, arbitrary: fc.constantFrom('&e;', '&undefined;', '&#0;', '&#xD800;', '&#99999999;', '&#x;', '& ', ']]>', '<!-- a -- b -->', '\u0000', '\u0001', '\uFFFE', '\uFFFD', '\u0080', '\u0085', '\u2028', '<?xml x?>', '<!ENTITY e "x">', '&amp', '&#x110000;') },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    ] : []),
  );
  const attrChunk = some(['v', ' ', '\t', '\n', '\r\n', '\r', '&amp;', '&lt;', '>', '&quot;', "'", '&#9;', '&#10;', '&#13;', 'é', '😀'], ['&e;', '<', '&']);
  const attrValue = fc.oneof(
    { weight: 20, arbitrary: fc.array(attrChunk, { maxLength: 4 }).map((parts) => parts.join('')) },
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'x'.repeat(n)) },
  );
  const quoted = (v: string) => `"${v.replace(/"/g, '&quot;')}"`;
  const attribute = fc.oneof(
    fc.tuple(prefix, local, attrValue).map(([p, l, v]) => (p ? `${p}:${l}=${quoted(v)}` : `${l}=${quoted(v)}`)),
    fc.tuple(some(['lang', 'space', 'base'], ['id', 'other']), attrValue).map(([l, v]) => `xml:${l}=${quoted(v)}`),
    fc.tuple(some(['', '', 'a', 'b', 'ds', 'q'], ['xml', 'xmlns']), uri).map(([p, u]) => (p ? `xmlns:${p}="${u || (hostile ? '' : 'urn:re')}"` : `xmlns="${u}"`)),
    some(['Id="i1"', 'Id="i2"', 'id="i3"', 'ID="i4"', "Id='i5'", 'Id="data"', 'Id="i1"', 'Id = "i7"'], ['x:Id="i6"', 'Id="1bad"']),
  );
  const { element } = fc.letrec<{ element: string; content: string }>((tie) => ({
    element: fc.tuple(prefix, local, fc.array(attribute, { maxLength: 4 }), fc.constantFrom(' ', '', '\n\t', '\r\n'), fc.boolean(), tie('content'))
      .map(([p, l, attrs, space, empty, content]) => {
        const name = p ? `${p}:${l}` : l;
        const head = `<${name}${attrs.map((a) => ` ${a}`).join('')}${space}`;
        return empty && !content ? `${head}/>` : `${head}>${content}</${name}${space}>`;
      }),
    content: fc.array(fc.oneof({ weight: 3, arbitrary: textChunk }, { weight: 2, arbitrary: tie('element') }), { maxLength: 4 }).map((parts) => parts.join('')),
  }));
  // A chain of nested elements around XML_MAX_DEPTH (256) and far past it; sometimes left unclosed.
  const deep = fc.record({ depth: fc.oneof(fc.integer({ min: 240, max: 270 }), fc.integer({ min: 1, max: hostile ? 100_000 : 250 })), tag: fc.constantFrom('a', 'b:a', 'HDon'), closed: hostile ? fc.boolean() : fc.constant(true) })
    .map(({ depth, tag, closed }) => `<${tag}>`.repeat(depth) + (closed ? `</${tag}>`.repeat(depth) : ''));
  const outside = some(['', '\n', '\r\n  ', '<!-- before -->', '<?pi-out x?>\n', '<?pi-out?>'], [' x ', '<!DOCTYPE root>', '<!DOCTYPE r [<!ENTITY e "x">]>', '<r2/>']);
  const declaration = some(['', '<?xml version="1.0" encoding="UTF-8"?>\n', "<?xml version='1.0'?>", '<?xml version="1.0" encoding="utf8" standalone="yes"?>'],
    ['<?xml version="1.1"?>', '<?xml version="1.0" encoding="windows-1258"?>', '<?xml  version="1.0"?>', ' <?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>']);
  return fc.tuple(declaration, outside, fc.array(attribute, { maxLength: 3 }), fc.oneof({ weight: 8, arbitrary: element }, { weight: 1, arbitrary: deep }), outside)
    .map(([decl, before, rootAttrs, inner, after]) => `${decl}${before}<root xmlns:a="urn:a" xmlns:b="urn:b" xmlns:ds="urn:ds"${rootAttrs.map((a) => ` ${a}`).join('')}>${inner}</root>${after}`);
}
