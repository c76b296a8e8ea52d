/**
 * Element paths as the verification report shows them and as a caller names a required element: local names from
 * the root, '/HDon/DLHDon'; a position `[n]` (1-based, as in XPath) is added only where the parent has several
 * children of that name, so the report shows at once when a name occurs twice.
 */
import type { Element, Node } from '@xmldom/xmldom';

const ELEMENT = 1;

export function localNameOf(element: Element): string {
  return element.localName ?? element.tagName.replace(/^.*:/, '');
}

export function parentElement(element: Element): Element | undefined {
  const parent = element.parentNode as Node | null;
  return parent && parent.nodeType === ELEMENT ? (parent as Element) : undefined;
}

export function childElements(element: Element): Element[] {
  const out: Element[] = [];
  for (let c = element.firstChild; c; c = c.nextSibling) if (c.nodeType === ELEMENT) out.push(c as Element);
  return out;
}

/** '/HDon/DSCKS/NBan/Signature/Object[2]/DLHDon' */
export function elementPath(element: Element): string {
  const steps: string[] = [];
  for (let node: Element | undefined = element; node; node = parentElement(node)) {
    const name = localNameOf(node);
    const parent = parentElement(node);
    const same = parent ? childElements(parent).filter((c) => localNameOf(c) === name) : [node];
    steps.unshift(same.length > 1 ? `${name}[${same.indexOf(node) + 1}]` : name);
  }
  return `/${steps.join('/')}`;
}

/** Every element whose local names from the root are the steps of `path` ('/A/B'); several when names repeat. */
export function elementsAtPath(root: Element, path: string): Element[] {
  const steps = path.split('/').filter((s) => s.length > 0);
  if (steps.length === 0 || localNameOf(root) !== steps[0]) return [];
  let level = [root];
  for (const step of steps.slice(1)) level = level.flatMap((e) => childElements(e).filter((c) => localNameOf(c) === step));
  return level;
}

/** True when `ancestor` is `element` or contains it. */
export function containsElement(ancestor: Element, element: Element): boolean {
  for (let node: Element | undefined = element; node; node = parentElement(node)) if (node === ancestor) return true;
  return false;
}
