/**
 * DocumentStore on the real file system (a temp root per test): ordering and size rules of chunked uploads,
 * file modes, deletion after use, idle expiry, the total bound, orphan dirs of crashed hosts; the XML summary.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { DocumentStore } from '../../native-host/documents/document-store.js';
import { summarizeXml } from '../../native-host/documents/xml-summary.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { DOCUMENT_CHUNK_BYTES, DOCUMENT_IDLE_TTL_MS, DOCUMENT_MAX_BYTES, DOCUMENT_READ_CHUNK_BYTES } from '../../shared/limits.js';

let root: string;
beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'kyso-store-unit-')); });

async function code(promise: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(KysoError);
    return (error as KysoError).code;
  }
  return 'resolved';
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('DocumentStore', () => {
  it('stores chunks in order in a 0600 file inside a 0700 dir; the SHA-256 is checked; read returns the bytes', async () => {
    const store = new DocumentStore({ root });
    const bytes = new Uint8Array(randomBytes(DOCUMENT_CHUNK_BYTES * 2 + 5));
    const handle = await store.begin('pdf', bytes.length, createHash('sha256').update(bytes).digest('hex'));
    const replies = await Promise.all([0, 1, 2].map((i) => store.chunk(handle, i, bytes.subarray(i * DOCUMENT_CHUNK_BYTES, (i + 1) * DOCUMENT_CHUNK_BYTES))));
    expect(replies.map((r) => r.complete)).toEqual([false, false, true]);
    const doc = store.complete(handle);
    expect((await stat(doc.path)).mode & 0o777).toBe(0o600);
    expect((await stat(store.directory)).mode & 0o777).toBe(0o700);
    expect(Buffer.compare(await readFile(doc.path), bytes)).toBe(0);
    const first = await store.read(handle, 0);
    expect(first.data.length).toBe(DOCUMENT_READ_CHUNK_BYTES);
    expect(first.eof).toBe(false);
    await store.close();
    // Only the (empty) per-user dir stays: other hosts of this user may be using it.
    expect(await readdir(root)).toEqual([`kyso-${process.getuid!()}`]);
    expect(await filesUnder(root)).toEqual([]);
  });

  it('refuses a chunk out of order, a repeated chunk, a short middle chunk, an oversized chunk; the upload is dropped', async () => {
    const store = new DocumentStore({ root });
    const size = DOCUMENT_CHUNK_BYTES * 3;
    const chunk = new Uint8Array(DOCUMENT_CHUNK_BYTES);
    const a = await store.begin('cms', size, undefined);
    expect(await code(store.chunk(a, 1, chunk))).toBe('BAD_REQUEST');
    expect(await code(store.chunk(a, 0, chunk))).toBe('BAD_REQUEST'); // dropped: even the right chunk is refused now
    const b = await store.begin('cms', size, undefined);
    await store.chunk(b, 0, chunk);
    expect(await code(store.chunk(b, 0, chunk))).toBe('BAD_REQUEST');
    const c = await store.begin('cms', size, undefined);
    expect(await code(store.chunk(c, 0, chunk.subarray(1)))).toBe('BAD_REQUEST');
    const d = await store.begin('cms', 10, undefined);
    expect(await code(store.chunk(d, 0, new Uint8Array(11)))).toBe('BAD_REQUEST');
    await new Promise((r) => setTimeout(r, 50));
    expect(await filesUnder(root)).toEqual([]);
    expect(store.size).toBe(0);
  });

  it('an announced SHA-256 that differs → INVALID_DOCUMENT; incomplete uploads cannot be used', async () => {
    const store = new DocumentStore({ root });
    const h = await store.begin('xml', 3, '0'.repeat(64));
    expect(await code(store.chunk(h, 0, new Uint8Array([1, 2, 3])))).toBe('INVALID_DOCUMENT');
    const i = await store.begin('xml', DOCUMENT_CHUNK_BYTES + 1, undefined);
    await store.chunk(i, 0, new Uint8Array(DOCUMENT_CHUNK_BYTES));
    expect(await code(() => store.complete(i))).toBe('BAD_REQUEST');
    expect(await code(() => store.complete('no-such-handle-000000'))).toBe('BAD_REQUEST');
    await store.close();
  });

  it('bounds what one session holds: document size, total bytes, idle documents expire', async () => {
    let now = 1_000_000;
    const store = new DocumentStore({ root, now: () => now });
    expect(await code(store.begin('pdf', DOCUMENT_MAX_BYTES + 1, undefined))).toBe('PAYLOAD_TOO_LARGE');
    for (let i = 0; i < 4; i++) await store.begin('pdf', DOCUMENT_MAX_BYTES, undefined); // announced, not written
    expect(await code(store.begin('pdf', 1, undefined))).toBe('PAYLOAD_TOO_LARGE');
    now += DOCUMENT_IDLE_TTL_MS + 1;
    await store.begin('pdf', 1, undefined); // the idle four were deleted first
    expect(store.size).toBe(1);
    expect(await filesUnder(root)).toHaveLength(1);
    await store.close();
  });

  it('a signed result read to its end is deleted', async () => {
    const store = new DocumentStore({ root });
    const path = store.resultPath();
    await (await import('node:fs/promises')).writeFile(path, randomBytes(DOCUMENT_READ_CHUNK_BYTES + 10));
    const { handle, size } = await store.adoptResult('pdf', path);
    expect(size).toBe(DOCUMENT_READ_CHUNK_BYTES + 10);
    expect((await store.read(handle, 0)).eof).toBe(false);
    const last = await store.read(handle, DOCUMENT_READ_CHUNK_BYTES);
    expect(last).toMatchObject({ eof: true });
    expect(last.data.length).toBe(10);
    expect(await filesUnder(root)).toEqual([]);
    expect(await code(store.read(handle, 0))).toBe('BAD_REQUEST');
    await store.close();
  });

  it('removes the private dirs of hosts that are gone (crash), keeps those of running ones', async () => {
    const userDir = join(root, `kyso-${process.getuid!()}`);
    await mkdir(join(userDir, 'docs-2147483646-abcdef'), { recursive: true, mode: 0o700 });
    await mkdir(join(userDir, `docs-${process.ppid}-keepme`));
    const store = new DocumentStore({ root });
    void store.directory;
    const names = await readdir(userDir);
    expect(names).not.toContain('docs-2147483646-abcdef');
    expect(names).toContain(`docs-${process.ppid}-keepme`);
    await store.close();
  });
});

describe('XML summary for the consent window', () => {
  it('a Thông tư 78 e-invoice: number, series, seller and buyer with tax codes, total', async () => {
    const summary = summarizeXml(new Uint8Array(await readFile(resolve(import.meta.dirname, '../fixtures/xml/einvoice-tt78.xml'))));
    expect(summary.root).toBe('HDon');
    expect(summary.invoice).toEqual({
      number: '123', series: '1C26TKY', date: '2026-11-25', currency: 'VND',
      seller: 'Công ty TNHH Kyso Thử Nghiệm', sellerTaxCode: '0101234567',
      buyer: 'Công ty Cổ phần Mua Hàng & Dịch Vụ', buyerTaxCode: '0309876543', total: '1100000',
    });
  });

  it('another document: the first leaf elements with their text; a DTD is refused as when signing', () => {
    const summary = summarizeXml(new TextEncoder().encode('<ToKhai><MaSoThue>0101234567</MaSoThue><Ky><Thang>10</Thang><Nam>2026</Nam></Ky><Trong/></ToKhai>'));
    expect(summary.invoice).toBeUndefined();
    expect(summary.fields).toEqual([
      { name: 'ToKhai/MaSoThue', text: '0101234567' }, { name: 'ToKhai/Ky/Thang', text: '10' }, { name: 'ToKhai/Ky/Nam', text: '2026' },
    ]);
    expect(() => summarizeXml(new TextEncoder().encode('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'))).toThrow(KysoError);
  });
});
