/**
 * The canonical form of a part of the Signature we build (an Object by Id, SignedInfo, SignatureValue) as a
 * verifier will see it under the parent: through the text path (text-c14n.ts) over the Signature inside the
 * parent's context, or — if that path declines, which our own markup should never make it do — by parsing it with
 * xmldom as before. Saves three xmldom parses per signature (cold code: most of their cost is start-up).
 */
import type { Element } from '@xmldom/xmldom';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { canonicalize, type C14nMethod } from './canonicalize.js';
import { elementsInOrder, findElementById } from './find-elements.js';
import { inContextText, parseWithContext, type ParseContext } from './parse-in-context.js';
import { canonicalizeText } from './text-c14n.js';
import { OffFastPath } from './xml-tokens.js';

/** An element of ours with an Id, or the first `child` element (SignedInfo, SignatureValue) of the Signature `of`. */
export type OwnPart = { readonly id: string } | { readonly child: 'SignedInfo' | 'SignatureValue'; readonly of: string };

export function canonicalizeOwn(context: ParseContext, signature: string, part: OwnPart, method: C14nMethod): string {
  const { text, fragmentAt } = inContextText(context, signature);
  // Our Signature writes `<SignedInfo>` and `<SignatureValue>` literally, once each, before anything that could
  // contain such text (base64 and our own elements only): the first occurrence is the element.
  const target = 'id' in part ? part.id : fragmentAt + signature.indexOf(`<${part.child}>`);
  try {
    const pieces: string[] = [];
    if (canonicalizeText(text, method, target, (chunk) => pieces.push(chunk)).found) return pieces.join('');
  } catch (error) {
    if (!(error instanceof OffFastPath)) throw error;
  }
  const elements = elementsInOrder(parseWithContext(context, signature));
  const element = 'id' in part ? findElementById(elements, part.id) : firstChildElement(findElementById(elements, part.of), part.child);
  return canonicalize(element, method);
}

function firstChildElement(parent: Element, localName: string): Element {
  for (let c = parent.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1 && (c as Element).localName === localName) return c as Element;
  }
  throw new KysoError('INTERNAL_ERROR', { reason: `${localName} missing from the signature` });
}
