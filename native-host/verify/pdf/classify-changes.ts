/**
 * Judge every change between the state a signature covers and the final state [ISO 32000-1 §12.8.2.2 Table 254,
 * ETSI EN 319 142-1 §5.4 (document timestamps), §5.4.2 / Annex A (DSS)] and say it in plain words.
 *
 * Allowed (PDF_ALLOWED_CHANGE, informational), unless the document is certified with P=1:
 *   - new signature fields that carry a signature (their widget, appearance stream, fonts and images, their
 *     signature or document-timestamp dictionary — each such signature is verified on its own), the AcroForm's
 *     /Fields gaining them and /SigFlags, a page's /Annots gaining their widgets; an empty signature field
 *     signed later; an empty signature field added with no visible appearance;
 *   - validation data (catalog /DSS and what only it references), document information (/Info), XMP metadata
 *     (catalog /Metadata) and the version declarations (/Version, /Extensions): none is drawn on a page;
 *   - form filling (a field's /V, its widgets' /AP and /AS with it) when P ≥ 2 and no signature locks the field;
 *   - annotations created, changed or deleted only when the certification allows it (P=3).
 * P=1 turns every allowed change into a disallowed one, except validation data and document timestamps, which
 * DocMDP does not restrict [ETSI TS 102 778-4 Annex A.1].
 * Everything else is PDF_DISALLOWED_CHANGE: "page 1 content replaced", "page 2 added", "catalog entry
 * /OpenAction added", "font /F1 of page 1 changed (object 5)", "document catalog replaced", ...
 *
 * How "only referenced by a signature" is decided: the protected part of the document is every object reachable
 * from the final catalog without passing through a new signature field/widget, the catalog's /DSS or /Metadata.
 * A changed object outside it cannot change what a page shows; one inside it must match a rule above. A new object
 * inside it must hang from a changed object (a rule then judged that change): an unchanged object that pointed at a
 * missing object in the signed state and now resolves is a change too.
 */
import { PDFDict, PDFRawStream, PDFRef, type PDFContext, type PDFObject } from 'pdf-lib';
import type { PdfRevisionView } from '../../formats/pdf/xref/read-revision.js';
import { outlineOf, type DocumentOutline } from './document-outline.js';
import { lockOf, type ChangePermissions } from './mdp-permissions.js';
import { changedKeys, dictAt, entry, nameText, refKey, refList, referencesIn, resolve, sameObject, stringText } from './pdf-object-tools.js';
import { diffRevisions, type ObjectChangeKind } from './revision-diff.js';

export interface ChangeFindings {
  /** Plain-language descriptions of allowed changes (PDF_ALLOWED_CHANGE). */
  readonly allowed: readonly string[];
  /** Plain-language descriptions of disallowed changes (PDF_DISALLOWED_CHANGE). */
  readonly disallowed: readonly string[];
}

/** Keys of a field or widget that form filling changes [§12.7.3.3, §12.5.5]. */
const FORM_FILL_KEYS = new Set(['V', 'AP', 'AS']);
/** AcroForm entries a new signature or form filling may set [§12.7.2 Table 218]. */
const ACROFORM_DEFAULT_KEYS = new Set(['DR', 'DA', 'NeedAppearances']);

