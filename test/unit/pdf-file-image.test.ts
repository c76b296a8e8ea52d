/**
 * The on-demand reader (native-host/formats/pdf/xref/file-image.ts) must see exactly what the in-memory reader
 * sees: a byte it forgot to read would read as 0 (white space to a PDF parser) and could hide a shadow definition
 * or misplace an object. For clean, updated, compressed, encrypted and hostile files, the xref view read through a
 * FileImage — objects and where they are, inconsistencies, definitions no xref lists, revisions, hidden-content
 * warnings — equals the one read from the whole file in memory; and the parts it must widen (an object larger than
 * its first window, a large stream whose /Length is wrong) read right too.
 */
import { execFileSync } from 'node:child_process';
import { constants } from 'node:buffer';
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PDFRawStream, PDFRef, PDFDict } from 'pdf-lib';
import { FileImage } from '../../native-host/formats/pdf/xref/file-image.js';
import { readPossiblyEncryptedRevision } from '../../native-host/formats/pdf/encryption/read-encrypted-revision.js';
import { listRevisions, type PdfRevisionView } from '../../native-host/formats/pdf/xref/read-revision.js';
import { detectHiddenContent } from '../../native-host/formats/pdf/hidden-content.js';
import { AMBIGUOUS_FIXTURES, cleanDocument } from '../fixtures/pdf/shadow-fixtures.js';
import * as hidden from '../fixtures/pdf/hidden-content-fixtures.js';
import { onePageDocument, rowsOf } from '../fixtures/pdf/hand-written-pdf.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'kyso-file-image-'));
let counter = 0;

function imageOf(bytes: Uint8Array): FileImage {
  const path = join(dir, `f${++counter}.pdf`);
  writeFileSync(path, bytes);
  return FileImage.open(path);
}

/** What a reader decides from a view, in comparable form. */
function summary(view: PdfRevisionView, bytes: Uint8Array) {
  const objects = [...view.context.enumerateIndirectObjects()].map(([ref, object]) => {
    const dict = object instanceof PDFRawStream ? object.dict : object;
    const data = object instanceof PDFRawStream ? Buffer.from(object.contents).toString('base64') : '';
    return `${ref.toString()} ${dict.toString()} ${data.length > 200 ? `${data.length}:${data.slice(0, 100)}` : data}`;
  }).sort();
  return {
    objects,
    locations: [...view.locations].sort((a, b) => a[0] - b[0]),
    inconsistencies: view.inconsistencies,
    unaccounted: view.unaccountedDefinitions,
    revisions: listRevisions(bytes),
    warnings: detectHiddenContent(view, bytes).map((w) => `${w.code} ${w.detail ?? ''}`),
  };
}

function sameView(bytes: Uint8Array): void {
  const inMemory = summary(readPossiblyEncryptedRevision(bytes).view, bytes);
  const image = imageOf(bytes);
  try {
    expect(summary(readPossiblyEncryptedRevision(image.bytes).view, image.bytes)).toEqual(inMemory);
  } finally {
    image.close();
  }
}

function qpdf(bytes: Uint8Array, args: string[]): Uint8Array {
  const input = join(dir, `q${++counter}.pdf`);
  const output = join(dir, `q${++counter}.pdf`);
  writeFileSync(input, bytes);
  execFileSync('qpdf', [...args, input, output]);
  return new Uint8Array(readFileSync(output));
}

describe('FileImage: the on-demand reader sees what the in-memory reader sees', () => {
  it('clean, incrementally updated, object streams, linearized, encrypted (with object streams)', async () => {
    const base = await makeVietnameseDocument(3, 'table');
    for (const bytes of [
      cleanDocument().bytes, base, await makeVietnameseDocument(2, 'stream'), hidden.incrementallyUpdated(),
      qpdf(base, ['--object-streams=generate']), qpdf(base, ['--linearize']),
      qpdf(base, ['--object-streams=generate', '--encrypt', '', 'owner', '256', '--modify=form', '--']),
    ]) sameView(bytes);
  });

  it('hostile files: every shadow fixture is as inconsistent through the file as in memory; prepared content is named the same', () => {
    for (const make of AMBIGUOUS_FIXTURES) {
      const { bytes } = make();
      sameView(bytes);
      const image = imageOf(bytes);
      expect(readPossiblyEncryptedRevision(image.bytes).view.inconsistencies.length, make().name).toBeGreaterThan(0);
      image.close();
    }
    for (const bytes of [hidden.preparedUnreachablePage(), hidden.orphanDefinition(), hidden.optionalContent(), hidden.formWithAppearance()]) sameView(bytes);
  });

  it('an object larger than the first window, a large stream left in the file, and one whose /Length is wrong', () => {
    const { pdf, offsets } = onePageDocument('large objects');
    offsets.set(6, pdf.object(6, `[${' 1'.repeat(100_000)} ]`));
    const data = 'q Q\n'.repeat(200_000);
    offsets.set(7, pdf.stream(7, data));
    // /Length 10 is wrong: readers find `endstream` instead.
    offsets.set(8, pdf.object(8, `<< /Length 10 >>\nstream\n${data}\nendstream`));
    pdf.xrefTable(rowsOf(offsets), '/Size 9 /Root 1 0 R');
    const bytes = pdf.bytes();
    sameView(bytes);
    const image = imageOf(bytes);
    const view = readPossiblyEncryptedRevision(image.bytes).view;
    const big = view.context.lookup(PDFRef.of(7, 0));
    expect(big).toBeInstanceOf(PDFRawStream);
    expect((big as PDFRawStream).getContentsSize()).toBe(data.length);
    expect(Buffer.from((view.context.lookup(PDFRef.of(8, 0)) as PDFRawStream).contents).toString('latin1')).toBe(data);
    expect(view.context.lookup(PDFRef.of(1, 0))).toBeInstanceOf(PDFDict);
    image.close();
  });

  it('a file larger than Node can map (over buffer.constants.MAX_LENGTH) is refused with PAYLOAD_TOO_LARGE, not a crash', () => {
    const path = join(dir, 'huge.pdf');
    writeFileSync(path, '%PDF-1.7\n');
    truncateSync(path, constants.MAX_LENGTH + 1); // sparse: costs no disk
    expect(() => FileImage.open(path)).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
  });
});
