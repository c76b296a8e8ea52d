/**
 * Attack class: HIDDEN CONTENT THAT CAN CHANGE AFTER SIGNING (PDF Insecurity: hide / replace with prepared
 * content, incremental saving, optional content whose view and print states differ, form field appearances that
 * override values, overlays, active content). These files are unambiguous — every reader shows the same thing
 * today — so Kyso signs them, but it must NAME each class to the person: in the consent window (host.documentInfo,
 * over the real host process) and on stderr in `kyso sign-pdf`.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFArray, PDFDict, PDFName, PDFNumber } from 'pdf-lib';
import { readRevision } from '../../native-host/formats/pdf/xref/read-revision.js';
import { detectHiddenContent } from '../../native-host/formats/pdf/hidden-content.js';
import { preparePdfSignature } from '../../native-host/formats/pdf/prepare-pdf-signature.js';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { runKyso } from '../helpers/kyso-cli.js';
import { buildTestHost, spawnHost, type BuiltHost, type HostProcess } from '../helpers/host-process.js';
import * as fx from '../fixtures/pdf/hidden-content-fixtures.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { shadowPage } from '../fixtures/pdf/shadow-fixtures.js';

const codes = (bytes: Uint8Array): string[] => detectHiddenContent(readRevision(bytes), bytes).map((w) => w.code);

describe('hidden content: each class is detected on a generated file', () => {
  it('a plain document and a document Kyso generated carry no warning', async () => {
    expect(codes(fx.clean())).toEqual([]);
    expect(codes(await makeVietnameseDocument(2, 'stream'))).toEqual([]);
  });
  it('a document already signed once (visible stamp) says only that it has revisions: a signature widget is no overlay', async () => {
    const { preparedPdf } = await preparePdfSignature(await makeVietnameseDocument(1), { placeholderBytes: 1024, visible: { rect: { x: 300, y: 100, width: 200, height: 60 } } });
    expect(codes(preparedPdf)).toEqual(['EARLIER_REVISIONS']);
  });
  it('prepared replacement content (a page in the xref that nothing shows): UNREFERENCED_OBJECTS', () => {
    const warnings = detectHiddenContent(readRevision(fx.preparedUnreachablePage()), fx.preparedUnreachablePage());
    expect(warnings.map((w) => w.code)).toEqual(['UNREFERENCED_OBJECTS']);
    expect(warnings[0]!.detail).toMatch(/1 Page/);
    expect(warnings[0]!.vi).toMatch(/cập nhật sau khi ký/);
  });
  it('prepared hidden definition the xref does not list ("hide"): UNREFERENCED_DEFINITIONS', () => {
    expect(codes(fx.orphanDefinition())).toContain('UNREFERENCED_DEFINITIONS');
  });
  it('an incremental update: EARLIER_REVISIONS', () => {
    expect(codes(fx.incrementallyUpdated())).toEqual(['EARLIER_REVISIONS']);
  });
  it('optional content with a hidden layer, view ≠ print and an /AS rule: OPTIONAL_CONTENT and OPTIONAL_CONTENT_STATE_CHANGES', () => {
    expect(codes(fx.optionalContent())).toEqual(['OPTIONAL_CONTENT', 'OPTIONAL_CONTENT_STATE_CHANGES']);
  });
  it('a form with NeedAppearances and a filled field with its own appearance: FORM_NEEDS_APPEARANCES, FORM_FIELD_APPEARANCES', () => {
    const found = codes(fx.formWithAppearance());
    expect(found).toContain('FORM_NEEDS_APPEARANCES');
    expect(found).toContain('FORM_FIELD_APPEARANCES');
  });
  it('an annotation drawn over the text: ANNOTATION_OVERLAYS', () => {
    expect(codes(fx.overlayAnnotation())).toEqual(['ANNOTATION_OVERLAYS']);
  });
  it('JavaScript on open: ACTIVE_CONTENT', () => {
    expect(codes(fx.openActionJavaScript())).toEqual(['ACTIVE_CONTENT']);
  });
});

let token: DemoToken;
let built: BuiltHost;
let dir: string;
let host: HostProcess | undefined;

beforeAll(async () => {
  [token, built] = await Promise.all([createDemoToken(), buildTestHost()]);
  dir = await mkdtemp(join(tmpdir(), 'kyso-hidden-'));
}, 120_000);

afterAll(async () => {
  await host?.close();
});

async function upload(bytes: Uint8Array): Promise<string> {
  host ??= spawnHost(built.hostPath, { env: token.env });
  const begin = await host.request('host.documentBegin', { kind: 'pdf', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  const handle = begin.payload.handle as string;
  await host.request('host.documentChunk', { handle, index: 0, data: Buffer.from(bytes).toString('base64') });
  return handle;
}

async function readAll(handle: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let offset = 0; ;) {
    const reply = await host!.request('host.documentRead', { handle, offset });
    const bytes = Buffer.from(reply.payload.data, 'base64');
    parts.push(bytes);
    offset += bytes.length;
    if (reply.payload.eof) return Buffer.concat(parts);
  }
}

/** The /Rect of the newest signature widget of a signed PDF, read through the xref view. */
function signedWidgetRect(pdf: Uint8Array): number[] {
  const context = readRevision(pdf).context;
  const catalog = context.lookup(context.trailerInfo.Root, PDFDict);
  const fields = context.lookup(context.lookup(catalog.get(PDFName.of('AcroForm')), PDFDict).get(PDFName.of('Fields')), PDFArray);
  const widget = context.lookup(fields.get(fields.size() - 1), PDFDict);
  return context.lookup(widget.get(PDFName.of('Rect')), PDFArray).asArray().map((n) => (n as PDFNumber).asNumber());
}

