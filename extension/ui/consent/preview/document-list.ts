/**
 * The documents part of the consent window: one `batch-item` per document with its file name, size and SHA-256
 * (or, for a CMS over a digest, the digest itself), a readable summary of an XML document (e-invoice: number,
 * seller, buyer, total), for a PDF every page (paged, with the page count) and the stamp's rectangle as the host
 * will place it, and what can change after signing; for a CMS document its content type and an excerpt (or its
 * pages when it is a PDF). pdf.js is imported lazily (pdf-preview.ts), so requests without a PDF do not load it.
 */
import * as v from 'valibot';
import { ConsentDocumentDataSchema, type ConsentDocument } from '../../../background/documents/consent-documents.js';
import type { UiLanguage } from '../consent-text.js';
import { el } from '../../dom.js';
import type { PdfPages, StampBox } from './pdf-preview.js';
import { technicalDetails } from '../technical-details.js';
import { DECISION_TEXT } from '../decision-text.js';

/** Preview zoom steps (issue 11 §4): 100 % fits the window's width; the page scrolls inside its box when larger. */
const ZOOM_STEPS = [1, 1.5, 2, 3] as const;

const TEXT = {
  vi: {
    documents: (n: number) => (n > 1 ? `${n} tài liệu sẽ được ký` : 'Tài liệu sẽ được ký'),
    name: 'Tên tệp', size: 'Kích thước', sha256: 'SHA-256', digest: 'Giá trị băm', kind: { pdf: 'PDF', xml: 'XML', cms: 'CMS (dữ liệu)' },
    unnamed: '(không có tên)', invoice: 'Hoá đơn', number: 'Số', seller: 'Người bán', buyer: 'Người mua', total: 'Tổng tiền', date: 'Ngày lập',
    root: 'Phần tử gốc', invisible: 'Chữ ký ẩn (không có hình chữ ký trên trang)', page: (p: string) => `Trang ${p} — ô chữ ký được tô đỏ`,
    last: 'cuối', anchor: (t: string) => `Chữ ký đặt gần dòng chữ «${t}»`, loading: 'Đang hiển thị trang…', tooLarge: 'Tệp lớn: không xem trước được.',
    previewFailed: 'Không xem trước được trang này.', bytes: (n: number) => formatBytes(n, 'vi'),
    invisiblePages: 'Chữ ký ẩn: không có hình chữ ký trên trang; các trang của tệp:', pageOf: 'Trang', prev: '‹ Trang trước', next: 'Trang sau ›',
    anchorUnknown: 'vị trí chính xác của chữ ký chưa xem trước được', stampPage: (p: number) => `Ô chữ ký (tô đỏ) ở trang ${p}`,
    warningsLead: 'Tệp này chứa nội dung có thể thay đổi sau khi ký:', cannotSign: 'Không ký được tệp này:',
    contentType: 'Loại nội dung', excerpt: 'Trích đoạn', excerptHex: 'Các byte đầu (hex)', onlyStart: '(chỉ phần đầu)',
  },
  en: {
    documents: (n: number) => (n > 1 ? `${n} documents to sign` : 'Document to sign'),
    name: 'File name', size: 'Size', sha256: 'SHA-256', digest: 'Digest', kind: { pdf: 'PDF', xml: 'XML', cms: 'CMS (data)' },
    unnamed: '(no name)', invoice: 'Invoice', number: 'No.', seller: 'Seller', buyer: 'Buyer', total: 'Total', date: 'Date',
    root: 'Root element', invisible: 'Invisible signature (no stamp on the page)', page: (p: string) => `Page ${p} — the signature box is outlined in red`,
    last: 'last', anchor: (t: string) => `Signature placed near the text “${t}”`, loading: 'Rendering the page…', tooLarge: 'Large file: no preview.',
    previewFailed: 'This page could not be previewed.', bytes: (n: number) => formatBytes(n, 'en'),
    invisiblePages: 'Invisible signature: no stamp on the pages; the pages of the file:', pageOf: 'Page', prev: '‹ Previous', next: 'Next ›',
    anchorUnknown: 'the exact place of the signature is not previewed', stampPage: (p: number) => `Signature box (outlined in red) on page ${p}`,
    warningsLead: 'This file contains content that can change after signing:', cannotSign: 'This file cannot be signed:',
    contentType: 'Content type', excerpt: 'Excerpt', excerptHex: 'First bytes (hex)', onlyStart: '(beginning only)',
  },
} as const;

