/**
 * The cross-reference resolver (native-host/formats/pdf/xref): objects come from where the xref chain points —
 * tables, xref streams, object streams, /Prev, hybrid /XRefStm — not from the last definition in the file; and the
 * facts that make a file ambiguous are reported, not smoothed over.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PDFDict, PDFName, PDFRawStream, PDFRef, decodePDFRawStream } from 'pdf-lib';
import { listRevisions, readRevision, type PdfRevisionView } from '../../native-host/formats/pdf/xref/read-revision.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { preparePdfSignature } from '../../native-host/formats/pdf/prepare-pdf-signature.js';
import { HandPdf, onePageDocument, pageBody, rowsOf, textContent, type XrefRow } from '../fixtures/pdf/hand-written-pdf.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';

/** The text drawn by the first page's content stream, as the view resolves it. */
function firstPageText(view: PdfRevisionView): string {
  const context = view.context;
  const catalog = context.lookup(context.trailerInfo.Root, PDFDict);
  const pages = context.lookup(catalog.get(PDFName.of('Pages')), PDFDict);
  const kids = pages.lookupMaybe(PDFName.of('Kids'), (context.obj([]) as any).constructor);
  const page = context.lookup((kids as any).get(0), PDFDict);
  const content = context.lookup(page.get(PDFName.of('Contents')));
  if (!(content instanceof PDFRawStream)) throw new Error('no content stream');
  const data = content.dict.has(PDFName.of('Filter')) ? decodePDFRawStream(content).decode() : content.contents;
  return /\((.*)\) Tj/.exec(Buffer.from(data).toString('latin1'))?.[1] ?? '';
}

function qpdf(input: Uint8Array, ...args: string[]): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-xref-'));
  writeFileSync(join(dir, 'in.pdf'), input);
  execFileSync('qpdf', [...args, join(dir, 'in.pdf'), join(dir, 'out.pdf')]);
  return readFileSync(join(dir, 'out.pdf'));
}

function plainDocument(text = 'the buyer pays 100 VND'): { pdf: HandPdf; offsets: Map<number, number>; startxref: number } {
  const { pdf, offsets } = onePageDocument(text);
  const startxref = pdf.xrefTable(rowsOf(offsets), '/Size 6 /Root 1 0 R');
  return { pdf, offsets, startxref };
}

function codeOf(fn: () => unknown): string | undefined {
  try { fn(); } catch (e) { return e instanceof KysoError ? e.code : `not a KysoError: ${String(e)}`; }
  return undefined;
}

