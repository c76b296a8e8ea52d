/**
 * Small, total helpers over pdf-lib objects of one revision view: look-ups that never throw, names and texts,
 * an object's references, and byte-exact comparison (two definitions are the same object when pdf-lib writes them
 * to the same bytes — white space and number formatting differences in the file do not count as changes).
 */
import { PDFArray, PDFDict, PDFHexString, PDFName, PDFNumber, PDFRawStream, PDFRef, PDFString, type PDFContext, type PDFObject } from 'pdf-lib';

export const refKey = (ref: PDFRef): string => `${ref.objectNumber} ${ref.generationNumber}`;

/** The object `value` is, or points to; undefined for a missing object (a dangling reference reads as null [§7.3.10]). */
export function resolve(context: PDFContext, value: PDFObject | undefined): PDFObject | undefined {
  if (value instanceof PDFRef) {
    try {
      return context.lookup(value);
    } catch {
      return undefined;
    }
  }
  return value;
}

export function dictAt(context: PDFContext, value: PDFObject | undefined): PDFDict | undefined {
  const object = resolve(context, value);
  if (object instanceof PDFDict) return object;
  if (object instanceof PDFRawStream) return object.dict;
  return undefined;
}

export function arrayAt(context: PDFContext, value: PDFObject | undefined): PDFArray | undefined {
  const object = resolve(context, value);
  return object instanceof PDFArray ? object : undefined;
}

export function entry(dict: PDFDict | undefined, key: string): PDFObject | undefined {
  return dict?.get(PDFName.of(key));
}

/** `/Sig` → "Sig". */
export function nameText(value: PDFObject | undefined): string | undefined {
  return value instanceof PDFName ? value.decodeText() : undefined;
}

export function stringText(value: PDFObject | undefined): string | undefined {
  if (value instanceof PDFString || value instanceof PDFHexString) {
    try {
      return value.decodeText();
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function integerValue(value: PDFObject | undefined): number | undefined {
  return value instanceof PDFNumber && Number.isSafeInteger(value.asNumber()) ? value.asNumber() : undefined;
}

/** The object written as pdf-lib writes it (a stream with its raw, still-encoded data). */
export function objectBytes(object: PDFObject): Buffer {
  const out = Buffer.alloc(object.sizeInBytes());
  object.copyBytesInto(out, 0);
  return out;
}

export function sameObject(a: PDFObject | undefined, b: PDFObject | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return objectBytes(a).equals(objectBytes(b));
}

/** Every indirect reference inside `object` (through direct dictionaries, arrays and a stream's dictionary). */
export function referencesIn(object: PDFObject | undefined): PDFRef[] {
  const out: PDFRef[] = [];
  const stack: PDFObject[] = object ? [object] : [];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (item instanceof PDFRef) out.push(item);
    else if (item instanceof PDFDict) for (const [, v] of item.entries()) stack.push(v);
    else if (item instanceof PDFArray) stack.push(...item.asArray());
    else if (item instanceof PDFRawStream) stack.push(item.dict);
  }
  return out;
}

/** Keys whose values differ between two dictionaries, with how: added, removed or changed. */
export function changedKeys(before: PDFDict | undefined, after: PDFDict | undefined): { key: string; how: 'added' | 'removed' | 'changed' }[] {
  const keys = new Set<string>();
  for (const [k] of before?.entries() ?? []) keys.add(k.decodeText());
  for (const [k] of after?.entries() ?? []) keys.add(k.decodeText());
  const out: { key: string; how: 'added' | 'removed' | 'changed' }[] = [];
  for (const key of [...keys].sort()) {
    const a = entry(before, key);
    const b = entry(after, key);
    if (a === undefined) out.push({ key, how: 'added' });
    else if (b === undefined) out.push({ key, how: 'removed' });
    else if (!sameObject(a, b)) out.push({ key, how: 'changed' });
  }
  return out;
}

/** The references an entry holds: one reference, or the references of an array (direct or indirect). */
export function refList(context: PDFContext, value: PDFObject | undefined): PDFRef[] {
  if (value instanceof PDFRef) {
    const target = resolve(context, value);
    if (target instanceof PDFArray) return target.asArray().filter((v): v is PDFRef => v instanceof PDFRef);
    return [value];
  }
  if (value instanceof PDFArray) return value.asArray().filter((v): v is PDFRef => v instanceof PDFRef);
  return [];
}