export type ReadDocument = (index: number, offset: number) => Promise<{ data: string; eof: boolean } | undefined>;

/** PDF viewers survive re-renders of the window (language toggle, wrong PIN, hot-plug): keyed by index + digest. */
const viewers = new Map<string, HTMLElement>();

export function renderDocumentList(documents: readonly ConsentDocument[], language: UiLanguage, read: ReadDocument): HTMLElement {
  const t = TEXT[language];
  const section = el('section', { className: 'documents' }, el('h2', { text: t.documents(documents.length) }));
  documents.forEach((d, index) => {
    const item = el('div', { className: 'batch-item', testid: 'batch-item' });
    const facts = el('dl', {},
      el('dt', { text: t.name }), el('dd', { text: `${d.fileName ?? t.unnamed} (${t.kind[d.kind]})`, testid: 'document-name' }),
      ...(d.size !== undefined ? [el('dt', { text: t.size }), el('dd', { text: t.bytes(d.size), testid: 'document-size' })] : []),
    );
    item.append(facts);
    // Hash values folded away (technical-details.ts); the file's name, size and content stay in view.
    const hashes = [
      ...(d.sha256 ? [el('dt', { text: t.sha256 }), el('dd', { text: d.sha256, className: 'digest', testid: 'document-digest' })] : []),
      ...(d.digestHex ? [el('dt', { text: `${t.digest} (${d.digestAlgorithm ?? 'SHA-256'})` }), el('dd', { text: d.digestHex, className: 'digest', testid: 'document-digest' })] : []),
    ];
    if (hashes.length > 0) item.append(technicalDetails(language, el('dl', {}, ...hashes)));
    if (d.error) item.append(el('div', { className: 'warnings', testid: 'document-error', text: `${t.cannotSign} ${language === 'vi' ? d.error.message : d.error.messageEn}` }));
    if (d.pdf?.warnings?.length) item.append(warningsBox(d.pdf.warnings, language));
    if (d.xml) item.append(xmlSummary(d.xml, t));
    if (d.xml?.signedPart && !d.xml.signedPart.wholeDocument) item.append(signedPartNote(d.xml.signedPart.path, language));
    if (d.pdf) item.append(pdfPreview(d, index, language, read));
    if (d.content) item.append(contentPreview(d, index, language, read));
    section.append(item);
  });
  return section;
}

function xmlSummary(xml: NonNullable<ConsentDocument['xml']>, t: (typeof TEXT)[UiLanguage]): HTMLElement {
  const box = el('div', { className: 'xml-summary', testid: 'document-preview' });
  const rows: [string, string | undefined][] = xml.invoice
    ? [
      [t.invoice, [xml.invoice.series, xml.invoice.number].filter(Boolean).join(' ') ? `${t.number} ${xml.invoice.number ?? ''}${xml.invoice.series ? ` — ${xml.invoice.series}` : ''}` : undefined],
      [t.date, xml.invoice.date],
      [t.seller, [xml.invoice.seller, xml.invoice.sellerTaxCode && `MST ${xml.invoice.sellerTaxCode}`].filter(Boolean).join(' — ') || undefined],
      [t.buyer, [xml.invoice.buyer, xml.invoice.buyerTaxCode && `MST ${xml.invoice.buyerTaxCode}`].filter(Boolean).join(' — ') || undefined],
      [t.total, xml.invoice.total && `${xml.invoice.total} ${xml.invoice.currency ?? ''}`.trim()],
    ]
    : [[t.root, xml.root], ...xml.fields.map((f) => [f.name, f.text] as [string, string])];
  const dl = el('dl');
  for (const [k, value] of rows) if (value) dl.append(el('dt', { text: k }), el('dd', { text: value }));
  box.append(dl);
  return box;
}