describe('readRevision: cross-reference tables', () => {
  it('resolves every object of a classic table and sets trailerInfo from the trailer', () => {
    const { pdf, startxref } = plainDocument();
    const view = readRevision(pdf.bytes());
    expect(view.inconsistencies).toEqual([]);
    expect(view.startxref).toBe(startxref);
    expect(view.xrefIsStream).toBe(false);
    expect(view.size).toBe(6);
    expect([...view.locations.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(view.context.trailerInfo.Root).toBe(PDFRef.of(1, 0));
    expect(firstPageText(view)).toBe('the buyer pays 100 VND');
  });

  it('reads a table whose first subsection is wrongly numbered from 1 (a known writer bug readers repair)', () => {
    const { pdf, offsets } = onePageDocument('renumbered');
    const at = pdf.offset;
    let table = 'xref\n1 6\n0000000000 65535 f\r\n';
    for (let n = 1; n <= 5; n++) table += `${String(offsets.get(n)).padStart(10, '0')} 00000 n\r\n`;
    pdf.raw(`${table}trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n${at}\n%%EOF\n`);
    const view = readRevision(pdf.bytes());
    expect(view.inconsistencies).toEqual([]);
    expect(firstPageText(view)).toBe('renumbered');
  });
});

describe('readRevision: cross-reference streams and object streams (qpdf --object-streams=generate)', () => {
  it('resolves members of object streams through a compressed xref stream with a PNG predictor', () => {
    const input = plainDocument('compressed 100 VND').pdf.bytes();
    const out = qpdf(input, '--object-streams=generate');
    const view = readRevision(out);
    expect(view.inconsistencies).toEqual([]);
    expect(view.xrefIsStream).toBe(true);
    expect([...view.locations.values()].some((l) => l.kind === 'compressed')).toBe(true);
    expect(firstPageText(view)).toBe('compressed 100 VND');
  });

  it('reads what pdf-lib itself writes, with and without object streams', async () => {
    for (const xref of ['table', 'stream'] as const) {
      const view = readRevision(await makeVietnameseDocument(2, xref));
      expect(view.inconsistencies).toEqual([]);
      expect(view.xrefIsStream).toBe(xref === 'stream');
    }
  });
});

describe('readRevision: incremental updates (/Prev)', () => {
  function updatedDocument(): { bytes: Uint8Array; first: number; second: number } {
    const { pdf, startxref } = plainDocument('version one');
    const at = pdf.stream(4, textContent('version two'));
    const second = pdf.xrefTable([{ num: 4, offset: at }], `/Size 6 /Root 1 0 R /Prev ${startxref}`);
    return { bytes: pdf.bytes(), first: startxref, second };
  }

  it('the newest section wins, and the older definition it replaces is not an inconsistency', () => {
    const { bytes, first, second } = updatedDocument();
    const view = readRevision(bytes);
    expect(view.inconsistencies).toEqual([]);
    expect(view.sections).toEqual([second, first]);
    expect(firstPageText(view)).toBe('version two');
  });

  it('an earlier startxref gives the earlier revision, blind to what was appended after it', () => {
    const { bytes, first } = updatedDocument();
    const view = readRevision(bytes, first);
    expect(view.inconsistencies).toEqual([]);
    expect(firstPageText(view)).toBe('version one');
  });

  it('listRevisions gives each startxref with the end of its %%EOF line', () => {
    const { bytes, first, second } = updatedDocument();
    const marks = listRevisions(bytes);
    expect(marks.map((m) => m.startxref)).toEqual([first, second]);
    expect(Buffer.from(bytes.subarray(0, marks[0]!.end)).toString('latin1').endsWith('%%EOF\n')).toBe(true);
    expect(marks[1]!.end).toBe(bytes.length);
  });

  it('an update written as an xref stream over an object-stream file resolves through both', () => {
    const base = qpdf(plainDocument('stream base').pdf.bytes(), '--object-streams=generate');
    const baseView = readRevision(base);
    // qpdf renumbers: find the page's content object through the base view.
    const root = baseView.context.trailerInfo.Root as PDFRef;
    const pages = baseView.context.lookup(baseView.context.lookup(root, PDFDict).get(PDFName.of('Pages')), PDFDict);
    const pageRef = (pages.get(PDFName.of('Kids')) as any).get(0) as PDFRef;
    const contentNum = (baseView.context.lookup(pageRef, PDFDict).get(PDFName.of('Contents')) as PDFRef).objectNumber;
    const size = baseView.size;
    const fixed = new HandPdf(base);
    fixed.raw('\n');
    const contentAt = fixed.stream(contentNum, textContent('stream update'));
    const selfAt = fixed.offset;
    fixed.xrefStream(size, [[contentNum, 1, contentAt, 0], [size, 1, selfAt, 0]], `/Size ${size + 1} /Root ${root.toString()} /Prev ${baseView.startxref}`);
    const view = readRevision(fixed.bytes());
    expect(view.inconsistencies).toEqual([]);
    expect(view.xrefIsStream).toBe(true);
    expect(firstPageText(view)).toBe('stream update');
  });

  it('a /Prev loop is reported, not followed forever', () => {
    const { pdf, startxref } = plainDocument('loop');
    const at = pdf.stream(4, textContent('loop two'));
    const second = pdf.offset;
    // This section's /Prev points at itself.
    pdf.xrefTable([{ num: 4, offset: at }], `/Size 6 /Root 1 0 R /Prev ${second}`);
    const view = readRevision(pdf.bytes());
    expect(view.inconsistencies.some((s) => s.includes('/Prev loop'))).toBe(true);
    expect(startxref).toBeGreaterThan(0);
  });
});

describe('readRevision: hybrid files (/XRefStm)', () => {
  it('objects only the hidden xref stream lists are read from their object stream', () => {
    const pdf = new HandPdf();
    const o1 = pdf.object(1, '<< /Type /Catalog /Pages 2 0 R >>');
    const o2 = pdf.object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
    const o4 = pdf.stream(4, textContent('hybrid text'));
    const o5 = pdf.object(5, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
    // Object 3 (the page) lives only in object stream 6, which only the /XRefStm stream lists.
    const member = pageBody(2, 4, 5);
    const o6 = pdf.stream(6, `3 0 ${member}`, '/Type /ObjStm /N 1 /First 4');
    const xrefStmAt = pdf.offset;
    pdf.xrefStream(7, [[3, 2, 6, 0], [7, 1, xrefStmAt, 0]], '/Size 8', false);
    const rows: XrefRow[] = [{ num: 0, free: true }, { num: 1, offset: o1 }, { num: 2, offset: o2 }, { num: 4, offset: o4 }, { num: 5, offset: o5 }, { num: 6, offset: o6 }];
    const tableAt = pdf.offset;
    pdf.xrefTable(rows, `/Size 8 /Root 1 0 R /XRefStm ${xrefStmAt}`);
    const view = readRevision(pdf.bytes());
    expect(view.inconsistencies).toEqual([]);
    expect(view.xrefIsStream).toBe(false);
    expect(view.sections).toEqual([tableAt, xrefStmAt]);
    expect(view.locations.get(3)).toEqual({ kind: 'compressed', stream: 6, index: 0 });
    expect(firstPageText(view)).toBe('hybrid text');
  });

  it('a number the table lists as free stays free, as in pdf.js and poppler (they do not look it up in /XRefStm)', () => {
    const pdf = new HandPdf();
    const o1 = pdf.object(1, '<< /Type /Catalog /Pages 2 0 R >>');
    const o2 = pdf.object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
    const o6 = pdf.stream(6, `3 0 ${pageBody(2, 4, 5)}`, '/Type /ObjStm /N 1 /First 4');
    const xrefStmAt = pdf.offset;
    pdf.xrefStream(7, [[3, 2, 6, 0], [7, 1, xrefStmAt, 0]], '/Size 8', false);
    pdf.xrefTable([{ num: 0, free: true }, { num: 1, offset: o1 }, { num: 2, offset: o2 }, { num: 3, free: true, gen: 0 }, { num: 6, offset: o6 }],
      `/Size 8 /Root 1 0 R /XRefStm ${xrefStmAt}`);
    const view = readRevision(pdf.bytes());
    expect(view.locations.has(3)).toBe(false);
    expect(view.context.lookup(PDFRef.of(3, 0))).toBeUndefined();
    // Readers that follow the standard's wording more loosely would find it: the file is reported ambiguous.
    expect(view.inconsistencies.join('\n')).toMatch(/object 3 is free in the cross-reference table .* but in use in its \/XRefStm/);
  });
});

describe('readRevision: ambiguity is reported', () => {
  it('a later redefinition no xref points to is an inconsistency (the shadow), and the view keeps the xref object', () => {
    const { pdf, offsets } = onePageDocument('the buyer pays 100 VND');
    const startxref = pdf.xrefTable(rowsOf(offsets), '/Size 6 /Root 1 0 R');
    pdf.object(3, pageBody(2, 9, 5));
    pdf.stream(9, textContent('1,000,000,000 VND'));
    pdf.raw(`startxref\n${startxref}\n%%EOF\n`);
    const view = readRevision(pdf.bytes());
    expect(firstPageText(view)).toBe('the buyer pays 100 VND');
    expect(view.inconsistencies.some((s) => s.includes('object 3 0 is defined at offset'))).toBe(true);
    expect(view.unaccountedDefinitions.map((d) => [d.objectNumber, d.conflicts])).toEqual([[3, true], [9, false]]);
  });

  it('xref offsets that do not point at their objects are inconsistencies', () => {
    const { pdf, offsets } = onePageDocument('shifted');
    const shifted = new Map([...offsets].map(([n, o]) => [n, o + 3]));
    pdf.xrefTable(rowsOf(shifted), '/Size 6 /Root 1 0 R');
    const view = readRevision(pdf.bytes());
    expect(view.inconsistencies.length).toBeGreaterThan(0);
    expect(view.inconsistencies.join('\n')).toMatch(/points at offset \d+, where no object begins/);
  });

  it('a section that lists an object twice (readers keep different entries) is an inconsistency', () => {
    const { pdf, offsets } = onePageDocument('listed once');
    const other = pdf.stream(9, textContent('listed twice'));
    const at = pdf.offset;
    let table = 'xref\n0 6\n0000000000 65535 f\r\n';
    for (let n = 1; n <= 5; n++) table += `${String(offsets.get(n)).padStart(10, '0')} 00000 n\r\n`;
    table += `4 1\n${String(other).padStart(10, '0')} 00000 n\r\n`;
    pdf.raw(`${table}trailer\n<< /Size 10 /Root 1 0 R >>\nstartxref\n${at}\n%%EOF\n`);
    const view = readRevision(pdf.bytes());
    expect(firstPageText(view)).toBe('listed once');
    expect(view.inconsistencies.join('\n')).toMatch(/lists object\(s\) 4 more than once/);
  });

  it('an object stream that redefines an object the xref places elsewhere is an inconsistency', () => {
    const { pdf, offsets } = onePageDocument('plain page');
    // Object stream 6 (listed in the xref) also carries a member numbered 3.
    offsets.set(6, pdf.stream(6, `3 0 ${pageBody(2, 4, 5)}`, '/Type /ObjStm /N 1 /First 4'));
    pdf.xrefTable(rowsOf(offsets), '/Size 7 /Root 1 0 R');
    const view = readRevision(pdf.bytes());
    expect(view.inconsistencies.join('\n')).toMatch(/object 3 is also defined in object stream 6/);
  });
});

describe('readRevision: bounds', () => {
  it('refuses a trailer /Size above the PDF limit of 8,388,607 objects', () => {
    const { pdf, offsets } = onePageDocument('big');
    pdf.xrefTable(rowsOf(offsets), '/Size 8388609 /Root 1 0 R');
    expect(codeOf(() => readRevision(pdf.bytes()))).toBe('INVALID_DOCUMENT');
  });

  it('signing a file whose /Size leaves no object number below 8,388,607 is refused, not written past the limit', async () => {
    const { pdf, offsets } = onePageDocument('full');
    pdf.xrefTable(rowsOf(offsets), '/Size 8388607 /Root 1 0 R');
    expect(readRevision(pdf.bytes()).size).toBe(8_388_607);
    let code: string | undefined;
    try { await preparePdfSignature(pdf.bytes(), { placeholderBytes: 1024 }); } catch (e) { code = e instanceof KysoError ? e.code : String(e); }
    expect(code).toBe('UNSUPPORTED_DOCUMENT');
  });

  it('refuses a subsection that reaches past object number 8,388,607', () => {
    const { pdf } = onePageDocument('big');
    const at = pdf.offset;
    pdf.raw(`xref\n8388607 2\n0000000015 00000 n\r\n0000000015 00000 n\r\ntrailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n${at}\n%%EOF\n`);
    expect(codeOf(() => readRevision(pdf.bytes()))).toBe('INVALID_DOCUMENT');
  });

  it('refuses non-PDFs, a startxref outside the file and a startxref pointing at nothing', () => {
    expect(codeOf(() => readRevision(new TextEncoder().encode('GIF89a')))).toBe('INVALID_DOCUMENT');
    const { pdf } = plainDocument();
    const bytes = pdf.bytes();
    expect(codeOf(() => readRevision(bytes, bytes.length + 10))).toBe('INVALID_DOCUMENT');
    expect(codeOf(() => readRevision(bytes, 20))).toBe('INVALID_DOCUMENT');
  });

  it('a deflate bomb in an xref stream is refused, not inflated without end', async () => {
    const { deflateSync } = await import('node:zlib');
    const bomb = deflateSync(Buffer.alloc(300 * 1024 * 1024));
    const { pdf } = onePageDocument('bomb');
    const at = pdf.offset;
    pdf.raw(`7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length ${bomb.length} >>\nstream\n`);
    pdf.raw(bomb.toString('latin1'));
    pdf.raw(`\nendstream\nendobj\nstartxref\n${at}\n%%EOF\n`);
    expect(codeOf(() => readRevision(pdf.bytes()))).toBe('INVALID_DOCUMENT');
  });
});

describe('readRevision: damaged inputs never crash it', () => {
  it('random byte changes to table, object-stream and linearized files give a view or a typed KysoError', () => {
    const table = plainDocument('fuzz').pdf.bytes();
    const bases = [table, qpdf(table, '--object-streams=generate'), qpdf(table, '--linearize')];
    let seed = 20261202;
    const random = (): number => { seed = (seed * 1664525 + 1013904223) >>> 0; return seed / 2 ** 32; };
    let views = 0;
    let refusals = 0;
    for (let i = 0; i < 300; i++) {
      const bytes = new Uint8Array(bases[i % bases.length]!);
      for (let k = 0; k < 1 + (i % 6); k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      try {
        readRevision(bytes);
        views++;
      } catch (error) {
        expect(error, `mutation ${i}`).toBeInstanceOf(KysoError);
        refusals++;
      }
    }
    expect(views).toBeGreaterThan(10);
    expect(refusals).toBeGreaterThan(10);
  });

  it('a linearized file is one revision (its first-page trailer is not one) and has no inconsistency', () => {
    const linearized = qpdf(plainDocument('linearized').pdf.bytes(), '--linearize');
    expect(listRevisions(linearized)).toHaveLength(1);
    const view = readRevision(linearized);
    expect(view.inconsistencies).toEqual([]);
    expect(firstPageText(view)).toBe('linearized');
  });
});
