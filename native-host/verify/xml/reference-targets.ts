/**
 * What each ds:Reference of a Signature covers [XMLDSig 1.1 §4.4.3.3 same-document URIs]: URI="" (and
 * "#xpointer(/)") is the whole document less the enveloped Signature; "#id" (and "#xpointer(id('id'))") is the
 * element carrying that Id. The element is found the way xmldsigjs finds it for the digest check: in the document
 * outside every ds:Signature first, else among this Signature's own KeyInfo and Objects — so the path reported is
 * the element whose digest was checked, and all elements carrying the Id anywhere are counted (duplicates are
 * what signature wrapping needs).
 */
import type { Document, Element } from '@xmldom/xmldom';
import { ID_ATTRIBUTES, elementsInOrder } from '../../formats/xml/find-elements.js';
import { DSIG_NS } from '../../formats/xml/xml-algorithms.js';
import { childElements, containsElement, elementPath, localNameOf } from './element-path.js';

export const WHOLE_DOCUMENT = '/';
export const EXTERNAL_TARGET = '(external)';
export const NOT_FOUND_TARGET = '(not found)';

export interface ResolvedReference {
  readonly uri: string;
  /** '/' for the whole document, the element's path, or '(external)' / '(not found)'. */
  readonly target: string;
  readonly wholeDocument: boolean;
  readonly external: boolean;
  /** The Id named by the URI, if any. */
  readonly id?: string;
  /** The element digested, when the URI names an Id and one was found. */
  readonly element?: Element;
  /** Every element of the document carrying the Id (Id, ID or id), in document order. */
  readonly sameId: readonly Element[];
}

/** The References of this Signature's own SignedInfo (not those of a Signature nested in an Object). */
export function signedInfoReferences(signature: Element): Element[] {
  const signedInfo = childElements(signature).find((c) => c.namespaceURI === DSIG_NS && localNameOf(c) === 'SignedInfo');
  return signedInfo ? childElements(signedInfo).filter((c) => c.namespaceURI === DSIG_NS && localNameOf(c) === 'Reference') : [];
}

export function resolveReferences(document: Document, signature: Element): ResolvedReference[] {
  const all = elementsInOrder(document);
  return signedInfoReferences(signature).map((reference) => {
    const uri = reference.getAttribute('URI') ?? '';
    const id = idOfUri(uri);
    if (uri === '' || /^#xpointer\(\s*\/\s*\)$/.test(uri)) return { uri, target: WHOLE_DOCUMENT, wholeDocument: true, external: false, sameId: [] };
    if (id === undefined) {
      return { uri, target: uri.startsWith('#') ? NOT_FOUND_TARGET : EXTERNAL_TARGET, wholeDocument: false, external: !uri.startsWith('#'), sameId: [] };
    }
    const sameId = all.filter((e) => hasId(e, id));
    const element = sameId.find((e) => !insideAnySignature(e)) ?? sameId.find((e) => isOwnKeyInfoOrObject(signature, e));
    return { uri, target: element ? elementPath(element) : NOT_FOUND_TARGET, wholeDocument: false, external: false, id, ...(element ? { element } : {}), sameId };
  });
}

export function hasId(element: Element, id: string): boolean {
  return ID_ATTRIBUTES.some((name) => element.getAttribute(name) === id);
}

function idOfUri(uri: string): string | undefined {
  const xpointer = /^#xpointer\(\s*id\(\s*(['"])([^'"]+)\1\s*\)\s*\)$/.exec(uri);
  if (xpointer) return xpointer[2];
  if (uri.startsWith('#') && !uri.startsWith('#xpointer(') && uri.length > 1) return uri.slice(1);
  return undefined;
}

function insideAnySignature(element: Element): boolean {
  for (let node: Element | null = element; node && node.nodeType === 1; node = node.parentNode as Element | null) {
    if (node.namespaceURI === DSIG_NS && localNameOf(node) === 'Signature') return true;
  }
  return false;
}

function isOwnKeyInfoOrObject(signature: Element, element: Element): boolean {
  return childElements(signature)
    .filter((c) => c.namespaceURI === DSIG_NS && (localNameOf(c) === 'Object' || localNameOf(c) === 'KeyInfo'))
    .some((part) => containsElement(part, element));
}
