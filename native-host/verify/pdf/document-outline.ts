/**
 * What the objects of one revision are, in words a person understands: the pages in order [ISO 32000-1 §7.7.3],
 * the interactive form's fields with their fully qualified names and widgets [§12.7.3], and a role for every
 * object the pages and the form use ("page 1 content", "font /F1 of page 1", "field 'SoTien'"). Bounded walks:
 * a hostile file with loops or millions of nodes ends early instead of hanging.
 */
import { PDFArray, PDFDict, PDFRawStream, PDFRef, type PDFContext } from 'pdf-lib';
import { arrayAt, dictAt, entry, nameText, refKey, refList, resolve, stringText } from './pdf-object-tools.js';

/** Walk limits: far above real documents, low enough to stay fast on hostile ones. */
const MAX_PAGES = 100_000;
const MAX_FIELDS = 100_000;
const MAX_TREE_DEPTH = 64;

export interface FormField {
  readonly ref: PDFRef;
  readonly dict: PDFDict;
  /** Fully qualified name: the parents' /T joined with '.' [§12.7.3.2]. */
  readonly name: string;
  /** /FT, inherited from the parents [§12.7.3.1 Table 220]. */
  readonly type: string | undefined;
  /** The widget annotations: the field itself when merged, else its kids without /T. */
  readonly widgets: readonly PDFRef[];
}

export interface DocumentOutline {
  readonly catalog: PDFDict | undefined;
  readonly catalogRef: PDFRef | undefined;
  readonly pages: readonly PDFRef[];
  /** Intermediate page-tree nodes (not pages). */
  readonly pageTreeNodes: ReadonlySet<string>;
  /** Terminal fields by key ("N G"). */
  readonly fields: ReadonlyMap<string, FormField>;
  /** Every node of the field tree (terminal or not) by key, to its terminal field or itself. */
  readonly fieldNodes: ReadonlySet<string>;
  /** Widget key → its field's key. */
  readonly widgetField: ReadonlyMap<string, string>;
  /** Object key → what it is, for messages. */
  readonly roles: ReadonlyMap<string, string>;
  readonly acroFormRef: PDFRef | undefined;
}

