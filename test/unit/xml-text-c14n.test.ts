/**
 * The text fast path (text-c14n.ts) against the DOM path (xmldom + canonicalize.ts), differentially: for every
 * document the fast path accepts, its canonical form — whole document and every Id'd element, exclusive and
 * inclusive — must equal the DOM path's, its outline must match scanElementSpans and the DOM, and the DOM parser
 * must accept the document too (the fast path may
 * decline what it does not cover, never accept what the DOM path refuses).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Document, Element } from '@xmldom/xmldom';
import { canonicalize, type C14nMethod } from '../../native-host/formats/xml/canonicalize.js';
import { scanElementSpans } from '../../native-host/formats/xml/element-spans.js';
import { elementsInOrder, findElementById, ID_ATTRIBUTES } from '../../native-host/formats/xml/find-elements.js';
import { canonicalizeText, digestFromText } from '../../native-host/formats/xml/text-c14n.js';
import { OffFastPath } from '../../native-host/formats/xml/xml-tokens.js';
import { parseXml } from '../../native-host/formats/xml/xml-input.js';
import { xmlDocuments } from '../helpers/xml-documents.js';
// @ts-expect-error -- plain ESM script without types
import { invoiceBatchXml } from '../../scripts/bench/xml-batch.mjs';

const METHODS: C14nMethod[] = ['exc', 'inc'];

function fast(text: string, method: C14nMethod, target: string | null): string | OffFastPath {
  const parts: string[] = [];
  try {
    const { found } = canonicalizeText(text, method, target, (chunk) => parts.push(chunk));
    if (!found) throw new Error(`fast path did not find ${target}`);
  } catch (error) {
    if (error instanceof OffFastPath) return error;
    throw error;
  }
  return parts.join('');
}

function domOrNull(text: string): Document | null {
  try { return parseXml(text); } catch { return null; }
}

/** Ids in the document (each used once), to canonicalise each such element as a URI="#id" reference would. */
function singleIds(document: Document): string[] {
  const values = elementsInOrder(document).flatMap((e) => ID_ATTRIBUTES.map((a) => e.getAttribute(a)).filter((v): v is string => !!v));
  const count = new Map<string, number>();
  for (const v of values) count.set(v, (count.get(v) ?? 0) + 1);
  return values.filter((v) => count.get(v) === 1);
}

/** The property: accepted ⇒ the DOM accepts it and the canonical forms agree. Returns whether the fast path accepted. */
function agrees(text: string): boolean {
  const document = domOrNull(text);
  let accepted = false;
  for (const method of METHODS) {
    const whole = fast(text, method, null);
    if (whole instanceof OffFastPath) continue;
    accepted = true;
    expect(document, `the DOM path refuses a document the fast path accepted:\n${text}`).not.toBeNull();
    // The outline stands in for scanElementSpans (the splice) and the DOM (names, parents).
    const { outline } = digestFromText(text, method, 'SHA-256', null);
    const elements = elementsInOrder(document as Document);
    expect(Array.from({ length: outline.count }, (_, k) => outline.span(k))).toEqual(scanElementSpans(text));
    expect(Array.from({ length: outline.count }, (_, k) => outline.name(k))).toEqual(elements.map((e) => e.tagName));
    expect([...outline.parents]).toEqual(elements.map((e) => elements.indexOf(e.parentNode as Element)));
    expect(whole).toBe(canonicalize(document as Document, method));
    for (const id of singleIds(document as Document).slice(0, 8)) {
      expect(fast(text, method, id)).toBe(canonicalize(findElementById(elementsInOrder(document as Document), id) as Element, method));
    }
  }
  return accepted;
}

