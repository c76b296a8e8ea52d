/**
 * The two DocumentViews signXmlDocument chooses between (text fast path, xmldom fallback) answer every question
 * the signer asks the same way: Ids in use, the parent a path names and its tags in the text, the namespace
 * context seen from inside it, the reference digest — and refuse with the same errors. The signer's output then
 * cannot depend on which path read the document.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { C14nMethod } from '../../native-host/formats/xml/canonicalize.js';
import { domView, type DocumentView } from '../../native-host/formats/xml/document-view.js';
import { scanElementSpans } from '../../native-host/formats/xml/element-spans.js';
import { textView } from '../../native-host/formats/xml/text-view.js';
import { OffFastPath } from '../../native-host/formats/xml/xml-tokens.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/xml', name), 'utf8').replace(/^\uFEFF/, '');

/** The answer, or the error's code and details: what a caller of signXmlDocument would see. */
function outcome<T>(f: () => T): T | { error: string; details: unknown } {
  try { return f(); } catch (error) {
    if (error instanceof KysoError) return { error: error.code, details: error.details };
    throw error;
  }
}

function compare(text: string, method: C14nMethod, referenceId: string | null, parents: readonly (string | undefined)[], ids: readonly string[]): void {
  let fast: DocumentView;
  try { fast = textView(text, method, 'SHA-256', referenceId); } catch (error) {
    if (error instanceof OffFastPath) throw new Error(`fast path declined: ${error.message}`);
    throw error;
  }
  const dom = domView(text, scanElementSpans(text), method, 'SHA-256');
  for (const id of ids) {
    expect(fast.idInUse(id)).toBe(dom.idInUse(id));
    expect(outcome(() => fast.requireId(id))).toEqual(outcome(() => dom.requireId(id)));
  }
  for (const path of parents) {
    const index = outcome(() => fast.parentIndex(path));
    expect(index).toEqual(outcome(() => dom.parentIndex(path)));
    if (typeof index !== 'number') continue;
    expect(fast.nameAt(index)).toBe(dom.nameAt(index));
    expect(fast.spanAt(index)).toEqual(dom.spanAt(index));
    expect(fast.contextAt(index)).toEqual(dom.contextAt(index));
  }
  expect(outcome(() => Buffer.from(fast.digest(referenceId)).toString('hex'))).toEqual(outcome(() => Buffer.from(dom.digest(referenceId)).toString('hex')));
}

describe('DocumentView: text fast path = xmldom path', () => {
  const einvoice = fixture('einvoice-tt78.xml');
  const namespaced = fixture('namespaced-crlf.xml');
  const paths = [undefined, 'NBan', 'DSCKS/NBan', '/HDon/DSCKS/NBan', 'DLHDon', 'Seller', 'Header', 'Empty', 'Body', 'Nothing', '/NBan', 'a/b/c', '//'];
  const ids = ['data', 'hdr', 'body', 'sig-1', 'nope'];
  for (const method of ['exc', 'inc'] as const) {
    for (const [name, text] of [['einvoice-tt78.xml', einvoice], ['namespaced-crlf.xml', namespaced]] as const) {
      it(`${name}, ${method}: same answers for parents, Ids, context and digests`, () => {
        compare(text, method, null, paths, ids);
        for (const id of ids) if (text.includes(`"${id}"`)) compare(text, method, id, [], [id]);
      });
    }
  }

  it('duplicate Ids, ambiguous parents, prefixed parents, xml:* context: same answers and same refusals', () => {
    const text = '<r xmlns="urn:r" xmlns:p="urn:p" xml:lang="vi"><p:a Id="x" xml:space="preserve"><b id="y" xmlns:q="urn:q&amp;&#9;"/></p:a>' +
      '<a Id="x"><b ID="z"/></a><c><b/></c></r>';
    compare(text, 'inc', null, ['a', 'b', 'a/b', 'p:a', 'r/a/b', '/r/c/b', 'c/b'], ['x', 'y', 'z', 'w']);
    compare(text, 'exc', 'y', ['a/b'], ['y']);
    expect(outcome(() => textView(text, 'exc', 'SHA-256', 'x').digest('x'))).toMatchObject({ error: 'INVALID_DOCUMENT' });
  });

  it('generated parents and contexts agree', () => {
    const ns = fc.constantFrom('', ' xmlns="urn:d"', ' xmlns:k="urn:k"', ' xmlns=""', ' xml:lang="en"', ' xml:base="b&amp;c"');
    const name = fc.constantFrom('a', 'b', 'k:c');
    const tree: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof({ depthSize: 'small' },
        fc.tuple(name, ns).map(([n, a]) => `<${n}${a}/>`),
        fc.tuple(name, ns, fc.array(tie('node'), { minLength: 1, maxLength: 3 })).map(([n, a, kids]) => `<${n}${a}>${kids.join('\n')}</${n}>`)),
    })).node;
    const rootNs = fc.constantFrom('', ' xmlns="urn:d"', ' xml:lang="en"', ' xml:base="b&amp;c"');
    fc.assert(fc.property(tree, rootNs, (inner, rootAttrs) => {
      const text = `<r xmlns:k="urn:k0"${rootAttrs}>${inner}</r>`;
      compare(text, 'inc', null, ['a', 'b', 'c', 'a/b', 'b/c', 'r/a', '/r/b'], []);
    }), { numRuns: 300 });
  });
});
