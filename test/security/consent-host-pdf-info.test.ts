/**
 * The consent window's part of issue 9 §1, background side: what the host says about a PDF (pages, content that
 * can change after signing, where the stamp really goes) reaches the window unchanged, and an answer that does
 * not fit is refused rather than shown without its warnings. Simulated host (a fake recording requests); the
 * real host's answer and the window's drawing of it are guarded in consent-preview.test.ts and
 * pdf-hidden-content.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { describeForConsent } from '../../extension/background/documents/document-handlers.js';
import { HOST_OPERATIONS } from '../../shared/protocol/host-messages.js';
import { ConsentDocumentSchema, type ConsentDocument } from '../../extension/background/documents/consent-documents.js';

const HANDLE = 'h'.repeat(24);
const ORIGIN = 'https://dichvucong.gov.vn';
const SHA = 'a'.repeat(64);
const WARNING = { code: 'PDF_JAVASCRIPT', vi: 'Tệp có mã JavaScript chạy khi mở', en: 'The file has JavaScript that runs when opened' };
const STAMP = { page: 3, rect: { x: 300, y: 200, width: 220, height: 70 }, pageSize: { width: 595.28, height: 841.89 }, rotation: 0 as const };

const sentToHost: unknown[] = [];

async function consentDocuments(pdfAnswer: unknown, options: Record<string, unknown>): Promise<readonly ConsentDocument[]> {
  const host = {
    request: async (type: string, payload: unknown) => {
      sentToHost.push(payload);
      if (type === 'host.documentInfo') return { kind: 'pdf', size: 1000, sha256: SHA, ...(pdfAnswer === undefined ? {} : { pdf: pdfAnswer }) };
      throw new Error(`unexpected ${type}`);
    },
  };
  const doc = await describeForConsent(host as never, { kind: 'pdf', handle: HANDLE, options } as never, new AbortController().signal);
  expect(v.safeParse(ConsentDocumentSchema, doc).success).toBe(true);
  return [doc];
}

describe('the host\'s PDF answer reaches the consent window (simulated host)', () => {
  it('page count, warnings and the stamp as placed by the host (anchor resolved) are carried as given', async () => {
    const [doc] = await consentDocuments({ pageCount: 3, warnings: [WARNING], stamp: STAMP }, { visible: { anchor: { text: 'GIÁM ĐỐC' } } });
    expect(doc!.pdf).toMatchObject({ pageCount: 3, warnings: [WARNING], stamp: STAMP, anchorText: 'GIÁM ĐỐC', invisible: false });
  });

  it('an invisible signature carries no stamp even if one were reported', async () => {
    const [doc] = await consentDocuments({ pageCount: 3, warnings: [], stamp: STAMP }, { invisible: true });
    expect(doc!.pdf?.stamp).toBeUndefined();
    expect(doc!.pdf?.pageCount).toBe(3);
  });

  it('an older host (no pdf answer) still works', async () => {
    const [doc] = await consentDocuments(undefined, { visible: { page: 2 } });
    expect(doc!.pdf).toMatchObject({ page: 2, invisible: false });
    expect(doc!.pdf?.stamp).toBeUndefined();
  });

  it('a pdf answer that does not fit the schema is refused, not shown without its warnings', () => {
    // The host client checks every reply against the operation's result schema and turns a misfit into
    // PROTOCOL_ERROR (router-host-client.test.ts): a warning without its text never reaches the window.
    const result = HOST_OPERATIONS['host.documentInfo'].result;
    expect(v.safeParse(result, { kind: 'pdf', size: 1000, sha256: SHA, pdf: { pageCount: 3, warnings: [{ code: 'X' }] } }).success).toBe(false);
    expect(v.safeParse(result, { kind: 'pdf', size: 1000, sha256: SHA, pdf: { pageCount: 3, warnings: [WARNING] } }).success).toBe(true);
  });

  it('the placement the PDF will be signed with is sent to the host, so the box shown is the box signed', async () => {
    sentToHost.length = 0;
    await consentDocuments({ pageCount: 3, warnings: [] }, { visible: { anchor: { text: 'Người ký' } } });
    expect(sentToHost[0]).toMatchObject({ handle: HANDLE, placement: { visible: { anchor: { text: 'Người ký' } } } });
  });

  it('why the host could not describe a PDF reaches the window with the document', async () => {
    const error = { code: 'INVALID_DOCUMENT', message: 'Tệp PDF bị hỏng.', messageEn: 'The PDF is damaged.' };
    const host = { request: async () => ({ kind: 'pdf', size: 10, sha256: SHA, pdfError: error }) };
    const doc = await describeForConsent(host as never, { kind: 'pdf', handle: HANDLE } as never, new AbortController().signal);
    expect(doc.error).toEqual(error);
    expect(v.safeParse(ConsentDocumentSchema, doc).success).toBe(true);
  });
});
