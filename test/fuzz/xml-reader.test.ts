/**
 * Fuzz: the XML reader (native-host/formats/xml/xml-input.ts, parse-in-context.ts) and the consent window's
 * summary (native-host/documents/xml-summary.ts) on generated and mutated XML: entities (defined, undefined,
 * character references, DOCTYPE tricks), deep nesting, huge attributes, namespace declarations and prefixes,
 * encodings (declared and actual: BOMs, UTF-16, invalid UTF-8). Property: returns, or a typed KysoError of the
 * reader's codes; each case within 2 s.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { parseInContext } from '../../native-host/formats/xml/parse-in-context.js';
import { readXmlInput } from '../../native-host/formats/xml/xml-input.js';
import { summarizeXml } from '../../native-host/documents/xml-summary.js';
import { expectTypedRejection, fuzz, mutationsOf } from './fuzz-harness.js';

const CODES = ['INVALID_DOCUMENT', 'UNSUPPORTED_DOCUMENT', 'PAYLOAD_TOO_LARGE', 'XML_AMBIGUOUS_CONTENT', 'BAD_REQUEST'];
const FIXTURES = join(import.meta.dirname, '../fixtures/xml');
const seeds = ['einvoice-tt78.xml', 'namespaced-crlf.xml'].map((f) => new Uint8Array(readFileSync(join(FIXTURES, f))));

const name = fc.oneof(fc.constantFrom('HDon', 'DLHDon', 'TTChung', 'NDHDon', 'TToan', 'a', 'ds:Signature', 'x:y', 'xmlns', 'xml:lang', 'Id', 'ID', 'id'), fc.stringMatching(/^[A-Za-z_][\w.-]{0,12}(:[A-Za-z_][\w.-]{0,8})?$/));
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('&amp;', '&lt;', '&#x1F600;', '&#0;', '&#xD800;', '&#99999999;', '&undefined;', '&ext;', ']]>', '<![CDATA[x]]>', '<!-- c -->', '<?pi x?>', 'Hóa đơn', '\r\n', '\u0000', '\uFFFE'),
);
const attribute = fc.record({ name, value: fc.oneof(text, fc.integer({ min: 0, max: 200_000 }).map((n) => 'x'.repeat(n)), fc.constantFrom('http://www.w3.org/2000/09/xmldsig#', '', 'data', 'urn:x')) })
  .map(({ name: n, value }) => ` ${n}="${value}"`);
const element: fc.Arbitrary<string> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    text,
    fc.record({ tag: name, attrs: fc.array(attribute, { maxLength: 4 }), kids: fc.array(tie('node'), { maxLength: 4 }) })
      .map(({ tag, attrs, kids }) => `<${tag}${attrs.join('')}>${(kids as string[]).join('')}</${tag}>`)),
})).node as fc.Arbitrary<string>;

const prolog = fc.constantFrom('', '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="utf8"?>', '<?xml version="1.0" encoding="windows-1258"?>', '<?xml version="1.1" encoding="UTF-16"?>',
  '<!DOCTYPE a [<!ENTITY e "x">]>', '<!DOCTYPE a SYSTEM "file:///etc/passwd">', '<!doctype a>', '<!-- <!DOCTYPE --> ');
const deep = fc.record({ depth: fc.integer({ min: 1, max: 100_000 }), tag: fc.constantFrom('a', 'x:a', 'HDon'), closed: fc.boolean() })
  .map(({ depth, tag, closed }) => `<${tag}${tag.includes(':') ? ' xmlns:x="urn:x"' : ''}>` + `<${tag}>`.repeat(depth) + (closed ? `</${tag}>`.repeat(depth) : '') + `</${tag}>`);
const encoded = (xml: string) => fc.constantFrom('utf8', 'bom', 'utf16le', 'utf16be', 'latin1', 'badbyte').map((how): Uint8Array => {
  const utf8 = Buffer.from(xml, 'utf8');
  switch (how) {
    case 'bom': return new Uint8Array(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]));
    case 'utf16le': return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]));
    case 'utf16be': return new Uint8Array(Buffer.from(xml, 'utf16le').swap16());
    case 'latin1': return new Uint8Array(Buffer.from(xml, 'latin1'));
    case 'badbyte': return new Uint8Array(Buffer.concat([utf8, Buffer.from([0xc3, 0x28, 0xff])]));
    default: return new Uint8Array(utf8);
  }
});

const xmlCases: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(prolog, fc.oneof(element, deep)).chain(([p, body]) => encoded(p + body)),
  fc.nat({ max: seeds.length - 1 }).chain((i) => mutationsOf(seeds[i]!, ['<', '>', '</', '/>', '&', ';', '"', '=', 'xmlns:', '<!DOCTYPE x>', '&#x0;', 'Id="data"', '<TTChung>'])),
);

describe('fuzz: XML reader', () => {
  it('readXmlInput: returns or a typed KysoError, each case within 2 s', async () => {
    await fuzz('xml-read-input', xmlCases, (bytes) => expectTypedRejection(() => readXmlInput(bytes), CODES));
  });

  it('summarizeXml (what the consent window shows), whole document or by Id: returns or a typed KysoError', async () => {
    await fuzz('xml-summary', fc.record({ bytes: xmlCases, ref: fc.option(fc.constantFrom('data', 'x', '', 'a"b')) }), ({ bytes, ref }) =>
      expectTypedRejection(() => summarizeXml(bytes, ref ?? undefined), CODES));
  });

  it('parseInContext: our Signature fragment under any element of a fuzzed document returns or a typed KysoError', async () => {
    // The fragment is always Kyso's own Signature (sign-xml-document.ts); what the document controls is the
    // parent's namespace declarations and xml:* attributes, copied onto the context element.
    const fragments = ['<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature>', '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/>', '<x:a/>', 'text'];
    await fuzz('xml-parse-in-context', fc.record({ bytes: xmlCases, at: fc.nat(), fragment: fc.constantFrom(...fragments) }), async ({ bytes, at, fragment }) => {
      let elements: unknown[] = [];
      try {
        const doc = readXmlInput(bytes).document;
        elements = Array.from(doc.getElementsByTagName('*'));
      } catch {
        return; // refused documents are readXmlInput's target
      }
      if (elements.length === 0) return;
      await expectTypedRejection(() => parseInContext(elements[at % elements.length] as never, fragment), CODES);
    });
  });
});
