/**
 * Unit tests of the PDF plumbing: reading the last cross-reference section, the increment's xref table and
 * stream, /ByteRange text, dates, and the prepared-signature checks — with hostile inputs.
 */
import { describe, expect, it } from 'vitest';
import { PDFDocument, PDFName, PDFRef } from 'pdf-lib';
import { readPdfStructure } from '../../native-host/formats/pdf/read-pdf-structure.js';
import { writeIncrementalUpdate } from '../../native-host/formats/pdf/write-incremental-update.js';
import { byteRangeText } from '../../native-host/formats/pdf/build-signature-increment.js';
import { completePdfSignature, locateEmptyContents, preparePdfSignature } from '../../native-host/formats/pdf/prepare-pdf-signature.js';
import { formatPdfDate, formatVietnameseTime } from '../../native-host/formats/pdf/appearance/signing-time-text.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { signPdfFile } from '../../native-host/formats/pdf/sign-pdf.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';

async function code(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e instanceof KysoError ? e.code : `not a KysoError: ${String(e)}`;
  }
  return undefined;
}

async function blankPdf(useObjectStreams: boolean): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([200, 200]);
  return doc.save({ useObjectStreams });
}

describe('readPdfStructure', () => {
  it('finds the last section and its kind: table or stream', async () => {
    const table = await readPdfStructure(await blankPdf(false));
    expect(table.xrefIsStream).toBe(false);
    const stream = await readPdfStructure(await blankPdf(true));
    expect(stream.xrefIsStream).toBe(true);
    expect(stream.size).toBeGreaterThan(3);
  });

  it('refuses what is not a PDF and truncated files; a startxref pointing nowhere in a one-revision file is repaired (xref/repair-xref.ts)', async () => {
    expect(await code(readPdfStructure(new TextEncoder().encode('GIF89a not a pdf')))).toBe('INVALID_DOCUMENT');
    const pdf = await blankPdf(false);
    expect(await code(readPdfStructure(pdf.subarray(0, pdf.length - 30)))).toBe('INVALID_DOCUMENT');
    for (const wrong of ['7', String(pdf.length + 100)]) {
      const text = Buffer.from(pdf).toString('latin1').replace(/startxref\s+\d+/, `startxref\n${wrong}`);
      const repaired = await readPdfStructure(Buffer.from(text, 'latin1'));
      expect(repaired.view.repairedFrom, `startxref ${wrong}`).toBeDefined();
      expect(repaired.doc.getPageCount()).toBe(1);
    }
    expect(await code(readPdfStructure(new Uint8Array(0)))).toBe('INVALID_DOCUMENT');
  });
});

describe('writeIncrementalUpdate', () => {
  const root = PDFRef.of(1);
  const objects = [5, 6, 9].map((n) => ({ objectNumber: n, generation: 0, body: new TextEncoder().encode(`<< /N ${n} >>`) }));

  it('classic table: subsections of consecutive numbers, 20-byte entries at the right offsets, /Prev', () => {
    const start = 1000;
    const { bytes } = writeIncrementalUpdate(objects, { prevStartXref: 900, size: 8, root, xrefIsStream: false }, start, false);
    const text = Buffer.from(bytes).toString('latin1');
    const table = /xref\n5 2\n(.{20})(.{20})9 1\n(.{20})trailer/s.exec(text);
    expect(table).not.toBeNull();
    for (const [i, n] of [5, 6, 9].entries()) {
      const entry = table![i + 1]!;
      expect(entry).toMatch(/^\d{10} 00000 n\r\n$/);
      expect(text.slice(Number(entry.slice(0, 10)) - start).startsWith(`${n} 0 obj`)).toBe(true);
    }
    expect(text).toMatch(/\/Size 10 \/Root 1 0 R \/Prev 900/);
    const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)![1]);
    expect(text.slice(startxref - start).startsWith('xref')).toBe(true);
  });

  it('stream: a /Type /XRef object listing the objects and itself, type-1 rows with offsets', () => {
    const start = 5000;
    const { bytes } = writeIncrementalUpdate(objects, { prevStartXref: 4000, size: 8, root, xrefIsStream: true }, start, true);
    expect(bytes[0]).toBe(0x0a); // leading end-of-line for an input without one
    const text = Buffer.from(bytes).toString('latin1');
    const head = /(\d+) 0 obj\n<< \/Type \/XRef \/Size (\d+) .*\/Index \[([\d ]+)\] \/W \[1 4 2\] \/Length (\d+) >>\nstream\n/.exec(text)!;
    expect(head).not.toBeNull();
    expect(head[1]).toBe('10');
    expect(head[2]).toBe('11');
    expect(head[3]).toBe('5 2 9 2');
    const dataAt = head.index + head[0].length;
    const rows = bytes.subarray(dataAt, dataAt + Number(head[4]));
    const numbers = [5, 6, 9, 10];
    numbers.forEach((n, i) => {
      const row = rows.subarray(i * 7, i * 7 + 7);
      expect(row[0]).toBe(1);
      const offset = Buffer.from(row.subarray(1, 5)).readUInt32BE(0);
      expect(text.slice(offset - start).startsWith(`${n} 0 obj`)).toBe(true);
    });
  });
});