describe('hidden content and the stamp box: host.documentInfo over the real host', () => {
  it('answers page count, warnings and the stamp box; the box is the one the signed file gets (anchor placement)', async () => {
    const bytes = await makeVietnameseDocument(2);
    const placement = { visible: { page: 2, anchor: { text: 'GIÁM ĐỐC' } } };
    const handle = await upload(bytes);
    const info = await host!.request('host.documentInfo', { handle, placement });
    expect(info.type, JSON.stringify(info.error)).toBe('host.result');
    expect(info.payload.pdf.pageCount).toBe(2);
    expect(info.payload.pdf.warnings).toEqual([]);
    const stamp = info.payload.pdf.stamp;
    expect(stamp.page).toBe(2);
    expect(stamp.pageSize).toEqual({ width: 595.28, height: 841.89 });

    const signed = await host!.request('host.signDocuments', {
      certificateId: token.cert('org-rsa').certificateId, pin: token.userPin, documents: [{ kind: 'pdf', handle, options: placement }],
    });
    const out = await readAll(signed.payload.results[0].handle);
    const [x1, y1, x2, y2] = signedWidgetRect(out);
    expect([x1, y1, x2! - x1!, y2! - y1!]).toEqual([stamp.rect.x, stamp.rect.y, stamp.rect.width, stamp.rect.height]);
  });

  it('an explicit rectangle comes back as given; an invisible signature has no stamp', async () => {
    const bytes = await makeVietnameseDocument(1);
    const handle = await upload(bytes);
    const rect = { x: 300, y: 100, width: 200, height: 60 };
    const info = await host!.request('host.documentInfo', { handle, placement: { visible: { page: 1, rect } } });
    expect(info.payload.pdf.stamp).toMatchObject({ page: 1, rect });
    const invisible = await host!.request('host.documentInfo', { handle, placement: { invisible: true } });
    expect(invisible.payload.pdf.stamp).toBeUndefined();
  });

  it('names JavaScript, overlays and prepared content in the warnings the window shows', async () => {
    for (const [make, code] of [[fx.openActionJavaScript, 'ACTIVE_CONTENT'], [fx.overlayAnnotation, 'ANNOTATION_OVERLAYS'], [fx.preparedUnreachablePage, 'UNREFERENCED_OBJECTS']] as const) {
      const info = await host!.request('host.documentInfo', { handle: await upload(make()) });
      expect(info.payload.pdf.warnings.map((w: { code: string }) => w.code)).toContain(code);
      const warning = info.payload.pdf.warnings.find((w: { code: string }) => w.code === code);
      expect(warning.vi.length).toBeGreaterThan(10);
      expect(warning.en.length).toBeGreaterThan(10);
    }
  });

  it('refuses an ambiguous (shadow) PDF at documentInfo time with DOCUMENT_AMBIGUOUS, before any PIN', async () => {
    const info = await host!.request('host.documentInfo', { handle: await upload(shadowPage().bytes) });
    expect(info.type).toBe('host.error');
    expect(info.error.code).toBe('DOCUMENT_AMBIGUOUS');
  });

  it('a placement that does not fit, or a damaged PDF, is reported in pdfError (the rest of a batch still signs)', async () => {
    const misplaced = await host!.request('host.documentInfo', { handle: await upload(fx.clean()), placement: { visible: { page: 5 } } });
    expect(misplaced.type).toBe('host.result');
    expect(misplaced.payload.pdf).toBeUndefined();
    expect(misplaced.payload.pdfError).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'page out of range' } });
    const broken = await host!.request('host.documentInfo', { handle: await upload(new TextEncoder().encode('%PDF-1.7\nnot a real PDF body\n%%EOF\n')) });
    expect(broken.payload.pdfError.code).toBe('INVALID_DOCUMENT');
  });
});

describe('hidden content: kyso sign-pdf names it on stderr and still signs', () => {
  it('JavaScript on open: a CẢNH BÁO / WARNING line with ACTIVE_CONTENT, exit 0, output written', async () => {
    const input = join(dir, 'js.pdf');
    const output = join(dir, 'js-signed.pdf');
    await writeFile(input, fx.openActionJavaScript());
    const r = await runKyso(['sign-pdf', input, '-o', output, '--cert', 'MST:0101234567', '--pin-stdin', '--invisible'], { env: token.env, stdin: `${token.userPin}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/CẢNH BÁO \/ WARNING ACTIVE_CONTENT: .*JavaScript/);
  });
});