export function classifyChanges(covered: PdfRevisionView, final: PdfRevisionView, permissions: ChangePermissions): ChangeFindings {
  const allowed = new Set<string>();
  const disallowed = new Set<string>();
  const result = (): ChangeFindings => applyCertification(permissions, [...allowed], [...disallowed]);

  const beforeRoot = covered.context.trailerInfo.Root;
  const afterRoot = final.context.trailerInfo.Root;
  if (!(beforeRoot instanceof PDFRef) || !(afterRoot instanceof PDFRef) || refKey(beforeRoot) !== refKey(afterRoot)) {
    disallowed.add(`document catalog replaced (the trailer now names object ${afterRoot instanceof PDFRef ? afterRoot.objectNumber : '?'})`);
    return result();
  }
  if (!sameObject(covered.context.trailerInfo.Encrypt, final.context.trailerInfo.Encrypt)) disallowed.add('encryption dictionary changed');
  const infoBefore = covered.context.trailerInfo.Info;
  const infoAfter = final.context.trailerInfo.Info;
  if (!sameObject(infoBefore, infoAfter) || !sameObject(resolve(covered.context, infoBefore), resolve(final.context, infoAfter))) {
    allowed.add('document information (/Info) updated');
  }

  const { changes } = diffRevisions(covered, final);
  if (changes.size === 0) return result();
  const before = outlineOf(covered.context);
  const after = outlineOf(final.context);
  const judge = new Judge(covered.context, final.context, before, after, changes, permissions, allowed, disallowed);
  judge.run();
  return result();
}

/**
 * A certification with P=1 allows no change at all, not even a signature [Table 254] — except validation data and
 * document timestamps, to which DocMDP restrictions do not apply [ETSI TS 102 778-4 Annex A.1; ETSI EN 319 142-1].
 */
const LONG_TERM_VALIDATION = /^(validation data|PDF version declaration|document timestamp)/;

function applyCertification(permissions: ChangePermissions, allowed: string[], disallowed: string[]): ChangeFindings {
  if (permissions.level !== 1 || allowed.length === 0) return { allowed, disallowed };
  const refused = allowed.filter((a) => !LONG_TERM_VALIDATION.test(a));
  return {
    allowed: allowed.filter((a) => LONG_TERM_VALIDATION.test(a)),
    disallowed: [...refused.map((a) => `${a} — the document is certified with no changes allowed (DocMDP P=1)`), ...disallowed],
  };
}

class Judge {
  /** New signature fields and their widgets (keys): the edges into them are not followed into the protected part. */
  private readonly artifacts = new Set<string>();
  /** Empty signature fields of the signed state that hold a signature now (their /V and /AP edges are the signer's). */
  private readonly signedLater = new Set<string>();
  private readonly protectedKeys = new Set<string>();
  private readonly parents = new Map<string, Set<string>>();

  constructor(
    private readonly beforeContext: PDFContext,
    private readonly afterContext: PDFContext,
    private readonly before: DocumentOutline,
    private readonly after: DocumentOutline,
    private readonly changes: ReadonlyMap<string, ObjectChangeKind>,
    private readonly permissions: ChangePermissions,
    private readonly allowed: Set<string>,
    private readonly disallowed: Set<string>,
  ) {}

  run(): void {
    this.findSignatureArtifacts();
    this.markProtected();
    const pagesDiffer = this.comparePages();
    for (const [key, kind] of this.changes) {
      if (!this.protectedKeys.has(key)) {
        if (kind !== 'deleted') this.noteOutside(key);
        continue;
      }
      if (kind === 'deleted') this.disallowed.add(this.say(key, 'deleted', this.before));
      else if (kind === 'added') this.judgeAdded(key);
      else this.judgeModified(key, pagesDiffer);
    }
  }

  // ── signatures added after the signed state ──
  private findSignatureArtifacts(): void {
    for (const [key, field] of this.after.fields) {
      if (field.type !== 'Sig') continue;
      const signed = entry(field.dict, 'V') !== undefined;
      const earlier = this.before.fields.get(key);
      if (!earlier && this.changes.get(key) === 'added') {
        this.artifacts.add(key);
        for (const widget of field.widgets) if (this.changes.get(refKey(widget)) === 'added') this.artifacts.add(refKey(widget));
        if (signed) this.allowed.add(this.isDocumentTimestamp(field.dict) ? `document timestamp '${field.name}' added` : `signature field '${field.name}' added`);
        else if (field.widgets.some((w) => this.hasVisibleAppearance(w))) this.disallowed.add(`empty signature field '${field.name}' added with a visible appearance (it looks signed but holds no signature)`);
        else this.allowed.add(`empty signature field '${field.name}' added`);
      } else if (earlier && earlier.type === 'Sig' && entry(earlier.dict, 'V') === undefined && signed) {
        this.signedLater.add(key);
        for (const widget of field.widgets) this.signedLater.add(refKey(widget));
        this.allowed.add(`signature field '${field.name}' signed`);
      }
    }
  }