describe('byte range, dates', () => {
  it('/ByteRange text keeps its width and refuses what does not fit', () => {
    const t = byteRangeText(100, 200, 1000, 54);
    expect(t).toHaveLength(54);
    expect(t).toMatch(/^\[0 100 200 800 +\]$/);
    expect(() => byteRangeText(1e16, 1e16 + 10, 3e16, 54)).toThrow(KysoError);
  });

  it('formats the Vietnamese display time and the PDF date in UTC+07:00', () => {
    const t = new Date('2026-11-25T03:30:05Z');
    expect(formatVietnameseTime(t, 420)).toBe('25/11/2026 10:30:05 +07:00');
    expect(formatPdfDate(t, 420)).toBe("D:20261125103005+07'00'");
    expect(formatVietnameseTime(new Date('2026-12-31T20:00:00Z'), 420)).toBe('01/01/2027 03:00:00 +07:00');
  });
});

describe('prepare / complete', () => {
  it('keeps the input as the prefix, frames a zero /Contents, and refuses a CMS that does not fit or a non-DER value', async () => {
    const input = await makeVietnameseDocument(1);
    const copy = new Uint8Array(input);
    const prepared = await preparePdfSignature(input, { placeholderBytes: 64 });
    expect(Buffer.compare(input, copy)).toBe(0);
    expect(Buffer.compare(prepared.preparedPdf.subarray(0, input.length), input)).toBe(0);
    const { contentsStart, contentsEnd } = locateEmptyContents(prepared.preparedPdf);
    expect([contentsStart, contentsEnd]).toEqual([prepared.byteRange[1], prepared.byteRange[2]]);
    expect(await code(() => completePdfSignature(prepared.preparedPdf, new Uint8Array(65).fill(0x30)))).toBe('PAYLOAD_TOO_LARGE');
    expect(await code(() => completePdfSignature(prepared.preparedPdf, new Uint8Array([1, 2, 3])))).toBe('BAD_REQUEST');
    // Completed once, the placeholder is no longer empty: a second completion is refused.
    const done = completePdfSignature(prepared.preparedPdf, new Uint8Array([0x30, 0x03, 1, 2, 3]));
    expect(await code(() => completePdfSignature(done, new Uint8Array([0x30, 0x00])))).toBe('INVALID_DOCUMENT');
    expect(await code(() => completePdfSignature(input, new Uint8Array([0x30, 0x00])))).toBe('INVALID_DOCUMENT');
  });

  it('refuses a rectangle outside the page, page 0 and both rect and anchor', async () => {
    const input = await makeVietnameseDocument(1);
    expect(await code(preparePdfSignature(input, { visible: { page: 0, rect: { x: 0, y: 0, width: 10, height: 10 } } }))).toBe('BAD_REQUEST');
    expect(await code(preparePdfSignature(input, { visible: { page: 1, rect: { x: -50, y: 0, width: 100, height: 10 } } }))).toBe('BAD_REQUEST');
    expect(await code(preparePdfSignature(input, { visible: { page: 1, rect: { x: 0, y: 0, width: 100, height: 100 }, anchor: { text: 'x' } } }))).toBe('BAD_REQUEST');
    expect(await code(preparePdfSignature(input, { visible: { page: 1, rect: { x: 0, y: 0, width: 100, height: 100 }, sealImage: new Uint8Array([1, 2, 3]) } }))).toBe('BAD_REQUEST');
  });
});

