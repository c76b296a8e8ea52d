/** Finding elements the caller names: the signature's parent (by local name or a short path) and a reference's id. */
import type { Document, Element } from '@xmldom/xmldom';
import { KysoError } from '../../../shared/errors/kyso-error.js';

const ELEMENT = 1;
/** Attributes treated as IDs for URI="#id" references (what e-invoice schemas and XAdES use). */
export const ID_ATTRIBUTES = ['Id', 'id', 'ID'] as const;

/** All elements in document order (the order scanElementSpans reports them in). */
export function elementsInOrder(document: Document): Element[] {
  const out: Element[] = [];
  const walk = (e: Element) => {
    out.push(e);
    for (let c = e.firstChild; c; c = c.nextSibling) if (c.nodeType === ELEMENT) walk(c as Element);
  };
  if (document.documentElement) walk(document.documentElement);
  return out;
}

/**
 * The element whose Id/id/ID equals `id`. More than one is refused: with duplicate IDs a verifier might check
 * one element while an application reads another (signature wrapping).
 */
export function findElementById(elements: readonly Element[], id: string): Element {
  const found = elements.filter((e) => ID_ATTRIBUTES.some((name) => e.getAttribute(name) === id));
  if (found.length === 0) throw new KysoError('BAD_REQUEST', { reason: 'no element has this Id', id });
  if (found.length > 1) throw new KysoError('INVALID_DOCUMENT', { reason: 'several elements share this Id', id, count: found.length });
  return found[0] as Element;
}

/** True when some element already uses `id` as Id/id/ID. */
export function idInUse(elements: readonly Element[], id: string): boolean {
  return elements.some((e) => ID_ATTRIBUTES.some((name) => e.getAttribute(name) === id));
}

/**
 * The one element matching a local name ("NBan") or a path of local names ("DSCKS/NBan"; a leading "/" anchors it
 * at the root). Zero or several matches are refused so a signature never lands somewhere unexpected.
 */
export function findParentElement(elements: readonly Element[], path: string): Element {
  const anchored = path.startsWith('/');
  const steps = path.split('/').filter((s) => s.length > 0);
  if (steps.length === 0) throw new KysoError('BAD_REQUEST', { reason: 'empty parent path' });
  const matches = elements.filter((element) => {
    let node: Element | null = element;
    for (let i = steps.length - 1; i >= 0; i--) {
      if (!node || localName(node) !== steps[i]) return false;
      const parent: unknown = node.parentNode;
      node = parent && (parent as Element).nodeType === ELEMENT ? (parent as Element) : null;
    }
    return !anchored || node === null;
  });
  if (matches.length === 0) throw new KysoError('BAD_REQUEST', { reason: 'parent element not found', parent: path });
  if (matches.length > 1) throw new KysoError('BAD_REQUEST', { reason: 'parent element is ambiguous; give a longer path', parent: path, count: matches.length });
  return matches[0] as Element;
}

function localName(e: Element): string {
  return e.localName ?? e.tagName.replace(/^.*:/, '');
}
