/** Frame schemas and the mapping of plugin calls to Kyso's signing options (VGCA and VNPT-CA). */
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { VgcaFileRequestSchema, VgcaSignFilesRequestSchema } from '../../extension/compat/vgca-frames.js';
import { consentDescription, firstPageSize, isoVietnamTime, pdfOptionsFor } from '../../extension/compat/vgca-appearance.js';
import { createVgcaHandler, fromUploadAnswer, vgcaFailure } from '../../extension/background/compat/vgca-handler.js';
import { TransferError } from '../../extension/background/compat/portal-transfer.js';
import { pdfOptionsFromSigner } from '../../extension/background/compat/vnpt-handler.js';
import { VnptFrameSchema } from '../../extension/compat/vnpt-frames.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { PdfDocumentOptionsSchema } from '../../shared/protocol/document-schemas.js';

const a4 = new TextEncoder().encode('%PDF-1.7\n1 0 obj << /Type /Page /MediaBox [0 0 595.28 841.89] >> endobj\n');
const base = { FileUploadHandler: 'https://p.vn/vgca/fileupload', FileName: 'https://p.vn/f.pdf' };

describe('VGCA frames', () => {
  it('a portal\'s issued frame parses (extra fields dropped; IssuedDate as a Date serialised to ISO text)', () => {
    const frame = JSON.parse(JSON.stringify({ ...base, SessionId: 's', JWTToken: 'j', MetaData: [{ Key: 'a', Value: 'b' }], DocNumber: '79', IssuedDate: new Date(0), Extra: 1 }));
    const parsed = v.parse(VgcaFileRequestSchema, frame);
    expect(parsed.IssuedDate).toBe('1970-01-01T00:00:00.000Z');
    expect(parsed).not.toHaveProperty('Extra');
  });
  it('frames without FileUploadHandler, with non-string fields or too many files are refused', () => {
    expect(v.safeParse(VgcaFileRequestSchema, { FileName: 'x' }).success).toBe(false);
    expect(v.safeParse(VgcaFileRequestSchema, { ...base, MetaData: 'x' }).success).toBe(false);
    expect(v.safeParse(VgcaSignFilesRequestSchema, { FileUploadHandler: 'u', Files: Array.from({ length: 21 }, (_, i) => ({ FileID: i, URL: 'u' })) }).success).toBe(false);
  });
  it('failures use the plugin\'s shape: non-zero Status, Vietnamese Message', () => {
    expect(vgcaFailure(new KysoError('USER_CANCELLED'))).toMatchObject({ Status: 1, Message: 'Bạn đã huỷ yêu cầu ký.' });
    expect(vgcaFailure(new TransferError('url', 'origin not allowed'))).toMatchObject({ Status: 2 });
    expect(vgcaFailure(new TransferError('upload', 'HTTP 500')).Message).toMatch(/Không gửi được/);
    expect(vgcaFailure(new Error('boom'))).toMatchObject({ Status: 4, ErrorCode: 'INTERNAL_ERROR' });
  });
});

describe('VGCA paths Kyso does not serve: a fixed, documented Status (nothing reaches the router)', () => {
  const handler = createVgcaHandler({
    route: async () => { throw new Error('the router must not be called'); },
    adminAllowedOrigins: async () => [], now: () => new Date(0),
  });
  const context = { frameOrigin: 'https://p.vn', topOrigin: 'https://p.vn', signal: new AbortController().signal } as never;
  const ask = async (path: string, frame = '{}') => JSON.parse(await handler(path, frame, context)) as { Status: number; Message: string };
  it('/SignOffice and /VerifyOffice → 415 (convert to PDF), /Config and the service\'s other windows → 501, unknown → 404', async () => {
    expect(await ask('SignOffice')).toMatchObject({ Status: 415, Message: expect.stringMatching(/Word\/Excel/) });
    expect((await ask('VerifyOffice')).Status).toBe(415);
    for (const path of ['Config', 'GetLicenseRequest', 'SignPDFWP', 'SignXMLP12']) expect((await ask(path, 'config')).Status).toBe(501);
    expect((await ask('Nope')).Status).toBe(404);
  });
  it('a path named like an Object member ("constructor", "toString") is an unknown path, not a crash', async () => {
    for (const path of ['constructor', 'toString', 'hasOwnProperty']) expect((await ask(path)).Status).toBe(404);
  });
  it('/SignJson with no JsonContent, an empty one, or text that is not JSON → Status 2 before any signing', async () => {
    expect((await ask('SignJson', '{}')).Status).toBe(2);
    expect((await ask('SignJson', '{"JsonContent":""}')).Status).toBe(2);
    expect((await ask('SignJson', '{"JsonContent":"{not json"}')).Status).toBe(2);
  });
});

