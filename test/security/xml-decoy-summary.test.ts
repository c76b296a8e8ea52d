/**
 * Decoy summaries: the consent window shows what the host's XML summary says (`host.documentInfo`). An attacker
 * (a hostile or compromised portal) puts a decoy invoice — another number, seller and total — outside the element
 * that will be signed (`ref: 'data'`), or a second copy inside it. The person must see the values that get
 * signed, be told when only part of the file is signed and which part, and a document whose signed part holds the
 * summarised elements twice is refused.
 *
 * Through the BUILT host over native messaging (the path the extension takes).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestHost, spawnHost, type BuiltHost, type HostFrame, type HostProcess } from '../helpers/host-process.js';
import { DOCUMENT_CHUNK_BYTES } from '../../shared/limits.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/xml');
let built: BuiltHost;
let invoice: string;
let host: HostProcess | undefined;

/** A decoy invoice the window would show if it read the first TTChung/NDHDon/TToan in the file. */
const DECOY = '<Preview><TTChung><KHMSHDon>1</KHMSHDon><KHHDon>C26TKY</KHHDon><SHDon>999</SHDon><NLap>2026-11-25</NLap><DVTTe>VND</DVTTe></TTChung>' +
  '<NDHDon><NBan><Ten>Công ty Giả Mạo</Ten><MST>0100000001</MST></NBan><NMua><Ten>Người mua giả</Ten><MST>0300000001</MST></NMua>' +
  '<TToan><TgTTTBSo>1000</TgTTTBSo></TToan></NDHDon></Preview>';

beforeAll(async () => {
  built = await buildTestHost();
  invoice = await readFile(join(FIXTURES, 'einvoice-tt78.xml'), 'utf8');
}, 120_000);

afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function describeUpload(text: string, ref?: string): Promise<HostFrame> {
  host = spawnHost(built.hostPath);
  const bytes = Buffer.from(text, 'utf8');
  const begin = await host.request('host.documentBegin', { kind: 'xml', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  expect(begin.type).toBe('host.result');
  const handle = begin.payload.handle as string;
  for (let index = 0, offset = 0; offset < bytes.length; index++, offset += DOCUMENT_CHUNK_BYTES) {
    const chunk = await host.request('host.documentChunk', { handle, index, data: bytes.subarray(offset, offset + DOCUMENT_CHUNK_BYTES).toString('base64') });
    expect(chunk.type).toBe('host.result');
  }
  return host.request('host.documentInfo', { handle, ...(ref !== undefined ? { ref } : {}) });
}

describe('the summary shows what will be signed', () => {
  it.each([
    ['before', (t: string) => t.replace('<HDon>', `<HDon>${DECOY}`)],
    ['after', (t: string) => t.replace('</HDon>', `${DECOY}</HDon>`)],
  ])('a decoy <Preview> %s the signed #data: the summary shows the signed values and says only /HDon/DLHDon is signed', async (_where, build) => {
    const reply = await describeUpload(build(invoice), 'data');
    expect(reply.type).toBe('host.result');
    expect(reply.payload.xml.invoice).toMatchObject({ number: '123', seller: 'Công ty TNHH Kyso Thử Nghiệm', sellerTaxCode: '0101234567', total: '1100000' });
    expect(JSON.stringify(reply.payload.xml)).not.toContain('Giả Mạo');
    expect(reply.payload.xml.signedPart).toEqual({ wholeDocument: false, path: '/HDon/DLHDon' });
  }, 60_000);

  it('the untouched invoice signed whole: the summary says the whole file is signed', async () => {
    const reply = await describeUpload(invoice);
    expect(reply.type).toBe('host.result');
    expect(reply.payload.xml.invoice).toMatchObject({ number: '123', total: '1100000' });
    expect(reply.payload.xml.signedPart).toEqual({ wholeDocument: true, path: '/' });
  }, 60_000);

  it('generic fields are taken from the signed part only', async () => {
    const reply = await describeUpload('<GiayTo><Nhap><SoTien>1</SoTien></Nhap><NoiDung Id="nd"><SoTien>500000</SoTien></NoiDung></GiayTo>', 'nd');
    expect(reply.type).toBe('host.result');
    expect(reply.payload.xml.fields).toEqual([{ name: 'NoiDung/SoTien', text: '500000' }]);
    expect(reply.payload.xml.signedPart).toEqual({ wholeDocument: false, path: '/GiayTo/NoiDung' });
  }, 60_000);
});

describe('ambiguous documents are refused', () => {
  it.each([
    ['the decoy with the whole document signed (two TTChung in what is signed)', (t: string) => t.replace('<HDon>', `<HDon>${DECOY}`), undefined],
    ['the decoy inside the signed #data', (t: string) => t.replace('<DLHDon Id="data">', `<DLHDon Id="data">${DECOY}`), 'data'],
    ['a second TToan inside NDHDon', (t: string) => t.replace('</NDHDon>', '<TToan><TgTTTBSo>1000</TgTTTBSo></TToan></NDHDon>'), 'data'],
    ['a second NDHDon nested in TTChung', (t: string) => t.replace('</TTChung>', '<Them><NDHDon><NBan><Ten>Giả</Ten></NBan></NDHDon></Them></TTChung>'), 'data'],
  ])('%s: XML_AMBIGUOUS_CONTENT, in Vietnamese and English', async (_label, build, ref) => {
    const reply = await describeUpload(build(invoice), ref);
    expect(reply.type).toBe('host.error');
    expect(reply.error.code).toBe('XML_AMBIGUOUS_CONTENT');
    expect(reply.error.message).toContain('TTChung');
    expect(reply.error.messageEn).toContain('TTChung');
  }, 60_000);

  it('a ref no element carries: BAD_REQUEST; a ref two elements carry: INVALID_DOCUMENT', async () => {
    const missing = await describeUpload(invoice, 'khongco');
    expect(missing.type).toBe('host.error');
    expect(missing.error.code).toBe('BAD_REQUEST');
    await host?.close();
    const twice = await describeUpload(invoice.replace('</HDon>', `${DECOY.replace('<Preview>', '<Preview Id="data">')}</HDon>`), 'data');
    expect(twice.type).toBe('host.error');
    expect(twice.error.code).toBe('INVALID_DOCUMENT');
  }, 60_000);
});
