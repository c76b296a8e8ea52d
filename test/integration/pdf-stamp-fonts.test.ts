/**
 * The stamp's font (native-host/formats/pdf/appearance/resolve-font.ts): a Decree 30 mark asks for 'serif' and
 * gets Times New Roman where installed, else Liberation Serif, else DejaVu Serif — only a font that draws every
 * Vietnamese letter of the text. Checked on the fonts really installed here (pdffonts names the embedded font,
 * pdftotext reads the text back, pdfsig validates) and, for the order, against simulated font directories.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { coversText, fontCandidates, resolveStampFont } from '../../native-host/formats/pdf/appearance/resolve-font.js';
import { signPdf } from '../../native-host/formats/pdf/sign-pdf.js';
import { createSoftwarePki, type SoftwarePki } from '../helpers/software-signer.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { nssDbWith, pdfsig } from '../fixtures/pdf/pdf-test-tools.js';

const TEXT = 'sao y — số: 123/BCY-CTSBMTT — Thời gian ký: 2026-12-02T10:04:05+07:00 — phụ lục kèm theo văn bản số đến';
const LIBERATION2 = '/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf';
const LIBERATION1 = '/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf';
const DEJAVU_SERIF = '/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf';

/** A machine whose only files are `present` (path → the bytes of a real installed font). */
function machine(present: Record<string, string>) {
  return async (path: string) => {
    const source = present[path];
    if (!source) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return new Uint8Array(await readFile(source));
  };
}

describe('stamp font resolution', () => {
  it('Linux: Times New Roman (msttcorefonts) first, then Liberation Serif, DejaVu Serif, DejaVu Sans', () => {
    const names = fontCandidates('serif', { platform: 'linux' }).map((c) => c.name);
    expect(names.indexOf('Times New Roman')).toBe(0);
    expect(names.indexOf('Liberation Serif')).toBeGreaterThan(names.lastIndexOf('Times New Roman'));
    expect(names.indexOf('DejaVu Serif')).toBeGreaterThan(names.lastIndexOf('Liberation Serif'));
    expect(names.at(-1)).toBe('DejaVu Sans');
  });
  it('Windows reads %WINDIR%\\Fonts\\times.ttf; macOS the Supplemental Times New Roman', () => {
    expect(fontCandidates('serif', { platform: 'win32', windowsDir: 'D:\\Win' })[0]).toEqual({ name: 'Times New Roman', path: 'D:\\Win\\Fonts\\times.ttf' });
    expect(fontCandidates('serif', { platform: 'darwin' })[0]!.path).toBe('/System/Library/Fonts/Supplemental/Times New Roman.ttf');
  });

  it.skipIf(!existsSync(LIBERATION2))('a machine with Times New Roman uses it (here: a Times-named file holding real font bytes)', async () => {
    const font = await resolveStampFont('serif', TEXT, { platform: 'linux', readFile: machine({ '/usr/share/fonts/truetype/msttcorefonts/times.ttf': LIBERATION2, [DEJAVU_SERIF]: DEJAVU_SERIF }) });
    expect(font.name).toBe('Times New Roman');
  });
  it.skipIf(!existsSync(LIBERATION1) || !existsSync(DEJAVU_SERIF))('Liberation Serif 1.07 lacks Vietnamese letters (ờ, ụ…): skipped for DejaVu Serif', async () => {
    expect(coversText(new Uint8Array(await readFile(LIBERATION1)), TEXT)).toBe(false);
    const font = await resolveStampFont('serif', TEXT, { platform: 'linux', readFile: machine({ [LIBERATION1]: LIBERATION1, [DEJAVU_SERIF]: DEJAVU_SERIF }) });
    expect(font).toMatchObject({ name: 'DejaVu Serif', path: DEJAVU_SERIF });
  });
  it.skipIf(!existsSync(LIBERATION1))('only a font lacking letters installed: that font comes back, and the stamp is refused naming the missing letters', async () => {
    const font = await resolveStampFont('serif', TEXT, { platform: 'linux', readFile: machine({ [LIBERATION1]: LIBERATION1 }) });
    expect(font.path).toBe(LIBERATION1);
    const pki = createSoftwarePki();
    await expect(signPdf(await makeVietnameseDocument(1), pki.rsa.signer, { visible: { lines: ['Thời gian ký'], fontBytes: font.bytes } }))
      .rejects.toMatchObject({ code: 'BAD_REQUEST', details: { missing: expect.stringContaining('ờ') } });
  });
  it('no font at all: a typed BAD_REQUEST that says what to install, never empty boxes', async () => {
    await expect(resolveStampFont('serif', TEXT, { platform: 'linux', readFile: machine({}) })).rejects.toMatchObject({ code: 'BAD_REQUEST', details: { reason: expect.stringMatching(/fonts-liberation2/) } });
  });
});

describe('a Decree 30 mark signed with the serif typeface on this machine', () => {
  let pki: SoftwarePki;
  let dir: string;
  beforeAll(async () => {
    pki = createSoftwarePki();
    dir = await mkdtemp(join(tmpdir(), 'kyso-stamp-font-'));
  });

  it('embeds the resolved font (pdffonts), draws the Vietnamese text (pdftotext) and pdfsig validates', async () => {
    const expected = await resolveStampFont('serif', TEXT);
    const signed = await signPdf(await makeVietnameseDocument(1), pki.rsa.signer, {
      visible: { page: 1, rect: { x: 300, y: 760, width: 260, height: 54 }, lines: ['sao y', 'số: 123/BCY-CTSBMTT', 'Thời gian ký: 2026-12-02T10:04:05+07:00'], typeface: 'serif', textColor: 'black' },
    });
    const file = join(dir, 'mark.pdf');
    await writeFile(file, signed);
    const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' });
    const family = expected.name.replace(/ /g, '');
    // On this machine (fonts-liberation2 installed per scripts/system-packages.txt): Liberation Serif.
    expect(fonts).toMatch(new RegExp(`[A-Z]{6}\\+${family}`));
    // The stamp's font is the one subset font (the document's own DejaVuSans is not a subset): not DejaVu Sans.
    expect(fonts.match(/[A-Z]{6}\+\S+/g)).toEqual([expect.stringMatching(new RegExp(`\\+${family}$`))]);
    const text = execFileSync('pdftotext', ['-f', '1', '-l', '1', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('123/BCY-CTSBMTT');
    expect(text).toContain('Thời gian ký: 2026-12-02T10:04:05+07:00');
    const verdict = await pdfsig(file, await nssDbWith([pki.rootPath, pki.intermediatePath]));
    expect(verdict.signatures[0]!.valid).toBe(true);
  });
});
