/**
 * Content of a PDF that can look different from what the consent preview shows, or change after signing
 * without breaking the signature — the classes PDF Insecurity names (Mainka, Mladenov, Rohlmann, Schwenk: "Shadow
 * Attacks", NDSS 2021; "Attacks bypassing the signature validation in PDF", 2021: incremental saving, overlays,
 * optional content, form field appearances, active content). Kyso cannot tell an honest file from a prepared one
 * in these classes, so it NAMES them to the person ("this file contains content that can change after signing:
 * …"); the ambiguous class (shadow definitions) is refused outright by readPdfStructure.
 *
 * Reads the xref view only (what readers resolve), bounded by the objects it holds.
 */
import { PDFArray, PDFBool, PDFDict, PDFName, PDFNumber, PDFRef, PDFStream, type PDFContext, type PDFObject } from 'pdf-lib';
import type { PdfRevisionView } from './xref/read-revision.js';
import { listRevisions } from './xref/list-revisions.js';

export type HiddenContentCode =
  | 'UNREFERENCED_OBJECTS'
  | 'UNREFERENCED_DEFINITIONS'
  | 'EARLIER_REVISIONS'
  | 'OPTIONAL_CONTENT'
  | 'OPTIONAL_CONTENT_STATE_CHANGES'
  | 'FORM_NEEDS_APPEARANCES'
  | 'FORM_FIELD_APPEARANCES'
  | 'ANNOTATION_OVERLAYS'
  | 'ACTIVE_CONTENT'
  | 'XREF_REPAIRED';

export interface HiddenContentWarning {
  readonly code: HiddenContentCode;
  /** For the person, in Vietnamese. */
  readonly vi: string;
  readonly en: string;
  /** Counts and names that back the warning (no document text). */
  readonly detail?: string;
}

const MESSAGES: Record<HiddenContentCode, { vi: string; en: string }> = {
  UNREFERENCED_OBJECTS: {
    vi: 'Tệp chứa nội dung (trang, hình, luồng nội dung) không hiển thị nhưng có sẵn trong tệp: một bản cập nhật sau khi ký có thể cho nó hiện ra.',
    en: 'The file holds content (pages, images, content streams) that is not displayed but present: an update after signing could make it appear.',
  },
  UNREFERENCED_DEFINITIONS: {
    vi: 'Tệp chứa đối tượng không được bảng tham chiếu trỏ tới: một bản cập nhật sau khi ký có thể dùng chúng để thay nội dung.',
    en: 'The file holds object definitions its cross-reference does not point to: an update after signing could use them to replace content.',
  },
  EARLIER_REVISIONS: {
    vi: 'Tệp đã được sửa (cập nhật nối tiếp) sau khi tạo: nội dung hiển thị là phiên bản mới nhất.',
    en: 'The file was changed by incremental updates after it was created: what is shown is the newest version.',
  },
  OPTIONAL_CONTENT: {
    vi: 'Tệp có các lớp nội dung (optional content) có thể bật hoặc tắt: có lớp đang bị ẩn.',
    en: 'The file has optional content layers that can be switched on or off: some are hidden.',
  },
  OPTIONAL_CONTENT_STATE_CHANGES: {
    vi: 'Tệp có lớp nội dung hiển thị khác nhau khi xem, khi in hoặc tự đổi trạng thái: bản in có thể khác bản xem.',
    en: 'The file has layers that differ between viewing and printing or change state by themselves: the printout may differ from the screen.',
  },
  FORM_NEEDS_APPEARANCES: {
    vi: 'Biểu mẫu yêu cầu trình xem tự vẽ lại các ô (NeedAppearances): mỗi trình xem có thể hiển thị khác nhau.',
    en: 'The form asks viewers to redraw its fields (NeedAppearances): each viewer may show them differently.',
  },
  FORM_FIELD_APPEARANCES: {
    vi: 'Tệp có ô biểu mẫu mà hình hiển thị có thể khác giá trị lưu trong ô.',
    en: 'The file has form fields whose displayed appearance may differ from their stored value.',
  },
  ANNOTATION_OVERLAYS: {
    vi: 'Tệp có chú thích (annotation) vẽ đè lên trang: chúng có thể được đổi sau khi ký mà chữ ký vẫn hợp lệ.',
    en: 'The file has annotations drawn over its pages: they can be changed after signing while the signature stays valid.',
  },
  XREF_REPAIRED: {
    vi: 'Bảng tham chiếu của tệp bị hỏng và đã được Kyso dựng lại (mỗi đối tượng chỉ có một định nghĩa): hãy kiểm tra kỹ nội dung xem trước; bản ký sẽ kèm bảng tham chiếu đã sửa.',
    en: 'The file\'s cross-reference was damaged and Kyso rebuilt it (each object has exactly one definition): check the preview carefully; the signed file carries the repaired cross-reference.',
  },
  ACTIVE_CONTENT: {
    vi: 'Tệp có JavaScript hoặc hành động tự chạy (khi mở, khi in, khi bấm): nội dung hiển thị có thể bị thay đổi.',
    en: 'The file has JavaScript or actions that run by themselves (on open, print or click): what is shown can be changed.',
  },
};

