/**
 * The documents part of the consent window: one `batch-item` per document with its file name, size and SHA-256
 * (or, for a CMS over a digest, the digest itself), a readable summary of an XML document (e-invoice: number,
 * seller, buyer, total), and for a PDF the page that will carry the stamp, rendered with pdf.js and the stamp's
 * rectangle drawn on it. pdf.js is imported lazily (pdf-preview.ts), so non-PDF requests do not load it.
 */
import * as v from 'valibot';
import { ConsentDocumentDataSchema, type ConsentDocument } from '../../../background/documents/consent-documents.js';
import type { UiLanguage } from '../consent-text.js';
import { el } from '../../dom.js';

const TEXT = {
  vi: {
    documents: (n: number) => (n > 1 ? `${n} tài liệu sẽ được ký` : 'Tài liệu sẽ được ký'),
    name: 'Tên tệp', size: 'Kích thước', sha256: 'SHA-256', digest: 'Giá trị băm', kind: { pdf: 'PDF', xml: 'XML', cms: 'CMS (dữ liệu)' },
    unnamed: '(không có tên)', invoice: 'Hoá đơn', number: 'Số', seller: 'Người bán', buyer: 'Người mua', total: 'Tổng tiền', date: 'Ngày lập',
    root: 'Phần tử gốc', invisible: 'Chữ ký ẩn (không có hình chữ ký trên trang)', page: (p: string) => `Trang ${p} — ô chữ ký được tô đỏ`,
    last: 'cuối', anchor: (t: string) => `Chữ ký đặt gần dòng chữ «${t}»`, loading: 'Đang hiển thị trang…', tooLarge: 'Tệp lớn: không xem trước được.',
    previewFailed: 'Không xem trước được trang này.', bytes: (n: number) => formatBytes(n, 'vi'),
  },
  en: {
    documents: (n: number) => (n > 1 ? `${n} documents to sign` : 'Document to sign'),
    name: 'File name', size: 'Size', sha256: 'SHA-256', digest: 'Digest', kind: { pdf: 'PDF', xml: 'XML', cms: 'CMS (data)' },
    unnamed: '(no name)', invoice: 'Invoice', number: 'No.', seller: 'Seller', buyer: 'Buyer', total: 'Total', date: 'Date',
    root: 'Root element', invisible: 'Invisible signature (no stamp on the page)', page: (p: string) => `Page ${p} — the signature box is outlined in red`,
    last: 'last', anchor: (t: string) => `Signature placed near the text “${t}”`, loading: 'Rendering the page…', tooLarge: 'Large file: no preview.',
    previewFailed: 'This page could not be previewed.', bytes: (n: number) => formatBytes(n, 'en'),
  },
} as const;

export type ReadDocument = (index: number, offset: number) => Promise<{ data: string; eof: boolean } | undefined>;

/** Rendered PDF pages survive re-renders of the window (language toggle, wrong PIN): keyed by index + digest. */
const canvases = new Map<string, HTMLElement>();

export function renderDocumentList(documents: readonly ConsentDocument[], language: UiLanguage, read: ReadDocument): HTMLElement {
  const t = TEXT[language];
  const section = el('section', { className: 'documents' }, el('h2', { text: t.documents(documents.length) }));
  documents.forEach((d, index) => {
    const item = el('div', { className: 'batch-item', testid: 'batch-item' });
    const facts = el('dl', {},
      el('dt', { text: t.name }), el('dd', { text: `${d.fileName ?? t.unnamed} (${t.kind[d.kind]})`, testid: 'document-name' }),
      ...(d.size !== undefined ? [el('dt', { text: t.size }), el('dd', { text: t.bytes(d.size), testid: 'document-size' })] : []),
      ...(d.sha256 ? [el('dt', { text: t.sha256 }), el('dd', { text: d.sha256, className: 'digest', testid: 'document-digest' })] : []),
      ...(d.digestHex ? [el('dt', { text: `${t.digest} (${d.digestAlgorithm ?? 'SHA-256'})` }), el('dd', { text: d.digestHex, className: 'digest', testid: 'document-digest' })] : []),
    );
    item.append(facts);
    if (d.xml) item.append(xmlSummary(d.xml, t));
    if (d.xml?.signedPart && !d.xml.signedPart.wholeDocument) item.append(signedPartNote(d.xml.signedPart.path, language));
    if (d.pdf) item.append(pdfPreview(d, index, language, read));
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

function pdfPreview(d: ConsentDocument, index: number, language: UiLanguage, read: ReadDocument): HTMLElement {
  const t = TEXT[language];
  const pdf = d.pdf!;
  const box = el('div', { className: 'pdf-preview' });
  if (pdf.invisible) { box.append(el('p', { text: t.invisible })); return box; }
  box.append(el('p', { text: pdf.anchorText ? t.anchor(pdf.anchorText) : t.page(pdf.page !== undefined ? String(pdf.page) : t.last) }));
  if (!pdf.previewable) { box.append(el('p', { text: t.tooLarge })); return box; }
  const key = `${index}:${d.sha256 ?? ''}`;
  let holder = canvases.get(key);
  if (!holder) {
    holder = el('div', { className: 'pdf-page', testid: 'document-preview' }, el('p', { text: t.loading }));
    canvases.set(key, holder);
    const target = holder;
    void (async () => {
      try {
        const bytes = await readAll(index, read);
        // Lazy: pdf.js (and its worker) load only when a PDF is shown.
        const { renderPdfPage } = await import('./pdf-preview.js');
        const canvas = await renderPdfPage(bytes, pdf.page, pdf.rect);
        target.replaceChildren(canvas);
        target.dataset['rendered'] = 'true';
      } catch {
        target.replaceChildren(el('p', { text: t.previewFailed }));
        target.dataset['rendered'] = 'failed';
      }
    })();
  }
  box.append(holder);
  return box;
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