/** Shown above everything else about the document: a change after signing is the worst surprise (issue 9 §1). */
function warningsBox(warnings: NonNullable<NonNullable<ConsentDocument['pdf']>['warnings']>, language: UiLanguage): HTMLElement {
  const list = el('ul');
  for (const w of warnings) list.append(el('li', { text: `${w[language]}${w.detail ? ` — ${w.detail}` : ''}`, testid: 'document-warning' }));
  const box = el('div', { className: 'warnings', testid: 'document-warnings' }, el('strong', { text: TEXT[language].warningsLead }), list);
  box.setAttribute('role', 'alert');
  box.dataset['codes'] = warnings.map((w) => w.code).join(' ');
  return box;
}

interface StampPlan { readonly page: number | 'last'; readonly box: StampBox }

/**
 * Where the stamp is drawn: the host's answer (page and rectangle, anchors resolved) when it gives one. An older
 * host says nothing: then the page's own rect or the host's documented corner, and no box for an anchor (its
 * place is only known to the host; drawing a guess would show the person a wrong place).
 */
function stampPlan(pdf: NonNullable<ConsentDocument['pdf']>): StampPlan | undefined {
  if (pdf.invisible) return undefined;
  if (pdf.stamp) return { page: pdf.stamp.page, box: pdf.stamp.rect };
  // A newer host that answered (pageCount) but gave no stamp, or any anchor: no box is better than a guessed one.
  if (pdf.anchorText || pdf.pageCount !== undefined) return undefined;
  return { page: pdf.page ?? 'last', box: pdf.rect ?? 'corner' };
}

function pdfPreview(d: ConsentDocument, index: number, language: UiLanguage, read: ReadDocument): HTMLElement {
  const t = TEXT[language];
  const pdf = d.pdf!;
  const box = el('div', { className: 'pdf-preview' });
  const plan = stampPlan(pdf);
  if (pdf.invisible) box.append(el('p', { text: t.invisiblePages }));
  else if (pdf.stamp) box.append(el('p', { text: pdf.anchorText ? `${t.anchor(pdf.anchorText)} — ${t.stampPage(pdf.stamp.page)}` : t.stampPage(pdf.stamp.page), testid: 'stamp-placement' }));
  else if (pdf.anchorText) box.append(el('p', { text: `${t.anchor(pdf.anchorText)} (${t.anchorUnknown})`, testid: 'stamp-placement' }));
  else if (pdf.pageCount !== undefined) box.append(el('p', { text: t.anchorUnknown, testid: 'stamp-placement' }));
  else box.append(el('p', { text: t.page(pdf.page !== undefined ? String(pdf.page) : t.last), testid: 'stamp-placement' }));
  if (!pdf.previewable) { box.append(el('p', { text: t.tooLarge })); return box; }
  box.append(pageViewer(`${index}:${d.sha256 ?? ''}`, index, plan, language, read));
  return box;
}

function contentPreview(d: ConsentDocument, index: number, language: UiLanguage, read: ReadDocument): HTMLElement {
  const t = TEXT[language];
  const content = d.content!;
  const box = el('div', { className: 'content-preview' });
  const facts = el('dl', {}, el('dt', { text: t.contentType }), el('dd', { text: content.type, testid: 'content-type' }));
  if (content.excerpt !== undefined) {
    facts.append(el('dt', { text: `${t.excerpt}${content.truncated ? ` ${t.onlyStart}` : ''}` }));
    facts.append(el('dd', {}, el('pre', { lines: content.excerpt, className: 'excerpt', testid: 'content-excerpt' })));
  } else if (content.hex !== undefined) {
    facts.append(el('dt', { text: `${t.excerptHex}${content.truncated ? ` ${t.onlyStart}` : ''}` }));
    facts.append(el('dd', { text: content.hex, className: 'digest', testid: 'content-excerpt' }));
  }
  box.append(facts);
  if (content.pages) box.append(pageViewer(`${index}:${d.sha256 ?? ''}`, index, undefined, language, read));
  return box;
}

