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

export function parseInContext(parent: Element, fragment: string): Document {
  const namespaces = new Map<string, string>();
  const xmlAttributes = new Map<string, string>();
  // Walk from the parent up: the nearest declaration / xml:* attribute wins.
  for (let node: Element | null = parent; node && node.nodeType === ELEMENT; node = node.parentNode as Element | null) {
    for (let i = 0; i < node.attributes.length; i++) {
      const attr = node.attributes.item(i) as Attr;
      if (attr.name === 'xmlns' || attr.name.startsWith('xmlns:')) {
        const prefix = attr.name === 'xmlns' ? '' : attr.name.slice(6);
        if (!namespaces.has(prefix)) namespaces.set(prefix, attr.value);
      } else if (attr.prefix === 'xml' && !xmlAttributes.has(attr.name)) {
        xmlAttributes.set(attr.name, attr.value);
      }
    }
  }
  const attributes = [
    ...[...namespaces].map(([prefix, uri]) => [prefix === '' ? 'xmlns' : `xmlns:${prefix}`, uri] as const),
    ...xmlAttributes,
  ].map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`).join('');
  return parseXml(`<${CONTEXT_ELEMENT}${attributes}>${fragment}</${CONTEXT_ELEMENT}>`);
}

/** Escape so the parser's attribute-value normalisation gives back the same value [XML 1.0 §3.3.3]. */
function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;');
}
