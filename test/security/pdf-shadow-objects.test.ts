/**
 * Attack class: SHADOW OBJECTS (PDF Insecurity, Mainka et al., NDSS 2021 — "hide", "replace" and "hide-and-
 * replace" through definitions the cross-reference does not point to). A sender crafts a PDF whose xref'd page
 * says "the buyer pays 100 VND" — what every viewer and the consent preview show — plus a second definition of
 * the page (or its content, page tree, catalog, an object-stream member) that no xref points to. If Kyso built
 * its update from the last definition in the file, the signed result would show the hidden text in every viewer,
 * under a valid signature.
 *
 * Kyso must refuse such a file (DOCUMENT_AMBIGUOUS, Vietnamese + English, no output, input unchanged), through the
 * `kyso` CLI and through the host, on a real SoftHSM token; poppler (pdftotext, pdfsig) is the independent judge.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { runKyso } from '../helpers/kyso-cli.js';
import { buildTestHost, spawnHost, type BuiltHost, type HostProcess } from '../helpers/host-process.js';
import { pdfsig } from '../fixtures/pdf/pdf-test-tools.js';
import { ERROR_CATALOGUE } from '../../shared/errors/catalogue.js';
import { HandPdf, onePageDocument, pageBody, rowsOf, textContent } from '../fixtures/pdf/hand-written-pdf.js';
import {
  AMBIGUOUS_FIXTURES, HIDDEN_TEXT, HONEST_TEXT, cleanDocument, shiftedOffsets, type ShadowFixture,
} from '../fixtures/pdf/shadow-fixtures.js';

let token: DemoToken;
let built: BuiltHost;
let dir: string;
let host: HostProcess | undefined;

beforeAll(async () => {
  [token, built] = await Promise.all([createDemoToken(), buildTestHost()]);
  dir = await mkdtemp(join(tmpdir(), 'kyso-shadow-'));
}, 120_000);

afterAll(async () => {
  await host?.close();
});

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const pdftotext = (path: string): string => execFileSync('pdftotext', ['-q', path, '-'], { encoding: 'latin1' });
const slug = (name: string): string => name.replace(/[^a-z0-9]+/gi, '-');

async function signWithCli(fixture: ShadowFixture, extra: string[] = []): Promise<{ code: number | null; stderr: string; input: string; output: string; inputHashBefore: string }> {
  const input = join(dir, `${slug(fixture.name)}.pdf`);
  const output = join(dir, `${slug(fixture.name)}-signed.pdf`);
  await writeFile(input, fixture.bytes);
  const r = await runKyso(['sign-pdf', input, '-o', output, '--cert', 'MST:0101234567', '--pin-stdin', ...extra], { env: token.env, stdin: `${token.userPin}\n` });
  return { code: r.code, stderr: r.stderr, input, output, inputHashBefore: sha256(fixture.bytes) };
}

async function hostSign(bytes: Uint8Array): Promise<any> {
  host ??= spawnHost(built.hostPath, { env: token.env });
  const ok = async (type: string, payload: unknown): Promise<any> => {
    const reply = await host!.request(type, payload);
    if (reply.type !== 'host.result') throw new Error(`${type}: ${JSON.stringify(reply.error)}`);
    return reply.payload;
  };
  const { handle } = await ok('host.documentBegin', { kind: 'pdf', size: bytes.length, sha256: sha256(bytes) });
  await ok('host.documentChunk', { handle, index: 0, data: Buffer.from(bytes).toString('base64') });
  const signed = await ok('host.signDocuments', { certificateId: token.cert('org-rsa').certificateId, pin: token.userPin, documents: [{ kind: 'pdf', handle }] });
  return signed.results[0];
}

describe('shadow objects: the fixtures are what viewers see', () => {
  it('poppler shows the honest text (the xref view) for every hostile file, never the hidden one', async () => {
    for (const make of [...AMBIGUOUS_FIXTURES, shiftedOffsets]) {
      const fixture = make();
      const path = join(dir, `view-${slug(fixture.name)}.pdf`);
      await writeFile(path, fixture.bytes);
      const text = pdftotext(path);
      expect(text, fixture.name).toContain(HONEST_TEXT);
      expect(text, fixture.name).not.toContain(HIDDEN_TEXT);
    }
  });
});

describe('shadow objects: kyso sign-pdf refuses an ambiguous file', () => {
  for (const make of AMBIGUOUS_FIXTURES) {
    const name = make().name;
    it(`${name}: DOCUMENT_AMBIGUOUS in Vietnamese and English, non-zero exit, no output file, input unchanged`, async () => {
      const r = await signWithCli(make());
      const shown = existsSync(r.output) ? pdftotext(r.output) : '(no output)';
      expect(r.code, `signed anyway; a viewer now shows: ${shown.trim()}`).not.toBe(0);
      expect(r.stderr).toContain('DOCUMENT_AMBIGUOUS');
      expect(r.stderr).toContain(ERROR_CATALOGUE.DOCUMENT_AMBIGUOUS.vi);
      expect(r.stderr).toContain(ERROR_CATALOGUE.DOCUMENT_AMBIGUOUS.en);
      expect(existsSync(r.output)).toBe(false);
      expect(sha256(await readFile(r.input))).toBe(r.inputHashBefore);
    });
  }
});

describe('shadow objects: the host refuses an ambiguous file (signPdf from a page)', () => {
  for (const make of AMBIGUOUS_FIXTURES) {
    const fixture = make();
    it(`${fixture.name}: host.signDocuments answers DOCUMENT_AMBIGUOUS for the document`, async () => {
      const result = await hostSign(fixture.bytes);
      expect(result.ok, 'signed anyway').toBe(false);
      expect(result.error.code).toBe('DOCUMENT_AMBIGUOUS');
      expect(result.error.messageEn).toBe(ERROR_CATALOGUE.DOCUMENT_AMBIGUOUS.en);
    });
  }
});

describe('shadow objects: a damaged (not ambiguous) file', () => {
  // Decision (issue 12): repaired. Every object has exactly one definition, so the view a repairing reader builds
  // is not a choice; pdf.js must agree with it; the signed file carries a complete new xref (no reader repairs it
  // again) and the person is warned (XREF_REPAIRED). See native-host/formats/pdf/xref/repair-xref.ts.
  it('xref offsets shifted by inserted bytes: signed with a warning, the output shows what the input showed, pdfsig valid, qpdf --check clean; input unchanged', async () => {
    const fixture = shiftedOffsets();
    const r = await signWithCli(fixture, ['--invisible']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('XREF_REPAIRED');
    expect(pdftotext(r.output)).toBe(pdftotext(r.input));
    expect(pdftotext(r.output)).toContain(HONEST_TEXT);
    const report = await pdfsig(r.output);
    expect(report.signatures.map((s) => s.valid)).toEqual([true]);
    expect(execFileSync('qpdf', ['--check', r.output], { encoding: 'utf8' })).toMatch(/No syntax or stream encoding errors found/);
    expect(sha256(await readFile(r.input))).toBe(r.inputHashBefore);
  });

  it('a damaged file that also defines the page twice (the hidden content a repair could pick): refused with DOCUMENT_AMBIGUOUS, no output', async () => {
    const clean = Buffer.from(shiftedOffsets().bytes).toString('latin1');
    const tableAt = clean.lastIndexOf('\nxref') + 1;
    const pdf = new HandPdf(clean.slice(0, tableAt));
    pdf.stream(6, textContent(HIDDEN_TEXT));
    pdf.object(3, pageBody(2, 6, 5));
    // The (stale) table moves after the shadow; startxref follows it.
    pdf.raw(clean.slice(tableAt).replace(/startxref\n\d+/, `startxref\n${pdf.offset}`));
    const r = await signWithCli({ name: 'damaged and shadowed', bytes: pdf.bytes(), viewerText: HONEST_TEXT });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('DOCUMENT_AMBIGUOUS');
    expect(existsSync(r.output)).toBe(false);
    expect(sha256(await readFile(r.input))).toBe(r.inputHashBefore);
  });
});

describe('shadow objects: honest files still sign, and the result shows what the input showed', () => {
  it('a clean file and a file with a legitimate incremental update: pdftotext of the output = of the input, pdfsig valid', async () => {
    const { pdf, offsets } = onePageDocument('version one');
    const first = pdf.xrefTable(rowsOf(offsets), '/Size 6 /Root 1 0 R');
    const at = pdf.stream(4, textContent(HONEST_TEXT));
    pdf.xrefTable([{ num: 4, offset: at }], `/Size 6 /Root 1 0 R /Prev ${first}`);
    const updated = new HandPdf(pdf.bytes());
    for (const fixture of [cleanDocument(), { name: 'legitimate update', bytes: updated.bytes(), viewerText: HONEST_TEXT }]) {
      // Invisible: the stamp's own text would (rightly) add to what pdftotext prints.
      const r = await signWithCli(fixture, ['--invisible']);
      expect(r.code, r.stderr).toBe(0);
      expect(pdftotext(r.output)).toBe(pdftotext(r.input));
      expect(pdftotext(r.output)).toContain(HONEST_TEXT);
      const report = await pdfsig(r.output);
      expect(report.signatures.map((s) => s.valid)).toEqual([true]);
    }
  });
});

describe('shadow objects: the preview engine (pdf.js) must resolve the pages Kyso writes from', () => {
  it('agrees on honest files (table, object streams, incremental update)', async () => {
    const { crossCheckWithViewer } = await import('../../native-host/formats/pdf/viewer-cross-check.js');
    const { readPdfStructure } = await import('../../native-host/formats/pdf/read-pdf-structure.js');
    const { makeVietnameseDocument } = await import('../fixtures/pdf/generate-fixtures.js');
    const { pdf, offsets } = onePageDocument('version one');
    const first = pdf.xrefTable(rowsOf(offsets), '/Size 6 /Root 1 0 R');
    pdf.xrefTable([{ num: 4, offset: pdf.stream(4, textContent(HONEST_TEXT)) }], `/Size 6 /Root 1 0 R /Prev ${first}`);
    for (const bytes of [cleanDocument().bytes, await makeVietnameseDocument(3, 'stream'), await makeVietnameseDocument(2, 'table'), pdf.bytes()]) {
      await expect(crossCheckWithViewer(bytes, (await readPdfStructure(bytes)).doc)).resolves.toBeUndefined();
    }
  });

  it('refuses with DOCUMENT_AMBIGUOUS when pdf.js sees other pages than Kyso (Kyso\'s view taken from other bytes: a resolver divergence no real file is known to cause)', async () => {
    const { crossCheckWithViewer } = await import('../../native-host/formats/pdf/viewer-cross-check.js');
    const { readPdfStructure } = await import('../../native-host/formats/pdf/read-pdf-structure.js');
    const { makeVietnameseDocument } = await import('../fixtures/pdf/generate-fixtures.js');
    const three = await makeVietnameseDocument(3);
    const ours = (await readPdfStructure(cleanDocument().bytes)).doc;
    await expect(crossCheckWithViewer(three, ours)).rejects.toMatchObject({ code: 'DOCUMENT_AMBIGUOUS' });
    // Same page count, the page at another object number (7 instead of 3).
    const other = new HandPdf();
    const o = new Map<number, number>();
    o.set(1, other.object(1, '<< /Type /Catalog /Pages 2 0 R >>'));
    o.set(2, other.object(2, '<< /Type /Pages /Kids [7 0 R] /Count 1 >>'));
    o.set(4, other.stream(4, textContent(HONEST_TEXT)));
    o.set(5, other.object(5, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'));
    o.set(7, other.object(7, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>'));
    other.xrefTable(rowsOf(o), '/Size 8 /Root 1 0 R');
    await expect(crossCheckWithViewer(other.bytes(), ours)).rejects.toMatchObject({ code: 'DOCUMENT_AMBIGUOUS', details: { reason: expect.stringMatching(/page 1 from object 7 0, Kyso from 3 0/) } });
  });
});
