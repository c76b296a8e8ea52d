/**
 * The DocumentView of the text fast path: one pass of text-c14n.ts digests the reference and outlines the
 * elements (names, parents, Ids, tag offsets: what scanElementSpans and the DOM give the other path); the few start
 * tags a question needs (the parent's ancestry) are read again from the text.
 */
import type { HashAlgorithm } from '../../../shared/domain/algorithms.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { C14nMethod } from './canonicalize.js';
import type { DocumentView } from './document-view.js';
import { addToContext } from './parse-in-context.js';
import { digestFromText } from './text-c14n.js';
import { parseStartTag } from './xml-tokens.js';

/** @throws OffFastPath when the text path does not cover this document (the caller then uses domView). */
export function textView(text: string, method: C14nMethod, hash: HashAlgorithm, referenceId: string | null): DocumentView {
  const { outline, digest } = digestFromText(text, method, hash, referenceId);
  const { count, parents, ids } = outline;
  const localName = (k: number) => outline.name(k).replace(/^.*:/, '');
  const withId = (id: string): number => {
    const found = ids.get(id) ?? [];
    if (found.length === 0) throw new KysoError('BAD_REQUEST', { reason: 'no element has this Id', id });
    if (found.length > 1) throw new KysoError('INVALID_DOCUMENT', { reason: 'several elements share this Id', id, count: found.length });
    return found[0] as number;
  };
  return {
    idInUse: (id) => ids.has(id),
    requireId: (id) => { withId(id); },
    parentIndex: (path) => (path === undefined || path === '' ? 0 : findParent(path, count, parents, localName)),
    nameAt: (index) => outline.name(index),
    spanAt: (index) => outline.span(index),
    contextAt: (index) => {
      const namespaces = new Map<string, string>();
      const xmlAttributes = new Map<string, string>();
      for (let k = index; k >= 0; k = parents[k] as number) {
        addToContext(namespaces, xmlAttributes, parseStartTag(text, outline.span(k).start).attributes);
      }
      return { namespaces, xmlAttributes };
    },
    digest: (target) => {
      if (target !== null) withId(target);
      if (target !== referenceId || digest === null) throw new KysoError('INTERNAL_ERROR', { reason: 'reference not digested on the text path' });
      return digest;
    },
  };
}

/** findParentElement (find-elements.ts) over the outline: same matching, same refusals. */
function findParent(path: string, count: number, parents: Int32Array, localName: (k: number) => string): number {
  const anchored = path.startsWith('/');
  const steps = path.split('/').filter((s) => s.length > 0);
  if (steps.length === 0) throw new KysoError('BAD_REQUEST', { reason: 'empty parent path' });
  const matches: number[] = [];
  for (let k = 0; k < count; k++) {
    let node = k;
    let ok = true;
    for (let s = steps.length - 1; s >= 0; s--) {
      if (node < 0 || localName(node) !== steps[s]) { ok = false; break; }
      node = parents[node] as number;
    }
    if (ok && (!anchored || node < 0)) matches.push(k);
  }
  if (matches.length === 0) throw new KysoError('BAD_REQUEST', { reason: 'parent element not found', parent: path });
  if (matches.length > 1) throw new KysoError('BAD_REQUEST', { reason: 'parent element is ambiguous; give a longer path', parent: path, count: matches.length });
  return matches[0] as number;
}
