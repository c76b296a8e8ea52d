/**
 * Fuzz: the XML text fast path (native-host/formats/xml/text-view.ts + text-c14n.ts), the first reader of every
 * sign-xml input, as sign-xml-document.ts runs it: bytes → decodeXmlText → textView, and for what the text path
 * declines (OffFastPath) the DOM path (scanElementSpans + domView, xmldom). Inputs: generated documents rich in what
 * the text path must get right (namespaces declared at several levels, prefixed and xml:* attributes, Ids, the five
 * entities and character references, CDATA, comments, PIs, CR/CRLF/NEL/LS line ends, a BOM, an XML declaration)
 * and in what it must decline or a reader refuse (undefined entities, DOCTYPE, deep nesting past XML_MAX_DEPTH,
 * 200 kB attributes, reserved or undeclared prefixes, UTF-16/latin1/invalid UTF-8), each optionally mutated byte by
 * byte; and mutations of the e-invoice fixtures.
 * Properties, each case within 2 s:
 *  - no crash: every throw is OffFastPath (text path only) or a KysoError of the reader's codes;
 *  - differential: whenever the text path does not decline, the DOM path accepts the document too and the two
 *    agree on what signing reads — the canonical form (exclusive or inclusive C14N, whole document and the
 *    referenced Id'd element, compared as text), the reference digest, which Ids are in use, the Id check, the
 *    parent element a path names, its name, its tag offsets (the splice) and its namespace context;
 *  - Kyso's own Signature canonicalised under that parent (own-signature-c14n.ts: the text path again, over the
 *    context the document controls) equals xmldom's canonical form of it parsed in that context, whichever path
 *    read the document;
 *  - not vacuous: a fair share of the cases is taken by the text path (else the differential checks nothing).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Document, Element } from '@xmldom/xmldom';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { canonicalize, type C14nMethod } from '../../native-host/formats/xml/canonicalize.js';
import { domView, type DocumentView } from '../../native-host/formats/xml/document-view.js';
import { scanElementSpans } from '../../native-host/formats/xml/element-spans.js';
import { elementsInOrder, findElementById } from '../../native-host/formats/xml/find-elements.js';
import { canonicalizeOwn, type OwnPart } from '../../native-host/formats/xml/own-signature-c14n.js';
import { parseWithContext } from '../../native-host/formats/xml/parse-in-context.js';
import { canonicalizeText } from '../../native-host/formats/xml/text-c14n.js';
import { textView } from '../../native-host/formats/xml/text-view.js';
import { decodeXmlText, parseXml } from '../../native-host/formats/xml/xml-input.js';
import { OffFastPath } from '../../native-host/formats/xml/xml-tokens.js';
import { xmlDocuments } from '../helpers/xml-documents.js';
import { fuzz, mutationsOf } from './fuzz-harness.js';

const CODES = ['INVALID_DOCUMENT', 'UNSUPPORTED_DOCUMENT', 'PAYLOAD_TOO_LARGE', 'XML_AMBIGUOUS_CONTENT', 'BAD_REQUEST'];
const FIXTURES = join(import.meta.dirname, '../fixtures/xml');
const fixtures = ['einvoice-tt78.xml', 'namespaced-crlf.xml'].map((f) => new Uint8Array(readFileSync(join(FIXTURES, f))));

// ---- generated documents (xmlDocuments: test/helpers/xml-documents.ts) -----------------------------------------

/** Line ends and encodings: the same document as a file could carry it. */
const asFile = (hostile: boolean) => (xml: string) => fc.record({
  lineEnd: fc.constantFrom('\n', '\n', '\r\n', '\r', ...(hostile ? ['\u0085', '\u2028'] : [])),
  encoding: fc.constantFrom('utf8', 'utf8', 'bom', ...(hostile ? ['utf16le', 'utf16be', 'latin1', 'badbyte'] : [])),
}).map(({ lineEnd, encoding }): Uint8Array => {
  const text = lineEnd === '\n' ? xml : xml.replace(/\n/g, lineEnd);
  const utf8 = Buffer.from(text, 'utf8');
  switch (encoding) {
    case 'bom': return new Uint8Array(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]));
    case 'utf16le': return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    case 'utf16be': return new Uint8Array(Buffer.from(text, 'utf16le').swap16());
    case 'latin1': return new Uint8Array(Buffer.from(text, 'latin1'));
    case 'badbyte': return new Uint8Array(Buffer.concat([utf8.subarray(0, utf8.length >> 1), Buffer.from([0xc3, 0x28, 0xff]), utf8.subarray(utf8.length >> 1)]));
    default: return new Uint8Array(utf8);
  }
});

