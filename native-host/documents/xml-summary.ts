/**
 * A readable summary of an XML document for the consent window: for Vietnamese e-invoices (Thông tư 78/2021/TT-BTC,
 * Quyết định 1450/QĐ-TCT: HDon/DLHDon/TTChung/NDHDon) the invoice number, seller, buyer and total; otherwise the
 * first elements that carry text. Parsed with the same refusals as signing (readXmlInput: no DTD, UTF-8 only).
 */
import type { Element } from '@xmldom/xmldom';
import { readXmlInput } from '../formats/xml/xml-input.js';
import type { XmlSummary } from '../../shared/protocol/document-schemas.js';

const MAX_FIELDS = 12;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function summarizeXml(bytes: Uint8Array): XmlSummary {
  const { document } = readXmlInput(bytes);
  const root = document.documentElement!;
  const summary: { root: string; fields: { name: string; text: string }[]; invoice?: NonNullable<XmlSummary['invoice']> } = {
    root: clip(root.localName ?? root.nodeName, 200), fields: [],
  };
  const general = first(root, 'TTChung');
  const content = first(root, 'NDHDon');
  if (general || content) {
    const seller = content ? first(content, 'NBan') : undefined;
    const buyer = content ? first(content, 'NMua') : undefined;
    const totals = content ? first(content, 'TToan') : undefined;
    const invoice: Record<string, string> = {};
    const put = (key: string, value: string | undefined, max = 100) => { if (value) invoice[key] = clip(value, max); };
    put('number', general && text(first(general, 'SHDon')));
    put('series', general && [text(first(general, 'KHMSHDon')), text(first(general, 'KHHDon'))].filter(Boolean).join(''));
    put('date', general && text(first(general, 'NLap')));
    put('currency', general && text(first(general, 'DVTTe')), 20);
    put('seller', seller && text(child(seller, 'Ten')), 400);
    put('sellerTaxCode', seller && text(child(seller, 'MST')));
    put('buyer', buyer && (text(child(buyer, 'Ten')) || text(child(buyer, 'HVTNMHang'))), 400);
    put('buyerTaxCode', buyer && text(child(buyer, 'MST')));
    put('total', totals && text(first(totals, 'TgTTTBSo')));
    summary.invoice = invoice;
  }
  // The first leaf elements with text, in document order: enough to recognise any other document.
  const walk = (element: Element, path: string) => {
    if (summary.fields.length >= MAX_FIELDS) return;
    const children = elementChildren(element);
    if (children.length === 0) {
      const value = text(element);
      if (value) summary.fields.push({ name: clip(path, 200), text: clip(value, 400) });
      return;
    }
    for (const c of children) walk(c, `${path}/${c.localName ?? c.nodeName}`);
  };
  walk(root, root.localName ?? root.nodeName);
  return summary;
}

function elementChildren(element: Element): Element[] {
  const out: Element[] = [];
  for (let node = element.firstChild; node; node = node.nextSibling) if (node.nodeType === 1) out.push(node as Element);
  return out;
}

function child(element: Element, name: string): Element | undefined {
  return elementChildren(element).find((c) => (c.localName ?? c.nodeName) === name);
}

/** First descendant with this local name (document order). */
function first(element: Element, name: string): Element | undefined {
  const list = element.getElementsByTagNameNS('*', name);
  return list.length > 0 ? (list.item(0) as Element) : undefined;
}

function text(element: Element | undefined): string {
  return (element?.textContent ?? '').replace(/\s+/g, ' ').trim();
}
