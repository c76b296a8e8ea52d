/**
 * A batch reuses the stamp's parsed font, its shaped lines and its encoded subsets from one document to the next
 * (native-host/formats/pdf/appearance/stamp-font.ts). What a person would check on each signed file: the stamp's
 * text reads back exactly (pdftotext through the ToUnicode map and the glyphs of THAT file's subset), the text
 * is in a tagged subset font (pdffonts), the page looks exactly as when the font is parsed afresh for that one
 * document (pdftoppm: the right glyph outlines), and the signature is valid (pdfsig). The documents share one
 * font bytes object, as a batch does, and differ in which glyphs their stamps use and in which order — a subset
 * or glyph numbering carried over from another document would show wrong or missing letters here.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { signPdf } from '../../native-host/formats/pdf/sign-pdf.js';
import { createSoftwarePki, type SoftwarePki } from '../helpers/software-signer.js';
import { DEJAVU, makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { formatVietnameseTime } from '../../native-host/formats/pdf/appearance/signing-time-text.js';
import { pdfsig, renderPage } from '../fixtures/pdf/pdf-test-tools.js';

const run = promisify(execFile);

let pki: SoftwarePki;
let dir: string;
let input: Uint8Array;
let font: Uint8Array;

beforeAll(async () => {
  pki = createSoftwarePki();
  dir = await mkdtemp(join(tmpdir(), 'kyso-stamp-batch-'));
  input = await makeVietnameseDocument(1);
  font = await readFile(DEJAVU);
});

/** `fontBytes` the batch's one font object, or a copy of it: a key no cache knows, so parsed afresh. */
async function signWithLines(name: string, lines: string[], fontBytes = font): Promise<string> {
  const signed = await signPdf(input, pki.rsa.signer, { visible: { page: 1, rect: { x: 300, y: 400, width: 260, height: 80 }, lines, fontBytes } });
  const path = join(dir, name);
  await writeFile(path, signed);
  return path;
}

const stampText = async (path: string) => (await run('pdftotext', ['-f', '1', '-l', '1', path, '-'])).stdout;

describe('one stamp font for many documents (batch caches)', () => {
  it('each document shows its own stamp text, in its own subset, with a valid signature', async () => {
    const documents: Array<{ name: string; lines: string[] }> = [
      { name: 'a.pdf', lines: ['Ký bởi: Nguyễn Văn Ánh', 'Thời gian ký: 02/12/2026 10:30:01 +07:00'] },
      // The same letters first used in another order: the subset numbers its glyphs differently.
      { name: 'b.pdf', lines: ['Thời gian ký: 02/12/2026 10:30:01 +07:00', 'Ký bởi: Nguyễn Văn Ánh'] },
      // New glyphs (digits, letters) the earlier subsets do not hold.
      { name: 'c.pdf', lines: ['Ký bởi: Trần Thị Hương', 'Thời gian ký: 29/12/2026 23:58:47 +07:00'] },
      // The first document again: what was kept for it is used as is.
      { name: 'd.pdf', lines: ['Ký bởi: Nguyễn Văn Ánh', 'Thời gian ký: 02/12/2026 10:30:01 +07:00'] },
    ];
    for (const { name, lines } of documents) {
      const path = await signWithLines(name, lines);
      const text = await stampText(path);
      for (const line of lines) expect(text).toContain(line);
      const { stdout: fonts } = await run('pdffonts', ['-f', '1', '-l', '1', path]);
      expect(fonts).toMatch(/^[A-Z]{6}\+DejaVuSans\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/m);
      expect((await pdfsig(path)).signatures[0]?.valid).toBe(true);
      const alone = await signWithLines(`alone-${name}`, lines, new Uint8Array(font));
      expect(Buffer.compare((await renderPage(path, 1)).rgb, (await renderPage(alone, 1)).rgb)).toBe(0);
    }
    // b's text came out right although a's lines were shaped and subset first, in the other order.
    expect(await stampText(join(dir, 'b.pdf'))).not.toContain('Hương');
  });

  it('the stamp prepared once per batch shows each document its own signing time (appearance/prepared-stamp.ts)', async () => {
    // The default lines (name, organisation, time from the certificate and the signing time), the default font:
    // the batch's documents share one prepared stamp, and differ in their time and (1 page or 3) object numbers.
    const three = await makeVietnameseDocument(3);
    const times = [Date.UTC(2026, 11, 3, 3, 4, 5), Date.UTC(2026, 11, 3, 3, 4, 6), Date.UTC(2026, 11, 31, 16, 59, 59)];
    let previous: string | undefined;
    for (const [i, ms] of times.entries()) {
      const signingTime = new Date(ms);
      const document = i === 1 ? three : input;
      const shown = `Thời gian ký: ${formatVietnameseTime(signingTime, 420)}`;
      const path = join(dir, `time-${i}.pdf`);
      await writeFile(path, await signPdf(document, pki.rsa.signer, { signingTime, visible: { page: 1 } }));
      const text = await stampText(path);
      expect(text).toContain(shown);
      if (previous) expect(text).not.toContain(previous);
      previous = shown;
      expect((await pdfsig(path)).signatures[0]?.valid).toBe(true);
      // Signed alone, the stamp drawn from a font no template knows: the same pixels.
      const alone = join(dir, `time-${i}-alone.pdf`);
      await writeFile(alone, await signPdf(document, pki.rsa.signer, { signingTime, visible: { page: 1, fontBytes: new Uint8Array(font) } }));
      expect(Buffer.compare((await renderPage(path, 1)).rgb, (await renderPage(alone, 1)).rgb)).toBe(0);
    }
  });
});