/** Objects visited by the reachability walk; a file with more is a file we describe only partly. */
const MAX_WALK = 2_000_000;

export function detectHiddenContent(view: PdfRevisionView, bytes: Uint8Array): HiddenContentWarning[] {
  const context = view.context;
  const warnings: HiddenContentWarning[] = [];
  const warn = (code: HiddenContentCode, detail?: string): void => {
    warnings.push({ code, ...MESSAGES[code], ...(detail ? { detail } : {}) });
  };

  if (view.repairedFrom !== undefined) warn('XREF_REPAIRED', view.repairedFrom.slice(0, 300));
  const reached = reachableFromTrailer(context);
  const unreached = describeUnreached(context, reached, linearizationHintOffset(view));
  if (unreached) warn('UNREFERENCED_OBJECTS', unreached);
  const orphans = view.unaccountedDefinitions.filter((d) => !d.conflicts);
  if (orphans.length > 0) warn('UNREFERENCED_DEFINITIONS', `${orphans.length} object definition(s): ${orphans.slice(0, 8).map((d) => `${d.objectNumber} ${d.generation} obj @${d.offset}`).join(', ')}`);

  const revisions = listRevisions(bytes).filter((r) => r.end <= view.end);
  if (revisions.length > 1) warn('EARLIER_REVISIONS', `${revisions.length} revisions`);

  const catalog = context.lookup(context.trailerInfo.Root);
  if (catalog instanceof PDFDict) {
    optionalContent(context, catalog, warn);
    forms(context, catalog, warn);
    activeContent(context, catalog, warn);
  }
  overlays(context, catalog instanceof PDFDict ? catalog : undefined, warn);
  return warnings;
}

/** Every object reachable from the trailer's /Root and /Info (breadth first, bounded). */
function reachableFromTrailer(context: PDFContext): Set<PDFRef> {
  const reached = new Set<PDFRef>();
  const queue: PDFObject[] = [];
  for (const start of [context.trailerInfo.Root, context.trailerInfo.Info]) if (start) queue.push(start);
  let steps = 0;
  while (queue.length > 0 && steps++ < MAX_WALK) {
    const item = queue.pop()!;
    if (item instanceof PDFRef) {
      if (reached.has(item)) continue;
      reached.add(item);
      const target = context.lookup(item);
      if (target) queue.push(target);
    } else if (item instanceof PDFDict) {
      for (const [, value] of item.entries()) queue.push(value);
    } else if (item instanceof PDFArray) {
      for (const value of item.asArray()) queue.push(value);
    } else if (item instanceof PDFStream) {
      queue.push(item.dict);
    }
  }
  return reached;
}

/**
 * Unreached objects that could be shown if something referenced them: streams (content, images, forms) and
 * page-like dictionaries. Object streams, xref streams and plain numbers (stream lengths) are structure.
 */
function describeUnreached(context: PDFContext, reached: Set<PDFRef>, hintStream: PDFRef | undefined): string | undefined {
  const kinds = new Map<string, number>();
  for (const [ref, object] of context.enumerateIndirectObjects()) {
    if (reached.has(ref) || ref === hintStream) continue;
    const dict = object instanceof PDFStream ? object.dict : object instanceof PDFDict ? object : undefined;
    if (!dict) continue;
    const type = dict.get(PDFName.of('Type'));
    if (type === PDFName.of('ObjStm') || type === PDFName.of('XRef')) continue;
    const subtype = dict.get(PDFName.of('Subtype'));
    let kind: string | undefined;
    if (type === PDFName.of('Page') || type === PDFName.of('Pages') || type === PDFName.of('Catalog') || type === PDFName.of('Annot')) kind = (type as PDFName).decodeText();
    else if (object instanceof PDFStream) kind = subtype instanceof PDFName ? subtype.decodeText() : 'stream';
    if (kind) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  if (kinds.size === 0) return undefined;
  return [...kinds].map(([k, n]) => `${n} ${k}`).join(', ');
}

/**
 * A linearized file's hint stream is found by its byte offset (/H in the linearization dictionary), never by a
 * reference [ISO 32000-1 Annex F.2.2]: it is structure, not hidden content.
 */
function linearizationHintOffset(view: PdfRevisionView): PDFRef | undefined {
  let hintAt: number | undefined;
  for (const [, object] of view.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFDict) || !object.has(PDFName.of('Linearized'))) continue;
    const h = object.get(PDFName.of('H'));
    const first = h instanceof PDFArray ? h.asArray()[0] : undefined;
    if (first instanceof PDFNumber) hintAt = first.asNumber();
  }
  if (hintAt === undefined) return undefined;
  for (const [objectNumber, where] of view.locations) {
    if (where.kind === 'offset' && where.offset === hintAt) return PDFRef.of(objectNumber, where.generation);
  }
  return undefined;
}