describe('documents that must not be signed again', () => {
  it('refuses a document certified with DocMDP P=1 (no changes allowed)', async () => {
    const doc = await PDFDocument.create();
    doc.addPage([200, 200]);
    const ctx = doc.context;
    const sig = ctx.register(ctx.obj({ Type: 'Sig', Reference: [ctx.obj({ Type: 'SigRef', TransformMethod: 'DocMDP', TransformParams: ctx.obj({ Type: 'TransformParams', P: 1, V: '1.2' }) })] }));
    doc.catalog.set(PDFName.of('Perms'), ctx.obj({ DocMDP: sig }));
    const locked = await doc.save({ useObjectStreams: false });
    expect(await code(preparePdfSignature(locked))).toBe('UNSUPPORTED_DOCUMENT');
  });

  it('refuses to write the output over the input', async () => {
    const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'kyso-pdf-same-'));
    const file = join(dir, 'in.pdf');
    const bytes = await makeVietnameseDocument(1);
    writeFileSync(file, bytes);
    const signer = { certificate: new Uint8Array(), chain: [], keyType: 'RSA' as const, signDigest: async () => new Uint8Array() };
    expect(await code(signPdfFile(file, join(dir, '.', 'in.pdf'), signer))).toBe('BAD_REQUEST');
    expect(Buffer.compare(readFileSync(file), bytes)).toBe(0);
    // An output folder that does not exist: a typed error, not a stray Node exception.
    expect(await code(signPdfFile(file, join(dir, 'missing-folder', 'out.pdf'), signer))).toBe('BAD_REQUEST');
  });
});

describe('stamp font', () => {
  it('embeds the font the caller gives (tagged subset) and refuses a file that is not a font', async () => {
    const { readFileSync } = await import('node:fs');
    const input = await makeVietnameseDocument(1);
    const bold = readFileSync('/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf');
    const prepared = await preparePdfSignature(input, { visible: { rect: { x: 300, y: 100, width: 240, height: 70 }, fontBytes: bold, lines: ['Ký bởi: Lê Thị Hồng'] } });
    const increment = Buffer.from(prepared.preparedPdf.subarray(input.length)).toString('latin1');
    expect(increment).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSans-Bold/);
    expect(await code(preparePdfSignature(input, { visible: { rect: { x: 300, y: 100, width: 240, height: 70 }, fontBytes: new TextEncoder().encode('not a font') } }))).toBe('BAD_REQUEST');
    // Characters the font cannot draw (DejaVu has no CJK) are refused rather than stamped as empty boxes.
    const missing = await preparePdfSignature(input, { visible: { rect: { x: 300, y: 100, width: 240, height: 70 }, lines: ['Ký bởi: 漢字'] } }).catch((e: unknown) => e);
    expect((missing as KysoError).code).toBe('BAD_REQUEST');
    expect((missing as KysoError).details).toMatchObject({ missing: '漢字' });
    // Decomposed Vietnamese (NFD, as some systems type it) is drawn as the precomposed letters.
    const nfd = await preparePdfSignature(input, { visible: { rect: { x: 300, y: 100, width: 240, height: 70 }, lines: ['Ký bởi: Nguyễn'.normalize('NFD')] } });
    expect(nfd.preparedPdf.length).toBeGreaterThan(input.length);
  });
});