  /** /Type /DocTimeStamp or /SubFilter /ETSI.RFC3161 [ISO 32000-2 §12.8.5, ETSI EN 319 142-1 §5.4]. */
  private isDocumentTimestamp(field: PDFDict): boolean {
    const value = dictAt(this.afterContext, entry(field, 'V'));
    return nameText(entry(value, 'Type')) === 'DocTimeStamp' || nameText(entry(value, 'SubFilter')) === 'ETSI.RFC3161';
  }

  private hasVisibleAppearance(widget: PDFRef): boolean {
    const ap = dictAt(this.afterContext, entry(dictAt(this.afterContext, widget), 'AP'));
    const normal = resolve(this.afterContext, entry(ap, 'N'));
    const streams = normal instanceof PDFRawStream ? [normal] : normal instanceof PDFDict ? normal.entries().map(([, v]) => resolve(this.afterContext, v)) : [];
    return streams.some((s) => s instanceof PDFRawStream && s.getContents().some((byte) => ![0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20].includes(byte)));
  }

  // ── the protected part: reachable from the catalog except through signature artifacts, /DSS and /Metadata ──
  private markProtected(): void {
    const root = this.after.catalogRef;
    if (!root) return;
    const stack: PDFRef[] = [root];
    this.protectedKeys.add(refKey(root));
    while (stack.length > 0) {
      const ref = stack.pop()!;
      const key = refKey(ref);
      const object = resolve(this.afterContext, ref);
      if (object === undefined) continue;
      const dict = object instanceof PDFRawStream ? object.dict : object instanceof PDFDict ? object : undefined;
      const edges: PDFRef[] = [];
      if (dict && !(object instanceof PDFRawStream)) {
        for (const [name, value] of dict.entries()) {
          const k = name.decodeText();
          if (key === refKey(root) && (k === 'DSS' || k === 'Metadata')) continue;
          if (this.signedLater.has(key) && (k === 'V' || k === 'AP')) continue;
          edges.push(...referencesIn(value));
        }
      } else {
        edges.push(...referencesIn(object));
      }
      for (const child of edges) {
        const childKey = refKey(child);
        if (this.artifacts.has(childKey)) continue;
        let parents = this.parents.get(childKey);
        if (!parents) this.parents.set(childKey, parents = new Set());
        parents.add(key);
        if (this.protectedKeys.has(childKey)) continue;
        this.protectedKeys.add(childKey);
        stack.push(child);
      }
    }
  }

  /** A change no page or form field can show: validation data, metadata, signature artifacts, unused objects. */
  private noteOutside(key: string): void {
    const dss = entry(this.after.catalog, 'DSS');
    if (dss instanceof PDFRef && (refKey(dss) === key || this.reachableFrom(dss, key))) this.allowed.add('validation data (DSS) added or updated');
    const metadata = entry(this.after.catalog, 'Metadata');
    if (metadata instanceof PDFRef && refKey(metadata) === key) this.allowed.add('document metadata (XMP) updated');
  }

  private reachableFrom(start: PDFRef, target: string): boolean {
    const seen = new Set<string>([refKey(start)]);
    const stack = [start];
    while (stack.length > 0 && seen.size < 100_000) {
      for (const child of referencesIn(resolve(this.afterContext, stack.pop()!))) {
        const k = refKey(child);
        if (k === target) return true;
        if (!seen.has(k)) { seen.add(k); stack.push(child); }
      }
    }
    return false;
  }