describe('text C14N vs DOM C14N', () => {
  const dir = join(import.meta.dirname, '../fixtures/xml');
  const fixtures = readdirSync(dir).filter((f) => f.endsWith('.xml'));

  it.each(fixtures)('fixture %s: same canonical form, or declined', (name) => {
    const text = readFileSync(join(dir, name), 'utf8').replace(/^\uFEFF/, '');
    agrees(text);
  });

  it('takes the e-invoice fixtures and the bench batch on the fast path', () => {
    expect(agrees(readFileSync(join(dir, 'einvoice-tt78.xml'), 'utf8'))).toBe(true);
    expect(agrees(readFileSync(join(dir, 'namespaced-crlf.xml'), 'utf8'))).toBe(true);
    expect(agrees(invoiceBatchXml(0.2) as string)).toBe(true);
  });

  it('digests what it canonicalises, in pieces that never split a character', () => {
    // Long runs of astral characters: the run is hashed in slices, whose borders must not cut a surrogate pair.
    const text = `<r a="1">${'😀x'.repeat(700_000)}<b Id="b">é</b></r>`;
    for (const method of METHODS) {
      const canonical = canonicalize(parseXml(text), method);
      const { digest } = digestFromText(text, method, 'SHA-256', null);
      expect(Buffer.from(digest as Uint8Array).toString('hex')).toBe(createHash('sha256').update(canonical, 'utf8').digest('hex'));
    }
    expect(digestFromText(text, 'exc', 'SHA-384', 'none').digest).toBeNull();
  });

  it('declines what it does not cover (DTD, other entities, non-ASCII names, XML 1.1 line ends, U+FFFD)', () => {
    for (const text of [
      '<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>', '<r>&e;</r>', '<r>&#0;</r>', '<é/>', '<r>\u2028</r>', '<r>\uFFFD</r>',
      '<r><p:a/></r>', '<r xmlns:p=""/>', '<r a="1" a="2"/>', '<r xmlns:a="u" xmlns:b="u" a:x="1" b:x="2"/>', '<r>]]></r>',
      '<r><!-- a -- b --></r>', '<r/><r/>', 'x<r/>', '<?xml version="1.1"?><r/>', '<r><?xml x?></r>', '<r>a & b</r>',
    ]) expect(fast(text, 'exc', null), text).toBeInstanceOf(OffFastPath);
  });

  it('many attributes: repeats found by name and by namespace (set-based past a few), else the DOM form', () => {
    const many = Array.from({ length: 40 }, (_, k) => `a${k}="${k}"`).join(' ');
    expect(agrees(`<r xmlns:p="urn:1" xmlns:q="urn:1" ${many}><e ${many} xml:lang="vi"/></r>`)).toBe(true);
    expect(fast(`<r ${many} a0="again"/>`, 'exc', null)).toBeInstanceOf(OffFastPath);
    expect(fast(`<r xmlns:p="urn:1" xmlns:q="urn:1" ${many} p:x="1" q:x="2"/>`, 'inc', null)).toBeInstanceOf(OffFastPath);
  });

  // Generated documents (test/helpers/xml-documents.ts), the clean kind the fuzz target xml-text-path starts from:
  // namespaces declared at various levels, prefixed and xml:* attributes, CDATA, character references, PIs,
  // comments, whitespace outside the root, attribute values with tabs/newlines/<>&", CRLF, deep and long.
  const document = xmlDocuments(false);

  it('generated documents: the same canonical form whenever the fast path accepts (and it accepts most)', () => {
    let accepted = 0;
    fc.assert(fc.property(document, (text) => { if (agrees(text)) accepted++; }), { numRuns: 1500 });
    expect(accepted).toBeGreaterThan(300);
  });

  it('mutated documents: never accepted when the DOM parser refuses them', () => {
    const mutation = fc.tuple(document, fc.nat(), fc.constantFrom('<', '>', '&', '"', "'", '/', '=', ' ', ':', ']]>', '<!--', '\u0085', '&#', '\x01', 'xmlns:q="" '));
    fc.assert(fc.property(mutation, ([text, at, insert]) => {
      const k = at % (text.length + 1);
      agrees(text.slice(0, k) + insert + text.slice(k));
    }), { numRuns: 1500 });
  });
});
