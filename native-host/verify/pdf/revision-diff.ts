/**
 * Object-by-object difference between the state a signature covers and the final state, both as the xref chain
 * resolves them: objects added, objects whose definition changed, objects deleted (freed, or now resolving to a
 * different generation) [ISO 32000-1 §7.5.4, §7.5.6]. Equality is byte equality of pdf-lib's serialisation.
 */
import type { PDFRef } from 'pdf-lib';
import type { PdfRevisionView } from '../../formats/pdf/xref/read-revision.js';
import { objectBytes, refKey } from './pdf-object-tools.js';

export type ObjectChangeKind = 'added' | 'modified' | 'deleted';

export interface RevisionDiff {
  /** Object key ("N G") → how it changed. */
  readonly changes: ReadonlyMap<string, ObjectChangeKind>;
  readonly refs: ReadonlyMap<string, PDFRef>;
}

export function diffRevisions(covered: PdfRevisionView, final: PdfRevisionView): RevisionDiff {
  const changes = new Map<string, ObjectChangeKind>();
  const refs = new Map<string, PDFRef>();
  const before = new Map<string, Buffer>();
  for (const [ref, object] of covered.context.enumerateIndirectObjects()) {
    before.set(refKey(ref), objectBytes(object));
    refs.set(refKey(ref), ref);
  }
  const present = new Set<string>();
  for (const [ref, object] of final.context.enumerateIndirectObjects()) {
    const key = refKey(ref);
    present.add(key);
    refs.set(key, ref);
    const old = before.get(key);
    if (!old) changes.set(key, 'added');
    else if (!old.equals(objectBytes(object))) changes.set(key, 'modified');
  }
  for (const key of before.keys()) if (!present.has(key)) changes.set(key, 'deleted');
  return { changes, refs };
}