export function outlineOf(context: PDFContext): DocumentOutline {
  const roles = new Map<string, string>();
  const catalogRef = context.trailerInfo.Root instanceof PDFRef ? context.trailerInfo.Root : undefined;
  const catalog = dictAt(context, catalogRef);
  if (catalogRef) roles.set(refKey(catalogRef), 'catalog');

  const pages: PDFRef[] = [];
  const pageTreeNodes = new Set<string>();
  const seen = new Set<string>();
  const walkPages = (value: ReturnType<typeof entry>, depth: number): void => {
    if (!(value instanceof PDFRef) || depth > MAX_TREE_DEPTH || pages.length >= MAX_PAGES || seen.has(refKey(value))) return;
    seen.add(refKey(value));
    const node = dictAt(context, value);
    if (!node) return;
    const kids = arrayAt(context, entry(node, 'Kids'));
    if (nameText(entry(node, 'Type')) === 'Pages' || (kids && nameText(entry(node, 'Type')) !== 'Page')) {
      pageTreeNodes.add(refKey(value));
      roles.set(refKey(value), 'page tree');
      for (const kid of kids?.asArray() ?? []) walkPages(kid, depth + 1);
    } else {
      pages.push(value);
    }
  };
  walkPages(entry(catalog, 'Pages'), 0);

  pages.forEach((page, index) => {
    const n = index + 1;
    roles.set(refKey(page), `page ${n}`);
    const dict = dictAt(context, page);
    for (const ref of refList(context, entry(dict, 'Contents'))) setOnce(roles, ref, `page ${n} content`);
    const contents = entry(dict, 'Contents');
    if (contents instanceof PDFRef && resolve(context, contents) instanceof PDFArray) setOnce(roles, contents, `page ${n} content list`);
    const resources = dictAt(context, entry(dict, 'Resources'));
    const resourcesRef = entry(dict, 'Resources');
    if (resourcesRef instanceof PDFRef) setOnce(roles, resourcesRef, `resources of page ${n}`);
    for (const [category, label] of [['Font', 'font'], ['XObject', 'XObject'], ['ExtGState', 'graphics state'], ['ColorSpace', 'colour space'], ['Pattern', 'pattern'], ['Shading', 'shading']] as const) {
      const group = dictAt(context, entry(resources, category));
      for (const [key, value] of group?.entries() ?? []) {
        if (!(value instanceof PDFRef)) continue;
        const subtype = nameText(entry(dictAt(context, value), 'Subtype'));
        const what = category === 'XObject' ? (subtype === 'Image' ? 'image' : 'form XObject') : label;
        setOnce(roles, value, `${what} /${key.decodeText()} of page ${n}`);
      }
    }
    const annots = entry(dict, 'Annots');
    if (annots instanceof PDFRef) setOnce(roles, annots, `annotation list of page ${n}`);
    for (const ref of refList(context, annots)) {
      const subtype = nameText(entry(dictAt(context, ref), 'Subtype'));
      setOnce(roles, ref, `${subtype ?? 'annotation'} annotation on page ${n}`);
    }
  });

  const acroFormEntry = entry(catalog, 'AcroForm');
  const acroFormRef = acroFormEntry instanceof PDFRef ? acroFormEntry : undefined;
  if (acroFormRef) roles.set(refKey(acroFormRef), 'interactive form (AcroForm)');
  const acroForm = dictAt(context, acroFormEntry);
  const fieldsEntry = entry(acroForm, 'Fields');
  if (fieldsEntry instanceof PDFRef) roles.set(refKey(fieldsEntry), 'form field list');
  const fields = new Map<string, FormField>();
  const fieldNodes = new Set<string>();
  const widgetField = new Map<string, string>();
  const walkFields = (ref: PDFRef, parentName: string, parentType: string | undefined, depth: number): void => {
    const key = refKey(ref);
    if (depth > MAX_TREE_DEPTH || fieldNodes.has(key) || fieldNodes.size >= MAX_FIELDS) return;
    const dict = dictAt(context, ref);
    if (!dict) return;
    fieldNodes.add(key);
    const partial = stringText(entry(dict, 'T'));
    const name = partial === undefined ? parentName : parentName ? `${parentName}.${partial}` : partial;
    const type = nameText(entry(dict, 'FT')) ?? parentType;
    const kids = refList(context, entry(dict, 'Kids'));
    const childFields = kids.filter((kid) => entry(dictAt(context, kid), 'T') !== undefined);
    const widgets = kids.filter((kid) => entry(dictAt(context, kid), 'T') === undefined);
    if (nameText(entry(dict, 'Subtype')) === 'Widget') widgets.unshift(ref);
    for (const child of childFields) walkFields(child, name, type, depth + 1);
    if (childFields.length === 0 || widgets.length > 0) {
      fields.set(key, { ref, dict, name: name || `object ${ref.objectNumber}`, type, widgets });
      roles.set(key, `field '${name || ref.objectNumber}'`);
      for (const widget of widgets) {
        widgetField.set(refKey(widget), key);
        if (widget !== ref) roles.set(refKey(widget), `widget of field '${name}'`);
        const ap = dictAt(context, entry(dictAt(context, widget), 'AP'));
        for (const [, state] of ap?.entries() ?? []) {
          if (state instanceof PDFRef) setOnce(roles, state, `appearance of field '${name}'`);
          for (const [, sub] of dictAt(context, state)?.entries() ?? []) if (sub instanceof PDFRef) setOnce(roles, sub, `appearance of field '${name}'`);
        }
      }
      const v = entry(dict, 'V');
      if (v instanceof PDFRef) setOnce(roles, v, type === 'Sig' ? `signature value of field '${name}'` : `value of field '${name}'`);
      const lock = entry(dict, 'Lock');
      if (lock instanceof PDFRef) setOnce(roles, lock, `lock of field '${name}'`);
    }
  };
  for (const ref of refList(context, fieldsEntry)) walkFields(ref, '', undefined, 0);

  const dss = entry(catalog, 'DSS');
  if (dss instanceof PDFRef) roles.set(refKey(dss), 'validation data (DSS)');
  const info = context.trailerInfo.Info;
  if (info instanceof PDFRef) setOnce(roles, info, 'document information (/Info)');
  return { catalog, catalogRef, pages, pageTreeNodes, fields, fieldNodes, widgetField, roles, acroFormRef };
}

function setOnce(roles: Map<string, string>, ref: PDFRef, role: string): void {
  if (!roles.has(refKey(ref))) roles.set(refKey(ref), role);
}

/** "object 12 (font /F1 of page 1)" or "object 12 (a stream)" when it has no known role. */
export function describeObject(outline: DocumentOutline, ref: PDFRef, context: PDFContext): string {
  const role = outline.roles.get(refKey(ref));
  if (role) return `object ${ref.objectNumber} (${role})`;
  const object = resolve(context, ref);
  const type = nameText(entry(dictAt(context, object), 'Type'));
  const kind = object instanceof PDFRawStream ? 'stream' : object instanceof PDFDict ? 'dictionary' : undefined;
  return `object ${ref.objectNumber}${type ? ` (/${type})` : kind ? ` (${kind})` : ''}`;
}
