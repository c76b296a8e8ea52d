/**
 * Hidden content and shadow definitions in ENCRYPTED files (issue 12 leftovers): an owner-password file is signed,
 * so what Kyso names or refuses in a plain file it must name or refuse there too — reading the file's encrypted
 * object streams decrypted (encryption/read-encrypted-revision.ts), not as the ciphertext they are on disk.
 * Files are encrypted by qpdf (AES-256, owner password only, form filling allowed), with unreferenced objects kept.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PDFDict, PDFName, PDFRef } from 'pdf-lib';
import { readPdfStructure } from '../../native-host/formats/pdf/read-pdf-structure.js';
import { detectHiddenContent } from '../../native-host/formats/pdf/hidden-content.js';
import { readRevision } from '../../native-host/formats/pdf/xref/read-revision.js';
import { openStandardEncryption } from '../../native-host/formats/pdf/encryption/standard-security-handler.js';
import { preparedUnreachablePage } from '../fixtures/pdf/hidden-content-fixtures.js';
import { HandPdf, pageBody, textContent } from '../fixtures/pdf/hand-written-pdf.js';
import { cleanDocument, HIDDEN_TEXT } from '../fixtures/pdf/shadow-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'kyso-enc-hidden-'));
let counter = 0;

/** qpdf AES-256 owner-password-only encryption that keeps unreferenced objects (the prepared content). */
function encrypt(plain: Uint8Array, objectStreams: 'disable' | 'generate'): Uint8Array {
  const input = join(dir, `in-${++counter}.pdf`);
  const output = join(dir, `out-${counter}.pdf`);
  writeFileSync(input, plain);
  execFileSync('qpdf', ['--preserve-unreferenced', `--object-streams=${objectStreams}`, '--encrypt', '', 'owner', '256', '--modify=form', '--', input, output]);
  return new Uint8Array(readFileSync(output));
}

describe('hidden content in encrypted files', () => {
  for (const objectStreams of ['disable', 'generate'] as const) {
    it(`an encrypted file (object streams ${objectStreams}) with a page nothing shows still gets UNREFERENCED_OBJECTS`, async () => {
      const bytes = encrypt(preparedUnreachablePage(), objectStreams);
      const structure = await readPdfStructure(bytes);
      expect(structure.encryption).toBeDefined();
      const warnings = detectHiddenContent(structure.view, bytes);
      expect(warnings.map((w) => w.code)).toContain('UNREFERENCED_OBJECTS');
      expect(warnings.find((w) => w.code === 'UNREFERENCED_OBJECTS')!.detail).toMatch(/1 Page/);
    });
  }

  it('a stray ENCRYPTED object stream (no xref points to it) that redefines the page is a shadow: DOCUMENT_AMBIGUOUS', async () => {
    const base = encrypt(cleanDocument().bytes, 'disable');
    const view = readRevision(base);
    const encryption = openStandardEncryption(view.context);
    const context = view.context;
    const pagesRef = context.lookup(context.trailerInfo.Root, PDFDict).get(PDFName.of('Pages')) as PDFRef;
    const pageRef = (context.lookup(pagesRef, PDFDict).lookup(PDFName.of('Kids')) as unknown as { get(i: number): PDFRef }).get(0);
    // A new content stream and, in an object stream encrypted with the document key, a second page object.
    const pdf = new HandPdf(base);
    const content = view.size;
    const stream = view.size + 1;
    const hiddenData = Buffer.from(encryption.encryptStream(Buffer.from(textContent(HIDDEN_TEXT), 'latin1'), content, 0)).toString('latin1');
    pdf.stream(content, hiddenData);
    const member = `${pageRef.objectNumber} 0 ${pageBody(pagesRef.objectNumber, content, pageRef.objectNumber)}`;
    const header = `${pageRef.objectNumber} 0 `;
    const members = Buffer.from(encryption.encryptStream(Buffer.from(`${member}`, 'latin1'), stream, 0)).toString('latin1');
    pdf.stream(stream, members, `/Type /ObjStm /N 1 /First ${header.length}`);
    pdf.raw(`startxref\n${view.startxref}\n%%EOF\n`);
    await expect(readPdfStructure(pdf.bytes())).rejects.toMatchObject({ code: 'DOCUMENT_AMBIGUOUS', details: { reason: expect.stringMatching(/object stream/) } });
  });
});
