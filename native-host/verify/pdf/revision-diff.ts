/**
 * Object-by-object difference between the state a signature covers and the final state, both as the xref chain
 * resolves them: objects added, objects whose definition changed, objects deleted (freed, or now resolving to a
 * different generation) [ISO 32000-1 §7.5.4, §7.5.6]. Equality is byte equality of pdf-lib's serialisation.
 */
import { PDFName, PDFNumber, PDFRawStream, PDFRef, type PDFObject } from 'pdf-lib';
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
  const before = new Map<string, { ref: PDFRef; object: PDFObject }>();
  for (const [ref, object] of covered.context.enumerateIndirectObjects()) {
    before.set(refKey(ref), { ref, object });
    refs.set(refKey(ref), ref);
  }
  const present = new Set<string>();
  for (const [ref, object] of final.context.enumerateIndirectObjects()) {
    const key = refKey(ref);
    present.add(key);
    refs.set(key, ref);
    const old = before.get(key);
    if (!old) changes.set(key, 'added');
    else if (!sameDefinition(covered, final, ref.objectNumber, old.object, object) && !objectBytes(old.object).equals(objectBytes(object))) changes.set(key, 'modified');
  }
  for (const key of before.keys()) if (!present.has(key)) changes.set(key, 'deleted');
  return { changes, refs };
}

/**
 * Both states read the object from the same definition in the file, so it cannot differ — unless it is a stream
 * whose data was not cut at a direct /Length: an indirect /Length a later revision could redefine, or a /Length
 * that ran past the signed bytes (the parser then cut at `endstream`, and appended bytes could change where the
 * full file's data ends). Those are compared byte by byte like every other object. This saves serialising every
 * large stream for every signature.
 */
function sameDefinition(covered: PdfRevisionView, final: PdfRevisionView, objectNumber: number, before: PDFObject, after: PDFObject, depth = 0): boolean {
  const a = covered.locations.get(objectNumber);
  const b = final.locations.get(objectNumber);
  if (!a || !b || depth > 1) return false;
  if (before instanceof PDFRawStream && !cutAtDeclaredLength(before)) return false;
  if (after instanceof PDFRawStream && !cutAtDeclaredLength(after)) return false;
  if (a.kind === 'offset' && b.kind === 'offset') return a.offset === b.offset && a.generation === b.generation;
  if (a.kind === 'compressed' && b.kind === 'compressed') {
    // Same index of the same object stream, itself read from the same definition.
    if (a.stream !== b.stream || a.index !== b.index) return false;
    const streamBefore = covered.context.lookup(PDFRef.of(a.stream, 0));
    const streamAfter = final.context.lookup(PDFRef.of(b.stream, 0));
    return streamBefore !== undefined && streamAfter !== undefined && sameDefinition(covered, final, a.stream, streamBefore, streamAfter, depth + 1);
  }
  return false;
}

function cutAtDeclaredLength(stream: PDFRawStream): boolean {
  const length = stream.dict.get(PDFName.of('Length'));
  return length instanceof PDFNumber && length.asNumber() === stream.getContents().length;
}