/**
 * Every page of a PDF, one at a time, with previous/next and "page n / count" (data-testids preview-prev,
 * preview-next, preview-page-number, preview-page-count); it opens at the stamp's page. The bytes are read once.
 */
function pageViewer(key: string, index: number, plan: StampPlan | undefined, language: UiLanguage, read: ReadDocument): HTMLElement {
  const existing = viewers.get(key);
  if (existing) return existing;
  const t = TEXT[language];
  const holder = el('div', { className: 'pdf-page', testid: 'document-preview' }, el('p', { text: t.loading }));
  // `data-rendered` appears only once a render has settled ('true' | 'failed'), as before paging existed: testers
  // wait on `[data-rendered]` (test/e2e/documents-firefox). While a page renders the holder is aria-busy instead.
  const rendering = () => { delete holder.dataset['rendered']; holder.setAttribute('aria-busy', 'true'); };
  const settled = (state: 'true' | 'failed') => { holder.removeAttribute('aria-busy'); holder.dataset['rendered'] = state; };
  rendering();
  const number = el('span', { testid: 'preview-page-number', text: '…' });
  const count = el('span', { testid: 'preview-page-count', text: '…' });
  const prev = el('button', { text: t.prev, testid: 'preview-prev' });
  const next = el('button', { text: t.next, testid: 'preview-next' });
  for (const b of [prev, next]) { b.type = 'button'; b.disabled = true; }
  const nav = el('div', { className: 'pager' }, prev, el('span', { text: `${t.pageOf} ` }), number, el('span', { text: ' / ' }), count, next);
  const zoomText = DECISION_TEXT[language];
  let zoomStep = 0;
  const zoomOut = el('button', { text: '−', testid: 'preview-zoom-out' });
  const zoomIn = el('button', { text: '+', testid: 'preview-zoom-in' });
  const zoomLevel = el('span', { className: 'zoom-level', testid: 'preview-zoom', text: zoomText.zoomLabel(100) });
  zoomOut.title = zoomText.zoomOut; zoomOut.setAttribute('aria-label', zoomText.zoomOut);
  zoomIn.title = zoomText.zoomIn; zoomIn.setAttribute('aria-label', zoomText.zoomIn);
  for (const b of [zoomOut, zoomIn]) { b.type = 'button'; b.disabled = true; }
  nav.append(el('span', { className: 'zoom' }, zoomOut, zoomLevel, zoomIn));
  const viewer = el('div', { className: 'pdf-viewer' }, nav, holder);
  viewers.set(key, viewer);

  let pages: PdfPages | undefined;
  let current = 1;
  let shown = 0; // which render is the latest (a quick second click must not be overtaken by the first)
  const show = async (pageNumber: number) => {
    if (!pages) return;
    current = Math.min(Math.max(pageNumber, 1), pages.pageCount);
    const ticket = ++shown;
    number.textContent = String(current);
    prev.disabled = current <= 1;
    next.disabled = current >= pages.pageCount;
    const zoom = ZOOM_STEPS[zoomStep]!;
    zoomOut.disabled = zoomStep === 0;
    zoomIn.disabled = zoomStep === ZOOM_STEPS.length - 1;
    zoomLevel.textContent = zoomText.zoomLabel(Math.round(zoom * 100));
    rendering();
    const stampPage = plan ? (plan.page === 'last' ? pages.pageCount : plan.page) : undefined;
    try {
      const canvas = await pages.render(current, plan && stampPage === current ? plan.box : undefined, zoom);
      if (ticket !== shown) return;
      // Rendered at the zoomed size (sharp text), shown at zoom × the box's width; the box scrolls.
      canvas.style.width = `${zoom * 100}%`;
      canvas.dataset['zoom'] = String(zoom);
      holder.replaceChildren(canvas);
      scrollToStamp(holder, canvas);
      settled('true');
    } catch {
      if (ticket !== shown) return;
      holder.replaceChildren(el('p', { text: t.previewFailed }));
      settled('failed');
    }
  };
  prev.addEventListener('click', () => { void show(current - 1); });
  next.addEventListener('click', () => { void show(current + 1); });
  zoomOut.addEventListener('click', () => { zoomStep = Math.max(zoomStep - 1, 0); void show(current); });
  zoomIn.addEventListener('click', () => { zoomStep = Math.min(zoomStep + 1, ZOOM_STEPS.length - 1); void show(current); });
  void (async () => {
    try {
      const bytes = await readAll(index, read);
      // Lazy: pdf.js (and its worker) load only when a PDF is shown.
      const { openPdf } = await import('./pdf-preview.js');
      pages = await openPdf(bytes);
      count.textContent = String(pages.pageCount);
      await show(plan ? (plan.page === 'last' ? pages.pageCount : plan.page) : 1);
    } catch {
      holder.replaceChildren(el('p', { text: t.previewFailed }));
      settled('failed');
    }
  })();
  return viewer;
}