const XML_TOKENS = ['<', '>', '</', '/>', '&', ';', '"', "'", '=', ':', 'xmlns:', 'xmlns:q="" ', '&#x0;', '&#', 'Id="data"', '<TTChung>', ']]>', '<!--', '-->', '<![CDATA[', '<?', '?>', '\r', '\u0085', '\x01'];
const xmlCases: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: xmlDocuments(false).chain(asFile(false)) },
  { weight: 2, arbitrary: xmlDocuments(true).chain(asFile(true)) },
  { weight: 2, arbitrary: xmlDocuments(false).chain(asFile(false)).chain((bytes) => mutationsOf(bytes, XML_TOKENS)) },
  { weight: 2, arbitrary: fc.nat({ max: fixtures.length - 1 }).chain((i) => mutationsOf(fixtures[i]!, XML_TOKENS)) },
);

// ---- the property ----------------------------------------------------------------------------------------------

type Outcome = { ok: unknown } | { code: string };

/** Run a step of a view: its answer, or the code of the KysoError it throws (anything else is a finding). */
function outcome(step: () => unknown): Outcome {
  try {
    return { ok: step() };
  } catch (error) {
    return { code: typedCode(error) };
  }
}

function typedCode(error: unknown): string {
  if (!(error instanceof KysoError)) throw new Error(`not a KysoError: ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`);
  if (!CODES.includes(error.code)) throw new Error(`unexpected code ${error.code} (allowed: ${CODES.join(', ')}): ${JSON.stringify(error.details)}`);
  return error.code;
}

const hex = (digest: unknown) => Buffer.from(digest as Uint8Array).toString('hex');
const sortedEntries = (m: ReadonlyMap<string, string>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Ids and local names written in the text (candidates for a reference and a parent path). */
function idsIn(text: string): string[] {
  return [...text.matchAll(/\b(?:Id|id|ID)\s*=\s*["']([^"'<&]{0,40})["']/g)].map((m) => m[1]!);
}
function localNamesIn(text: string): string[] {
  return [...text.matchAll(/<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)/g)].map((m) => m[1]!.replace(/^.*:/, '')).slice(0, 64);
}

interface XmlCase { bytes: Uint8Array; method: C14nMethod; ref: number | null; parent: number | null; twoSteps: boolean; part: number }

let taken = 0;
let cases = 0;

function check({ bytes, method, ref, parent, twoSteps, part }: XmlCase): void {
  cases++;
  let text: string;
  try {
    ({ text } = decodeXmlText(bytes));
  } catch (error) {
    typedCode(error);
    return;
  }
  const ids = idsIn(text);
  const referenceId = ref === null || ids.length === 0 ? null : ids[ref % ids.length]!;
  const names = localNamesIn(text);
  const parentPath = parent === null || names.length === 0 ? undefined
    : twoSteps && names.length > 1 ? `${names[parent % names.length]}/${names[(parent + 1) % names.length]}` : names[parent % names.length];

  let fast: DocumentView | null = null;
  try {
    fast = textView(text, method, 'SHA-256', referenceId);
  } catch (error) {
    if (!(error instanceof OffFastPath)) typedCode(error);
  }
  // What sign-xml-document.ts does next when the text path declines; here also the oracle when it does not.
  let dom: DocumentView | null = null;
  try {
    dom = domView(text, scanElementSpans(text), method, 'SHA-256');
  } catch (error) {
    typedCode(error);
    if (fast) throw new Error(`the DOM path refuses (${(error as KysoError).code}: ${JSON.stringify((error as KysoError).details)}) a document the text path took`);
  }
  if (dom) ownSignatureUnder(dom, parentPath, method, part);
  if (!fast || !dom) return;
  taken++;

  // The canonical forms, as text: whole document, and the referenced element when exactly one has that Id.
  const document: Document = parseXml(text);
  expect(canonicalText(text, method, null), 'canonical form of the document').toBe(canonicalize(document, method));
  if (referenceId !== null) {
    const idCheck = outcome(() => dom.requireId(referenceId));
    expect(outcome(() => fast.requireId(referenceId)), `Id check of ${referenceId}`).toEqual(idCheck);
    if ('ok' in idCheck) {
      const target = findElementById(elementsInOrder(document), referenceId) as Element;
      expect(canonicalText(text, method, referenceId), `canonical form of #${referenceId}`).toBe(canonicalize(target, method));
    }
  }
  expect(mapOk(outcome(() => fast.digest(referenceId)), hex), 'reference digest').toEqual(mapOk(outcome(() => dom.digest(referenceId)), hex));
  for (const id of [...ids.slice(0, 8), 'sig-0', 'data']) expect(fast.idInUse(id), `idInUse(${id})`).toBe(dom.idInUse(id));

  const where = outcome(() => dom.parentIndex(parentPath));
  expect(outcome(() => fast.parentIndex(parentPath)), `parent ${parentPath}`).toEqual(where);
  if ('ok' in where) {
    const k = where.ok as number;
    expect(fast.nameAt(k)).toBe(dom.nameAt(k));
    expect(fast.spanAt(k)).toEqual(dom.spanAt(k));
    const [a, b] = [fast.contextAt(k), dom.contextAt(k)];
    expect(sortedEntries(a.namespaces), 'namespace context').toEqual(sortedEntries(b.namespaces));
    expect(sortedEntries(a.xmlAttributes), 'xml:* context').toEqual(sortedEntries(b.xmlAttributes));
  }
}

