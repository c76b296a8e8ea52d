/**
 * What signing needs to know of the caller's document, from one of two sources: the text fast path
 * (text-view.ts: one scan, no DOM) or an xmldom parse (here; every document the text path declines).
 * Both give the same answers and the same errors; element indices are document order, as scanElementSpans.
 */
import type { Document, Element } from '@xmldom/xmldom';
import type { HashAlgorithm } from '../../../shared/domain/algorithms.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { hashBytes } from '../cms/signing-certificate-v2.js';
import { canonicalize, type C14nMethod } from './canonicalize.js';
import type { ElementSpan } from './element-spans.js';
import { elementsInOrder, findElementById, findParentElement, idInUse } from './find-elements.js';
import { contextOf, type ParseContext } from './parse-in-context.js';
import { parseXml } from './xml-input.js';

export interface DocumentView {
  /** True when some element already uses `id` as Id/id/ID. */
  idInUse(id: string): boolean;
  /** Refuses unless exactly one element has this Id (as findElementById). */
  requireId(id: string): void;
  /** Index of the element a parent path names (as findParentElement); the root without a path. */
  parentIndex(path: string | undefined): number;
  /** Qualified name of element `index`. */
  nameAt(index: number): string;
  /** Where element `index`'s tags are in the text (for the splice). */
  spanAt(index: number): ElementSpan | undefined;
  /** Namespaces and xml:* attributes seen from inside element `index` (parse-in-context.ts). */
  contextAt(index: number): ParseContext;
  /** Digest of the canonical document (target null) or of the element with Id `target`. */
  digest(target: string | null): Uint8Array;
}

export function domView(text: string, spans: readonly ElementSpan[], method: C14nMethod, hash: HashAlgorithm): DocumentView {
  const document: Document = parseXml(text);
  const elements = elementsInOrder(document);
  if (spans.length !== elements.length) throw new KysoError('INTERNAL_ERROR', { reason: 'element scan and DOM disagree' });
  return {
    idInUse: (id) => idInUse(elements, id),
    requireId: (id) => { findElementById(elements, id); },
    parentIndex: (path) => (path ? elements.indexOf(findParentElement(elements, path)) : 0),
    nameAt: (index) => (elements[index] as Element).tagName,
    spanAt: (index) => spans[index],
    contextAt: (index) => contextOf(elements[index] as Element),
    digest: (target) => {
      const node = target === null ? document : findElementById(elements, target);
      return hashBytes(hash, new TextEncoder().encode(canonicalize(node as Document | Element, method)));
    },
  };
}