describe('upload handler answers → the plugin reply', () => {
  it('OpenCPS {Status:true, FileServer:"{…}"} and the Node handler {Status:0} are success; fields kept as text', () => {
    expect(fromUploadAnswer({ Status: true, FileName: 'https://p/preview/1', FileServer: '{"fileEntryId":1}', DocumentNumber: '' }))
      .toEqual({ Status: 0, Message: '', FileName: 'https://p/preview/1', FileServer: '{"fileEntryId":1}', DocumentNumber: '', DocumentDate: '' });
    expect(fromUploadAnswer({ Status: 0, FileName: 'a.pdf', FileServer: { url: 'u' } })).toMatchObject({ Status: 0, FileServer: '{"url":"u"}' });
  });
  it('a refusal (Status false / 1) or a non-object answer is a failure with the server\'s message', () => {
    expect(() => fromUploadAnswer({ Status: 1, Message: 'Hết phiên làm việc' })).toThrow(/Hết phiên làm việc/);
    expect(() => fromUploadAnswer({ Status: false })).toThrow(TransferError);
    expect(() => fromUploadAnswer('ok')).toThrow(TransferError);
    expect(vgcaFailure((() => { try { fromUploadAnswer({ Status: 1, Message: 'x' }); } catch (e) { return e; } })())).toMatchObject({ Status: 5 });
  });
});

describe('Decree 30 appearance per VGCA path', () => {
  const now = new Date('2026-12-02T03:04:05Z');
  it('ISO 8601 with +07:00', () => expect(isoVietnamTime(now)).toBe('2026-12-02T10:04:05+07:00'));
  it('copy and appendix: a mark at the top right of page 1, no image, with the ISO time; options valid for the host', () => {
    for (const path of ['SignCopy', 'SignAppendix'] as const) {
      const options = pdfOptionsFor(path, { ...base, DocNumber: '123/BCY' }, a4, now);
      expect(v.safeParse(PdfDocumentOptionsSchema, options).success).toBe(true);
      expect(options.visible?.page).toBe(1);
      expect(options.visible?.signatureImage).toBeUndefined();
      const rect = options.visible!.rect!;
      expect(rect.x + rect.width).toBeCloseTo(595.28 - 28, 1);
      expect(rect.y + rect.height).toBeCloseTo(841.89 - 28, 1);
      expect(options.visible?.lines?.join('\n')).toContain('2026-12-02T10:04:05+07:00');
      expect(options.visible?.lines?.join('\n')).toContain('123/BCY');
    }
  });
  it('issued: reason carries the number and date; approved: the default stamp', () => {
    expect(pdfOptionsFor('SignIssued', { ...base, DocNumber: '79', IssuedDate: '2019-03-12T12:00:00+07:00' }, a4, now).reason).toBe('Ban hành văn bản số 79 ngày 2019-03-12T12:00:00+07:00');
    expect(pdfOptionsFor('SignApproved', base, a4, now)).toEqual({ reason: 'Phê duyệt', visible: {} });
  });
  it('page size from the first MediaBox; A4 when missing or absurd', () => {
    expect(firstPageSize(new TextEncoder().encode('/MediaBox [0 0 842 595]'))).toEqual({ width: 842, height: 595 });
    expect(firstPageSize(new TextEncoder().encode('no box'))).toEqual({ width: 595.28, height: 841.89 });
    expect(firstPageSize(new TextEncoder().encode('/MediaBox [0 0 1 1]'))).toEqual({ width: 595.28, height: 841.89 });
  });
  it('consent description names the kind in Vietnamese and where the file goes, ≤ 200 chars', () => {
    expect(consentDescription('SignIssued', new URL('https://p.vn/vgca/fileupload?x=1'))).toBe('Ký ban hành — tải lên: https://p.vn/vgca/fileupload');
    expect(consentDescription('Comment', new URL(`https://p.vn/${'a'.repeat(300)}`)).length).toBe(200);
  });
});

describe('VNPT-CA frames', () => {
  it('{functionID, funcCallback, args, domain} parses; a callback name that is not an identifier is refused', () => {
    expect(v.safeParse(VnptFrameSchema, { functionID: 7, funcCallback: 'cb1', args: [], domain: 'x' }).success).toBe(true);
    expect(v.safeParse(VnptFrameSchema, { functionID: 7, funcCallback: 'a*b' }).success).toBe(false);
  });
  it('PdfSigner llx/lly/urx/ury/page → a visible rect; SigVisible false → invisible', () => {
    const options = pdfOptionsFromSigner({ page: '2', llx: 100, lly: 50, urx: 300, ury: 120, Signer: 'Nguyễn Văn A', Description: 'Duyệt' });
    expect(options).toEqual({ visible: { page: 2, rect: { x: 100, y: 50, width: 200, height: 70 }, lines: ['Ký bởi: Nguyễn Văn A', 'Duyệt'] }, reason: 'Duyệt' });
    expect(v.safeParse(PdfDocumentOptionsSchema, options).success).toBe(true);
    expect(pdfOptionsFromSigner({ SigVisible: 'false' })).toEqual({ invisible: true });
  });
});
