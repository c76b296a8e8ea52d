/**
 * Parse our Signature element as if it sat under `parent`, without re-parsing the whole document (xmldom takes
 * seconds per 10 MB). What canonicalisation of an element inside the Signature can see of the world outside is
 * exactly: the namespace declarations in scope at the parent, and (inclusive C14N) the xml:* attributes inherited
 * from the parent and its ancestors [C14N 1.0 §2.4]. A wrapper element carrying those reproduces both.
 */
import type { Attr, Document, Element } from '@xmldom/xmldom';
import { parseXml } from './xml-input.js';

const ELEMENT = 1;
export const CONTEXT_ELEMENT = 'kyso-context';

/** What of the world outside the parent canonicalisation of our Signature can see. */
export interface ParseContext {
  /** Namespace declarations in scope at the parent (prefix '' = default). */
  readonly namespaces: ReadonlyMap<string, string>;
  /** xml:* attributes of the parent and its ancestors, the nearest of each name. */
  readonly xmlAttributes: ReadonlyMap<string, string>;
}

export function parseInContext(parent: Element, fragment: string): Document {
  return parseWithContext(contextOf(parent), fragment);
}

/** The context at a parent of a DOM. */
export function contextOf(parent: Element): ParseContext {
  const namespaces = new Map<string, string>();
  const xmlAttributes = new Map<string, string>();
  // Walk from the parent up: the nearest declaration / xml:* attribute wins.
  for (let node: Element | null = parent; node && node.nodeType === ELEMENT; node = node.parentNode as Element | null) {
    const attributes: Array<{ name: string; prefix: string | null; value: string }> = [];
    for (let i = 0; i < node.attributes.length; i++) attributes.push(node.attributes.item(i) as Attr);
    addToContext(namespaces, xmlAttributes, attributes);
  }
  return { namespaces, xmlAttributes };
}

/** Add one element's attributes to a context being built from the parent up (the text path calls it too). */
export function addToContext(namespaces: Map<string, string>, xmlAttributes: Map<string, string>, attributes: ReadonlyArray<{ name: string; prefix: string | null; value: string }>): void {
  for (const attr of attributes) {
    if (attr.name === 'xmlns' || attr.name.startsWith('xmlns:')) {
      const prefix = attr.name === 'xmlns' ? '' : attr.name.slice(6);
      if (!namespaces.has(prefix)) namespaces.set(prefix, attr.value);
    } else if (attr.prefix === 'xml' && !xmlAttributes.has(attr.name)) {
      xmlAttributes.set(attr.name, attr.value);
    }
  }
}

export function parseWithContext(context: ParseContext, fragment: string): Document {
  return parseXml(inContextText(context, fragment).text);
}

/** The fragment inside a wrapper element carrying the context; `fragmentAt` is where the fragment starts. */
export function inContextText({ namespaces, xmlAttributes }: ParseContext, fragment: string): { text: string; fragmentAt: number } {
  const attributes = [
    ...[...namespaces].map(([prefix, uri]) => [prefix === '' ? 'xmlns' : `xmlns:${prefix}`, uri] as const),
    ...xmlAttributes,
  ].map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`).join('');
  const open = `<${CONTEXT_ELEMENT}${attributes}>`;
  return { text: `${open}${fragment}</${CONTEXT_ELEMENT}>`, fragmentAt: open.length };
}

/** Escape so the parser's attribute-value normalisation gives back the same value [XML 1.0 §3.3.3]. */
function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;');
}
