/**
 * What a signed revision lets later revisions change [ISO 32000-1 §12.8.2.2 DocMDP, §12.8.2.4 FieldMDP,
 * §12.7.4.5 Table 233 /Lock]:
 *   DocMDP P (certification signature, catalog /Perms /DocMDP): 1 no changes at all; 2 form filling, page
 *   templates and signing; 3 also annotations (create, delete, modify).
 *   No certification: Kyso applies P=2 — later signatures, form filling and validation data are allowed,
 *   annotations are not (an annotation can cover signed content: a white box, a FreeText with another amount).
 *   FieldMDP: a signed signature field's /Lock (or its signature's FieldMDP reference) forbids changes to the
 *   fields it names (All, Include /Fields, Exclude /Fields).
 */
import type { PDFContext, PDFDict } from 'pdf-lib';
import { outlineOf } from './document-outline.js';
import { arrayAt, dictAt, entry, integerValue, nameText, stringText } from './pdf-object-tools.js';

export type DocMdpLevel = 1 | 2 | 3;

export interface FieldLock {
  /** The signature field that locks. */
  readonly by: string;
  readonly action: 'All' | 'Include' | 'Exclude';
  readonly fields: readonly string[];
}

export interface ChangePermissions {
  readonly level: DocMdpLevel;
  /** True when the level comes from a certification signature, false for Kyso's default. */
  readonly certified: boolean;
  readonly locks: readonly FieldLock[];
}

/** The permissions in force after the revision whose objects `context` holds. */
export function permissionsOf(context: PDFContext): ChangePermissions {
  const outline = outlineOf(context);
  const perms = dictAt(context, entry(outline.catalog, 'Perms'));
  const certification = dictAt(context, entry(perms, 'DocMDP'));
  const level = certification ? docMdpLevel(context, certification) : undefined;
  const locks: FieldLock[] = [];
  for (const field of outline.fields.values()) {
    if (field.type !== 'Sig' || entry(field.dict, 'V') === undefined) continue;
    const lock = dictAt(context, entry(field.dict, 'Lock'));
    if (lock) locks.push(fieldLock(context, field.name, lock));
    for (const params of transformParams(context, dictAt(context, entry(field.dict, 'V')), 'FieldMDP')) locks.push(fieldLock(context, field.name, params));
  }
  return { level: level ?? 2, certified: level !== undefined, locks };
}

/** Whether a lock forbids changing the field named `name`. */
export function lockOf(permissions: ChangePermissions, name: string): FieldLock | undefined {
  return permissions.locks.find((lock) => lock.action === 'All'
    || (lock.action === 'Include' && lock.fields.some((f) => name === f || name.startsWith(`${f}.`)))
    || (lock.action === 'Exclude' && !lock.fields.some((f) => name === f || name.startsWith(`${f}.`))));
}

/** P from the certification signature's DocMDP transform parameters; default 2 [Table 254]. */
function docMdpLevel(context: PDFContext, signature: PDFDict): DocMdpLevel {
  const params = transformParams(context, signature, 'DocMDP')[0];
  const p = integerValue(entry(params, 'P'));
  return p === 1 || p === 3 ? p : 2;
}

/** /TransformParams of each signature reference dictionary with the given /TransformMethod [§12.8.1 Table 253]. */
function transformParams(context: PDFContext, signature: PDFDict | undefined, method: 'DocMDP' | 'FieldMDP'): PDFDict[] {
  const out: PDFDict[] = [];
  for (const item of arrayAt(context, entry(signature, 'Reference'))?.asArray() ?? []) {
    const reference = dictAt(context, item);
    if (nameText(entry(reference, 'TransformMethod')) !== method) continue;
    out.push(dictAt(context, entry(reference, 'TransformParams')) ?? (reference as PDFDict));
  }
  return out;
}

function fieldLock(context: PDFContext, by: string, dict: PDFDict): FieldLock {
  const action = nameText(entry(dict, 'Action'));
  const fields = (arrayAt(context, entry(dict, 'Fields'))?.asArray() ?? []).map((f) => stringText(f)).filter((f): f is string => f !== undefined);
  // An unknown action locks everything: when in doubt, the signer's intent is to protect.
  return { by, action: action === 'Include' || action === 'Exclude' ? action : 'All', fields };
}