type Warn = (code: HiddenContentCode, detail?: string) => void;

/** Optional content [ISO 32000-1 §8.11]: hidden groups (/D /OFF), /Usage view vs print, /AS auto-states. */
function optionalContent(context: PDFContext, catalog: PDFDict, warn: Warn): void {
  const properties = context.lookup(catalog.get(PDFName.of('OCProperties')));
  if (!(properties instanceof PDFDict)) return;
  const ocgs = context.lookup(properties.get(PDFName.of('OCGs')));
  const groups = ocgs instanceof PDFArray ? ocgs.asArray() : [];
  const configs: PDFDict[] = [];
  const d = context.lookup(properties.get(PDFName.of('D')));
  if (d instanceof PDFDict) configs.push(d);
  const others = context.lookup(properties.get(PDFName.of('Configs')));
  if (others instanceof PDFArray) for (const c of others.asArray()) { const dict = context.lookup(c); if (dict instanceof PDFDict) configs.push(dict); }
  let off = 0;
  let autoStates = 0;
  for (const config of configs) {
    const list = context.lookup(config.get(PDFName.of('OFF')));
    if (list instanceof PDFArray) off += list.size();
    if (config.get(PDFName.of('BaseState')) === PDFName.of('OFF')) off += groups.length;
    const as = context.lookup(config.get(PDFName.of('AS')));
    if (as instanceof PDFArray) autoStates += as.size();
  }
  let viewPrint = 0;
  for (const g of groups) {
    const group = context.lookup(g);
    if (!(group instanceof PDFDict)) continue;
    const usage = context.lookup(group.get(PDFName.of('Usage')));
    if (!(usage instanceof PDFDict)) continue;
    const state = (key: string, inner: string): PDFObject | undefined => {
      const dict = context.lookup(usage.get(PDFName.of(key)));
      return dict instanceof PDFDict ? dict.get(PDFName.of(inner)) : undefined;
    };
    const view = state('View', 'ViewState');
    const print = state('Print', 'PrintState');
    if ((view || print) && view !== print) viewPrint++;
  }
  warn('OPTIONAL_CONTENT', `${groups.length} layer(s), ${off} switched off by default`);
  if (viewPrint > 0 || autoStates > 0) warn('OPTIONAL_CONTENT_STATE_CHANGES', `${viewPrint} layer(s) with different view and print states, ${autoStates} automatic state rule(s) (/AS)`);
}

/** Interactive forms [§12.7]: /NeedAppearances, and filled fields whose widgets carry their own appearance. */
function forms(context: PDFContext, catalog: PDFDict, warn: Warn): void {
  const acroForm = context.lookup(catalog.get(PDFName.of('AcroForm')));
  if (!(acroForm instanceof PDFDict)) return;
  if (context.lookup(acroForm.get(PDFName.of('NeedAppearances'))) === PDFBool.True) warn('FORM_NEEDS_APPEARANCES');
  const fields = context.lookup(acroForm.get(PDFName.of('Fields')));
  if (!(fields instanceof PDFArray)) return;
  let count = 0;
  const seen = new Set<PDFObject>();
  const queue: Array<{ node: PDFObject; inheritedFt?: PDFObject }> = fields.asArray().map((node) => ({ node }));
  while (queue.length > 0 && seen.size < MAX_WALK) {
    const { node, inheritedFt } = queue.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    const field = context.lookup(node);
    if (!(field instanceof PDFDict)) continue;
    const ft = field.get(PDFName.of('FT')) ?? inheritedFt;
    const kids = context.lookup(field.get(PDFName.of('Kids')));
    if (kids instanceof PDFArray) for (const kid of kids.asArray()) queue.push({ node: kid, ...(ft ? { inheritedFt: ft } : {}) });
    if (ft === PDFName.of('Sig')) continue;
    if (field.has(PDFName.of('V')) && (field.has(PDFName.of('AP')) || (kids instanceof PDFArray && kids.asArray().some((k) => { const w = context.lookup(k); return w instanceof PDFDict && w.has(PDFName.of('AP')); })))) count++;
  }
  if (count > 0) warn('FORM_FIELD_APPEARANCES', `${count} filled field(s) with their own appearance`);
}

