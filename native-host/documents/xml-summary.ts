/**
 * A readable summary of an XML document for the consent window: for Vietnamese e-invoices (Thông tư 78/2021/TT-BTC,
 * Quyết định 1450/QĐ-TCT: HDon/DLHDon/TTChung/NDHDon) the invoice number, seller, buyer and total; otherwise the
 * first elements that carry text. Parsed with the same refusals as signing (readXmlInput: no DTD, UTF-8 only).
 *
 * Only the part that will be signed is read — the element the request's `ref` Id names, else the whole document —
 * so a decoy invoice elsewhere in the file is never what the window shows, and `signedPart` says which part that
 * is. Inside it TTChung, NDHDon and TToan must each occur at most once (XML_AMBIGUOUS_CONTENT): with two, the window
 * and the application reading the invoice could each take a different one. Fields are read at their schema place
 * (direct children), not as the first match at any depth.
 */
import type { Element } from '@xmldom/xmldom';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { readXmlInput } from '../formats/xml/xml-input.js';
import { elementsInOrder, findElementById } from '../formats/xml/find-elements.js';
import { childElements, elementPath, localNameOf } from '../verify/xml/element-path.js';
import type { XmlSummary } from '../../shared/protocol/document-schemas.js';

const MAX_FIELDS = 12;
/** Invoice elements that must be unique in the signed part. */
const UNIQUE_INVOICE_ELEMENTS = ['TTChung', 'NDHDon', 'TToan'] as const;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** `ref`: the Id of the element that will be signed (XmlDocumentOptions.ref); default the whole document. */
export function summarizeXml(bytes: Uint8Array, ref?: string): XmlSummary {
  const { document } = readXmlInput(bytes);
  const root = document.documentElement!;
  // The same look-up as signing: no element → BAD_REQUEST, several → INVALID_DOCUMENT.
  const scope = ref !== undefined ? findElementById(elementsInOrder(document), ref) : root;
  const signedPart = { wholeDocument: ref === undefined, path: clip(ref === undefined ? '/' : elementPath(scope), 400) };
  const summary: { root: string; fields: { name: string; text: string }[]; invoice?: NonNullable<XmlSummary['invoice']>; signedPart: typeof signedPart } = {
    root: clip(localNameOf(root), 200), fields: [], signedPart,
  };
  const found = Object.fromEntries(UNIQUE_INVOICE_ELEMENTS.map((name) => [name, descendantsOrSelf(scope, name)])) as Record<(typeof UNIQUE_INVOICE_ELEMENTS)[number], Element[]>;
  const repeated = UNIQUE_INVOICE_ELEMENTS.filter((name) => found[name].length > 1);
  if (repeated.length > 0) {
    throw new KysoError('XML_AMBIGUOUS_CONTENT', { elements: repeated.join(', '), signedPart: signedPart.path });
  }
  const general = found.TTChung[0];
  const content = found.NDHDon[0];
  if (general || content) {
    const seller = content ? child(content, 'NBan') : undefined;
    const buyer = content ? child(content, 'NMua') : undefined;
    const totals = found.TToan[0];
    const invoice: Record<string, string> = {};
    const put = (key: string, value: string | undefined, max = 100) => { if (value) invoice[key] = clip(value, max); };
    put('number', general && text(child(general, 'SHDon')));
    put('series', general && [text(child(general, 'KHMSHDon')), text(child(general, 'KHHDon'))].filter(Boolean).join(''));
    put('date', general && text(child(general, 'NLap')));
    put('currency', general && text(child(general, 'DVTTe')), 20);
    put('seller', seller && text(child(seller, 'Ten')), 400);
    put('sellerTaxCode', seller && text(child(seller, 'MST')));
    put('buyer', buyer && (text(child(buyer, 'Ten')) || text(child(buyer, 'HVTNMHang'))), 400);
    put('buyerTaxCode', buyer && text(child(buyer, 'MST')));
    put('total', totals && text(child(totals, 'TgTTTBSo')));
    summary.invoice = invoice;
  }
  // The first leaf elements with text, in document order: enough to recognise any other document.
  const walk = (element: Element, path: string) => {
    if (summary.fields.length >= MAX_FIELDS) return;
    const children = childElements(element);
    if (children.length === 0) {
      const value = text(element);
      if (value) summary.fields.push({ name: clip(path, 200), text: clip(value, 400) });
      return;
    }
    for (const c of children) walk(c, `${path}/${localNameOf(c)}`);
  };
  walk(scope, localNameOf(scope));
  return summary;
}

function child(element: Element, name: string): Element | undefined {
  return childElements(element).find((c) => localNameOf(c) === name);
}

function descendantsOrSelf(element: Element, name: string): Element[] {
  const out: Element[] = localNameOf(element) === name ? [element] : [];
  const list = element.getElementsByTagNameNS('*', name);
  for (let i = 0; i < list.length; i++) out.push(list.item(i) as Element);
  return out;
}

function text(element: Element | undefined): string {
  return (element?.textContent ?? '').replace(/\s+/g, ' ').trim();
}