  // ── pages ──
  private comparePages(): boolean {
    const a = this.before.pages.map(refKey);
    const b = this.after.pages.map(refKey);
    let differ = false;
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i] === b[i]) continue;
      differ = true;
      if (a[i] === undefined) this.disallowed.add(`page ${i + 1} added`);
      else if (b[i] === undefined) this.disallowed.add(`page ${i + 1} removed`);
      else this.disallowed.add(`page ${i + 1} replaced`);
    }
    return differ;
  }

  // ── added objects inside the protected part ──
  private judgeAdded(key: string): void {
    // An object that did not exist when signed, now reached from an object the signer saw unchanged: a reference
    // that read as null when signed now shows something (a shadow the signer could not see).
    for (const parent of this.parents.get(key) ?? []) {
      if (!this.changes.has(parent)) {
        this.disallowed.add(`object ${key.split(' ')[0]} added where the signed document referred to a missing object (from ${this.describe(parent, this.before)})`);
        return;
      }
    }
  }

  // ── modified objects inside the protected part ──
  private judgeModified(key: string, pagesDiffer: boolean): void {
    const beforeObject = this.beforeContext.lookup(this.refOf(key));
    const afterObject = this.afterContext.lookup(this.refOf(key));
    const beforeDict = asDict(beforeObject);
    const afterDict = asDict(afterObject);
    if (key === refKey(this.after.catalogRef!)) return this.judgeCatalog(beforeDict, afterDict);
    if (this.before.acroFormRef && key === refKey(this.before.acroFormRef)) return this.judgeAcroForm(beforeDict, afterDict);
    const pageIndex = this.before.pages.findIndex((p) => refKey(p) === key);
    if (pageIndex >= 0 && this.after.pages.some((p) => refKey(p) === key)) return this.judgePage(pageIndex + 1, beforeDict, afterDict);
    if (this.before.pageTreeNodes.has(key)) {
      if (!pagesDiffer) this.disallowed.add(this.say(key, 'changed', this.before));
      return;
    }
    const role = this.before.roles.get(key) ?? '';
    if (role === 'form field list') return this.judgeFieldList(refList(this.beforeContext, this.refOf(key)), refList(this.afterContext, this.refOf(key)));
    const annotsOf = /^annotation list of page (\d+)$/.exec(role);
    if (annotsOf) return this.judgeAnnots(Number(annotsOf[1]), refList(this.beforeContext, this.refOf(key)), refList(this.afterContext, this.refOf(key)));
    if (this.before.fieldNodes.has(key) || this.before.widgetField.has(key)) return this.judgeField(key, beforeDict, afterDict);
    const appearanceOf = /^appearance of field '(.*)'$/.exec(role);
    if (appearanceOf) return this.judgeAppearanceStream(key, appearanceOf[1]!);
    if (/ annotation on page \d+$/.test(role)) {
      if (this.permissions.level >= 3) this.allowed.add(`${role} changed`);
      else this.disallowed.add(this.say(key, 'changed', this.before));
      return;
    }
    this.disallowed.add(this.say(key, 'changed', this.before));
  }

  private judgeCatalog(before: PDFDict | undefined, after: PDFDict | undefined): void {
    for (const { key, how } of changedKeys(before, after)) {
      if (key === 'AcroForm') {
        const a = entry(before, key);
        const b = entry(after, key);
        // The same indirect AcroForm is judged as its own object; a direct one or a new one is judged here.
        if (a instanceof PDFRef && b instanceof PDFRef && refKey(a) === refKey(b)) continue;
        this.judgeAcroForm(dictAt(this.beforeContext, a), dictAt(this.afterContext, b));
      } else if (key === 'DSS') {
        this.allowed.add(`validation data (DSS) ${how === 'added' ? 'added' : 'updated'}`);
      } else if (key === 'Metadata') {
        this.allowed.add('document metadata (XMP) updated');
      } else if (key === 'Extensions' || key === 'Version') {
        // Declarations of the PDF version / extensions used, e.g. ESIC written with a DSS [ETSI EN 319 142-1 §5.4.1].
        this.allowed.add(`PDF version declaration (/${key}) ${how}`);
      } else {
        this.disallowed.add(`catalog entry /${key} ${how}`);
      }
    }
  }

  private judgeAcroForm(before: PDFDict | undefined, after: PDFDict | undefined): void {
    for (const { key, how } of changedKeys(before, after)) {
      if (key === 'Fields') {
        this.judgeFieldList(refList(this.beforeContext, entry(before, key)), refList(this.afterContext, entry(after, key)));
      } else if (key === 'SigFlags') {
        // SignaturesExist | AppendOnly, set by whoever adds a signature [§12.7.2 Table 219].
      } else if (ACROFORM_DEFAULT_KEYS.has(key) && this.permissions.level >= 2) {
        this.allowed.add(`interactive form default /${key} ${how}`);
      } else {
        this.disallowed.add(`interactive form entry /${key} ${how}`);
      }
    }
  }

  private judgeFieldList(before: readonly PDFRef[], after: readonly PDFRef[]): void {
    const a = new Set(before.map(refKey));
    const b = new Set(after.map(refKey));
    for (const k of a) if (!b.has(k)) this.disallowed.add(`form field ${this.fieldName(k, this.before)} removed`);
    for (const k of b) {
      if (a.has(k) || this.artifacts.has(k)) continue;
      this.disallowed.add(`form field ${this.fieldName(k, this.after)} added`);
    }
  }

  private judgePage(n: number, before: PDFDict | undefined, after: PDFDict | undefined): void {
    for (const { key, how } of changedKeys(before, after)) {
      if (key === 'Annots') this.judgeAnnots(n, refList(this.beforeContext, entry(before, key)), refList(this.afterContext, entry(after, key)));
      else if (key === 'Contents') this.disallowed.add(`page ${n} content replaced`);
      else if (key === 'Resources') this.disallowed.add(`page ${n} resources ${how}`);
      else this.disallowed.add(`page ${n} entry /${key} ${how}`);
    }
  }

  private judgeAnnots(n: number, before: readonly PDFRef[], after: readonly PDFRef[]): void {
    const a = new Set(before.map(refKey));
    const b = new Set(after.map(refKey));
    const annotationRule = (what: string) => {
      if (this.permissions.level >= 3) this.allowed.add(what);
      else this.disallowed.add(what);
    };
    for (const k of a) {
      if (b.has(k)) continue;
      const field = this.before.widgetField.get(k);
      if (field) this.disallowed.add(`widget of field ${this.fieldName(field, this.before)} removed from page ${n}`);
      else annotationRule(`annotation removed from page ${n}`);
    }
    for (const k of b) {
      if (a.has(k) || this.artifacts.has(k)) continue;
      const field = this.after.widgetField.get(k);
      if (field) { this.disallowed.add(`widget of field ${this.fieldName(field, this.after)} added on page ${n}`); continue; }
      const subtype = nameText(entry(dictAt(this.afterContext, this.refOf(k)), 'Subtype'));
      annotationRule(`${subtype ? `/${subtype} ` : ''}annotation added on page ${n}`);
    }
  }

  /** A field or widget changed: form filling (P ≥ 2, not locked) or a signature field signed later; else reported. */
  private judgeField(key: string, before: PDFDict | undefined, after: PDFDict | undefined): void {
    const fieldKey = this.before.fields.has(key) ? key : this.before.widgetField.get(key) ?? key;
    const field = this.before.fields.get(fieldKey);
    const name = field?.name ?? `object ${key.split(' ')[0]}`;
    const keys = changedKeys(before, after);
    if (this.signedLater.has(key) && keys.every((k) => ['V', 'AP', 'AS', 'Lock'].includes(k.key))) return;
    if (keys.length === 1 && keys[0]!.key === 'Kids' && this.onlyGainedSignatures(entry(before, 'Kids'), entry(after, 'Kids'))) return;
    if (!field || field.type === 'Sig' || !keys.every((k) => FORM_FILL_KEYS.has(k.key))) {
      for (const { key: k, how } of keys) this.disallowed.add(`${field?.type === 'Sig' ? 'signature ' : ''}field '${name}' entry /${k} ${how}`);
      return;
    }
    const valueChanged = this.fieldValueChanged(fieldKey);
    if (this.permissions.level < 2) { this.disallowed.add(`field '${name}' changed (the certification allows no form filling)`); return; }
    const lock = lockOf(this.permissions, name);
    if (lock) { this.disallowed.add(`field '${name}' changed although signature '${lock.by}' locks it`); return; }
    if (keys.some((k) => k.key === 'V')) {
      const value = entry(after, 'V');
      const text = stringText(value) ?? nameText(value) ?? '';
      this.allowed.add(`field '${name}' value changed${text ? ` to '${text.slice(0, 80)}'` : ''}`);
    } else if (!valueChanged) {
      this.disallowed.add(`appearance of field '${name}' replaced without a value change`);
    }
  }

  /** A list (of kids) that kept every entry and gained only new signature fields. */
  private onlyGainedSignatures(before: PDFObject | undefined, after: PDFObject | undefined): boolean {
    const a = new Set(refList(this.beforeContext, before).map(refKey));
    const b = refList(this.afterContext, after).map(refKey);
    return [...a].every((k) => b.includes(k)) && b.every((k) => a.has(k) || this.artifacts.has(k));
  }

  /** An appearance stream rewritten in place: allowed only as part of form filling of that field. */
  private judgeAppearanceStream(key: string, name: string): void {
    const fieldKey = [...this.before.fields].find(([, f]) => f.name === name)?.[0];
    const field = fieldKey ? this.before.fields.get(fieldKey) : undefined;
    if (!field || field.type === 'Sig' || this.permissions.level < 2 || lockOf(this.permissions, name) || !this.fieldValueChanged(fieldKey!)) {
      this.disallowed.add(this.say(key, 'changed', this.before));
    }
  }

  private fieldValueChanged(fieldKey: string): boolean {
    const a = entry(dictAt(this.beforeContext, this.refOf(fieldKey)), 'V');
    const b = entry(dictAt(this.afterContext, this.refOf(fieldKey)), 'V');
    return !sameObject(resolve(this.beforeContext, a), resolve(this.afterContext, b));
  }

  // ── words ──
  private refOf(key: string): PDFRef {
    const [n, g] = key.split(' ').map(Number) as [number, number];
    return PDFRef.of(n, g);
  }

  private fieldName(key: string, outline: DocumentOutline): string {
    const field = outline.fields.get(key);
    return field ? `'${field.name}'` : `(object ${key.split(' ')[0]})`;
  }

  private describe(key: string, outline: DocumentOutline): string {
    const role = outline.roles.get(key);
    if (role) return `${role} (object ${key.split(' ')[0]})`;
    const context = outline === this.before ? this.beforeContext : this.afterContext;
    const object = resolve(context, this.refOf(key));
    const type = nameText(entry(asDict(object), 'Type'));
    return `object ${key.split(' ')[0]}${type ? ` (/${type})` : object instanceof PDFRawStream ? ' (stream)' : ''}`;
  }

  /** "page 1 content changed (object 6)", "object 12 (/Font) changed". */
  private say(key: string, verb: string, outline: DocumentOutline): string {
    const role = outline.roles.get(key);
    if (role) return `${role} ${verb} (object ${key.split(' ')[0]})`;
    return `${this.describe(key, outline)} ${verb}`;
  }
}

function asDict(object: PDFObject | undefined): PDFDict | undefined {
  if (object instanceof PDFRawStream) return object.dict;
  return object instanceof PDFDict ? object : undefined;
}