/** The preview box shows part of a page: bring the red stamp box into view, where the person's eye should go. */
function scrollToStamp(holder: HTMLElement, canvas: HTMLCanvasElement): void {
  const rect = canvas.dataset['stampRect']?.split(',').map(Number);
  if (!rect || rect.length !== 4 || !canvas.width) return;
  requestAnimationFrame(() => {
    const scale = canvas.getBoundingClientRect().width / canvas.width;
    holder.scrollTop = Math.max(0, rect[1]! * scale - 24);
    holder.scrollLeft = Math.max(0, rect[0]! * scale - 24);
  });
}

async function readAll(index: number, read: ReadDocument): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (;;) {
    const reply = await read(index, offset);
    if (!reply) throw new Error('no data');
    const bytes = Uint8Array.from(atob(reply.data), (c) => c.charCodeAt(0));
    parts.push(bytes);
    offset += bytes.length;
    if (reply.eof) break;
  }
  const all = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  return all;
}

function formatBytes(n: number, language: UiLanguage): string {
  const locale = language === 'vi' ? 'vi-VN' : 'en-GB';
  const exact = `${n.toLocaleString(locale)} ${language === 'vi' ? 'byte' : 'bytes'}`;
  if (n < 1024) return exact;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value.toLocaleString(locale, { maximumFractionDigits: 1 })} ${units[unit]} (${exact})`;
}

/** The window's reader of document bytes: consent.documentRead through the background, reply validated. */
export function createDocumentReader(send: (message: unknown) => Promise<unknown>, sessionId: string): ReadDocument {
  return async (index, offset) => {
    const reply = v.safeParse(ConsentDocumentDataSchema, await send({ kind: 'consent.documentRead', sessionId, index, offset }));
    return reply.success ? { data: reply.output.data, eof: reply.output.eof } : undefined;
  };
}

// ── XML: only part of the file is signed (host summary `signedPart`; docs/security.md "XML signature wrapping") ──
const SIGNED_PART_TEXT = {
  vi: (path: string) => `Chỉ một phần của tệp được ký: ${path}`,
  en: (path: string) => `Only part of the file is signed: ${path}`,
} as const;

function signedPartNote(path: string, language: UiLanguage): HTMLElement {
  return el('p', { className: 'xml-signed-part', testid: 'document-signed-part', text: SIGNED_PART_TEXT[language](path) });
}
