/**
 * Canonical XML 1.0 [https://www.w3.org/TR/2001/REC-xml-c14n-20010315] and Exclusive XML Canonicalization 1.0
 * [https://www.w3.org/TR/2002/REC-xml-exc-c14n-20020718/], both without comments, of a whole document or of one
 * element's subtree in its document context, optionally leaving out one subtree (the enveloped-signature
 * transform [XMLDSig §6.6.4]).
 * Written here rather than taken from xmldsigjs: its canonicaliser does not render inherited namespaces and
 * xml:* attributes for a subtree (needed for inclusive C14N of SignedInfo inside a namespaced e-invoice).
 */
import type { Attr, Document, Element, Node } from '@xmldom/xmldom';

export type C14nMethod = 'exc' | 'inc';

const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;
const PI = 7;
const DOCUMENT = 9;

type Namespaces = ReadonlyMap<string, string>;

/** Canonicalise a Document (URI="") or an Element subtree (same-document reference, SignedInfo). */
export function canonicalize(node: Document | Element, method: C14nMethod, exclude?: Node): string {
  const out: string[] = [];
  if (node.nodeType === DOCUMENT) {
    let afterRoot = false;
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child === exclude) continue;
      if (child.nodeType === ELEMENT) {
        writeElement(child as Element, method, new Map(), new Map(), out, exclude, false);
        afterRoot = true;
      } else if (child.nodeType === PI && child.nodeName !== 'xml') {
        // Outside the document element a PI is separated by #xA [C14N §2.1 "Processing Instruction Nodes"].
        out.push(afterRoot ? `\n${pi(child)}` : `${pi(child)}\n`);
      }
      // Comments are dropped (without comments); text outside the root is not in the data model.
    }
    return out.join('');
  }
  const element = node as Element;
  writeElement(element, method, inScopeNamespaces(element.parentNode), new Map(), out, exclude, true);
  return out.join('');
}

/** Namespace declarations in scope at a node (prefix '' = default), walking up from it. */
function inScopeNamespaces(node: Node | null): Map<string, string> {
  const chain: Element[] = [];
  for (let n = node; n && n.nodeType === ELEMENT; n = n.parentNode) chain.unshift(n as Element);
  const scope = new Map<string, string>();
  for (const e of chain) applyDeclarations(e, scope);
  return scope;
}

function applyDeclarations(element: Element, scope: Map<string, string>): void {
  for (const attr of attributesOf(element)) {
    if (attr.name === 'xmlns') scope.set('', attr.value);
    else if (attr.name.startsWith('xmlns:')) scope.set(attr.name.slice(6), attr.value);
  }
}

/** Whether the element declares any namespace (most elements of a large document declare none). */
function declaresNamespaces(element: Element): boolean {
  const attributes = element.attributes;
  for (let i = 0; i < attributes.length; i++) {
    const name = (attributes.item(i) as Attr).name;
    if (name === 'xmlns' || name.startsWith('xmlns:')) return true;
  }
  return false;
}

function isNamespaceDeclaration(attr: Attr): boolean {
  return attr.namespaceURI === XMLNS_NS || attr.name === 'xmlns' || attr.name.startsWith('xmlns:');
}

function attributesOf(element: Element): Attr[] {
  const list: Attr[] = [];
  for (let i = 0; i < element.attributes.length; i++) list.push(element.attributes.item(i) as Attr);
  return list;
}

function writeElement(
  element: Element,
  method: C14nMethod,
  parentScope: Namespaces,
  parentRendered: Namespaces,
  out: string[],
  exclude: Node | undefined,
  apex: boolean,
): void {
  // Copied only where the element changes it: a 10 MB document has hundreds of thousands of elements.
  let scope: Namespaces = parentScope;
  if (declaresNamespaces(element)) {
    const own = new Map(parentScope);
    applyDeclarations(element, own);
    scope = own;
  }
  const ownAttributes = element.attributes.length === 0 ? [] : attributesOf(element).filter((a) => !isNamespaceDeclaration(a));

  // Namespace axis.
  const candidates: string[] = method === 'inc'
    ? [...scope.keys()]
    // Exclusive: only prefixes the element or its attributes visibly use [Exc-C14N §3].
    : ownAttributes.length === 0 ? [element.prefix ?? '']
      : [...new Set([element.prefix ?? '', ...ownAttributes.map((a) => a.prefix ?? '').filter((p) => p !== '')])];
  const declarations: Array<[string, string]> = [];
  for (const prefix of candidates) {
    if (prefix === 'xml') continue;
    const uri = scope.get(prefix) ?? '';
    const previous = parentRendered.get(prefix);
    if (prefix === '' && uri === '') {
      // xmlns="" only undoes a non-empty default an output ancestor rendered [C14N §2.3].
      if (previous === undefined || previous === '') continue;
    } else if (previous === uri) continue;
    declarations.push([prefix, uri]);
  }
  declarations.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let rendered: Namespaces = parentRendered;
  if (declarations.length > 0) {
    const own = new Map(parentRendered);
    for (const [prefix, uri] of declarations) own.set(prefix, uri);
    rendered = own;
  }

  // Attribute axis; inclusive C14N of a subtree also takes xml:* attributes from outside ancestors [C14N §2.4].
  const attributes: Array<{ name: string; ns: string; local: string; value: string }> = ownAttributes.map((a) => ({
    name: a.name, ns: a.namespaceURI ?? '', local: a.localName ?? a.name, value: a.value,
  }));
  if (method === 'inc' && apex) {
    for (let n = element.parentNode; n && n.nodeType === ELEMENT; n = n.parentNode) {
      for (const a of attributesOf(n as Element)) {
        if (a.prefix === 'xml' && !attributes.some((x) => x.name === a.name)) {
          attributes.push({ name: a.name, ns: a.namespaceURI ?? '', local: a.localName ?? a.name, value: a.value });
        }
      }
    }
  }
  if (attributes.length > 1) attributes.sort((a, b) => (a.ns !== b.ns ? (a.ns < b.ns ? -1 : 1) : a.local < b.local ? -1 : a.local > b.local ? 1 : 0));

  out.push('<', element.tagName);
  for (const [prefix, uri] of declarations) out.push(prefix === '' ? ' xmlns="' : ` xmlns:${prefix}="`, escapeAttribute(uri), '"');
  for (const a of attributes) out.push(' ', a.name, '="', escapeAttribute(a.value), '"');
  out.push('>');
  for (let child = element.firstChild; child; child = child.nextSibling) {
    if (child === exclude) continue;
    if (child.nodeType === ELEMENT) writeElement(child as Element, method, scope, rendered, out, exclude, false);
    else if (child.nodeType === TEXT || child.nodeType === CDATA) out.push(escapeText(child.nodeValue ?? ''));
    else if (child.nodeType === PI) out.push(pi(child));
  }
  out.push('</', element.tagName, '>');
}

function pi(node: Node): string {
  const data = node.nodeValue ?? '';
  return data ? `<?${node.nodeName} ${data}?>` : `<?${node.nodeName}?>`;
}

/** Most text and attribute values need no escaping: tested once, not replaced four or six times. */
const TEXT_SPECIAL = /[&<>\r]/;
const ATTRIBUTE_SPECIAL = /[&<"\t\n\r]/;

/** [C14N §2.3 "Text Nodes"]. */
function escapeText(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

/** [C14N §2.3 "Attribute Nodes"]. */
function escapeAttribute(s: string): string {
  if (!ATTRIBUTE_SPECIAL.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;');
}