/**
 * Kyso's own Signature (as sign-xml-document.ts builds it) canonicalised under the parent the path names: the
 * document controls that parent's namespace declarations and xml:* attributes, and canonicalizeOwn reads them on
 * the text path. It must give what xmldom gives over the same Signature parsed in that context, or the same refusal.
 */
const SIGNATURE = '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="s"><SignedInfo><CanonicalizationMethod Algorithm="a"/>' +
  '<Reference Id="s-ref-doc" URI=""><DigestValue>@@KYSO-DIGEST-0@@</DigestValue></Reference></SignedInfo><SignatureValue>AAA=</SignatureValue>' +
  '<KeyInfo><X509Data><X509Certificate>MIIB</X509Certificate></X509Data></KeyInfo>' +
  '<Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#s"><xades:SignedProperties Id="s-signed-props">' +
  '<xades:SigningTime>2026-12-02T00:00:00Z</xades:SigningTime></xades:SignedProperties></xades:QualifyingProperties></Object>' +
  '<Object Id="s-signing-time"><SignatureProperties><SignatureProperty Target="#s"><SigningTime>t</SigningTime></SignatureProperty></SignatureProperties></Object></Signature>';
const OWN_PARTS: OwnPart[] = [{ child: 'SignedInfo', of: 's' }, { child: 'SignatureValue', of: 's' }, { id: 's-signed-props' }, { id: 's-signing-time' }];

function ownSignatureUnder(view: DocumentView, parentPath: string | undefined, method: C14nMethod, part: number): void {
  const where = outcome(() => view.parentIndex(parentPath));
  if (!('ok' in where)) return;
  const context = view.contextAt(where.ok as number);
  const own = OWN_PARTS[part % OWN_PARTS.length]!;
  const viaDom = outcome(() => {
    const elements = elementsInOrder(parseWithContext(context, SIGNATURE));
    if ('id' in own) return canonicalize(findElementById(elements, own.id), method);
    const sig = findElementById(elements, own.of);
    return canonicalize(elements.find((e) => e.parentNode === sig && e.localName === own.child) as Element, method);
  });
  expect(outcome(() => canonicalizeOwn(context, SIGNATURE, own, method)), `our Signature's ${JSON.stringify(own)} under ${parentPath ?? 'the root'}`).toEqual(viaDom);
}

function canonicalText(text: string, method: C14nMethod, target: string | null): string {
  const parts: string[] = [];
  const { found } = canonicalizeText(text, method, target, (chunk) => parts.push(chunk));
  if (!found) throw new Error(`the text path took the document but did not find ${target}`);
  return parts.join('');
}

function mapOk(o: Outcome, f: (value: unknown) => unknown): Outcome {
  return 'ok' in o ? { ok: f(o.ok) } : o;
}

describe('fuzz: XML text fast path', () => {
  it('textView (else the DOM path) on generated and mutated XML: typed refusals only, and where the text path takes a document it reads what the DOM path reads', async () => {
    const arbitrary = fc.record({
      bytes: xmlCases,
      method: fc.constantFrom<C14nMethod>('exc', 'inc'),
      ref: fc.option(fc.nat(), { freq: 2 }),
      parent: fc.option(fc.nat(), { freq: 3 }),
      twoSteps: fc.boolean(),
      part: fc.nat({ max: 3 }),
    });
    await fuzz('xml-text-path', arbitrary, check);
    console.log(`xml-text-path: the text path took ${taken} of ${cases} cases (the rest declined, or refused before it)`);
    // Generated documents are mostly well-formed and inside the covered subset: the text path must take a fair
    // share, or the differential above compared nothing.
    expect(taken, `text path took ${taken} of ${cases} cases`).toBeGreaterThan(cases * 0.1);
  });
});