/** Annotations with their own appearance drawn over a page [§12.5.5], other than signature widgets and links. */
function overlays(context: PDFContext, catalog: PDFDict | undefined, warn: Warn): void {
  if (!catalog) return;
  const subtypes = new Map<string, number>();
  for (const page of pagesOf(context, catalog)) {
    const annots = context.lookup(page.get(PDFName.of('Annots')));
    if (!(annots instanceof PDFArray)) continue;
    for (const a of annots.asArray()) {
      const annot = context.lookup(a);
      if (!(annot instanceof PDFDict) || !annot.has(PDFName.of('AP'))) continue;
      const subtype = annot.get(PDFName.of('Subtype'));
      if (subtype === PDFName.of('Link') || subtype === PDFName.of('Popup')) continue;
      if (fieldType(context, annot) === PDFName.of('Sig')) continue;
      const name = subtype instanceof PDFName ? subtype.decodeText() : 'annotation';
      subtypes.set(name, (subtypes.get(name) ?? 0) + 1);
    }
  }
  if (subtypes.size > 0) warn('ANNOTATION_OVERLAYS', [...subtypes].map(([k, n]) => `${n} ${k}`).join(', '));
}

/** JavaScript and actions that run without the person choosing [§12.6.3 trigger events, §12.6.4.16 JavaScript]. */
function activeContent(context: PDFContext, catalog: PDFDict, warn: Warn): void {
  const found: string[] = [];
  if (catalog.has(PDFName.of('OpenAction'))) found.push('OpenAction');
  if (catalog.has(PDFName.of('AA'))) found.push('document AA');
  const names = context.lookup(catalog.get(PDFName.of('Names')));
  if (names instanceof PDFDict && names.has(PDFName.of('JavaScript'))) found.push('document JavaScript');
  const acroForm = context.lookup(catalog.get(PDFName.of('AcroForm')));
  if (acroForm instanceof PDFDict && acroForm.has(PDFName.of('XFA'))) found.push('XFA form');
  let pageActions = 0;
  let annotActions = 0;
  for (const page of pagesOf(context, catalog)) {
    if (page.has(PDFName.of('AA'))) pageActions++;
    const annots = context.lookup(page.get(PDFName.of('Annots')));
    if (!(annots instanceof PDFArray)) continue;
    for (const a of annots.asArray()) {
      const annot = context.lookup(a);
      if (!(annot instanceof PDFDict)) continue;
      const action = context.lookup(annot.get(PDFName.of('A')));
      const s = action instanceof PDFDict ? action.get(PDFName.of('S')) : undefined;
      if (annot.has(PDFName.of('AA')) || (s instanceof PDFName && s !== PDFName.of('URI') && s !== PDFName.of('GoTo'))) annotActions++;
    }
  }
  if (pageActions) found.push(`${pageActions} page action(s)`);
  if (annotActions) found.push(`${annotActions} annotation action(s)`);
  if (found.length > 0) warn('ACTIVE_CONTENT', found.join(', '));
}

function fieldType(context: PDFContext, annot: PDFDict): PDFObject | undefined {
  let node: PDFDict | undefined = annot;
  for (let depth = 0; node && depth < 32; depth++) {
    const ft = node.get(PDFName.of('FT'));
    if (ft) return ft;
    const parent: PDFObject | undefined = context.lookup(node.get(PDFName.of('Parent')));
    node = parent instanceof PDFDict ? parent : undefined;
  }
  return undefined;
}

/** Page dictionaries in the page tree [§7.7.3], cycle-safe and bounded. */
function pagesOf(context: PDFContext, catalog: PDFDict): PDFDict[] {
  const pages: PDFDict[] = [];
  const seen = new Set<PDFObject>();
  const stack: PDFObject[] = [catalog.get(PDFName.of('Pages')) ?? PDFNumber.of(0)];
  while (stack.length > 0 && seen.size < MAX_WALK) {
    const item = stack.pop()!;
    if (seen.has(item)) continue;
    seen.add(item);
    const node = context.lookup(item);
    if (!(node instanceof PDFDict)) continue;
    const kids = context.lookup(node.get(PDFName.of('Kids')));
    if (kids instanceof PDFArray) { for (const kid of [...kids.asArray()].reverse()) stack.push(kid); continue; }
    pages.push(node);
  }
  return pages;
}

