/**
 * The document transfer's codecs and the SDK's pipelined download, over a real DocumentStore (temp root per test):
 * the SDK (createDocumentClient) talks to a page-level `call` that does what the extension + host do with the
 * store — upload chunks, "sign" (the result is a copy of the upload, adopted as a result), reads that delete the
 * result at its end. Rules checked: the codecs stay strict (Buffer alone would accept whitespace), the last piece
 * of a result is read alone after the others (the host deletes a result read to its end), and a piece that is
 * short, long or says eof early is refused.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { DocumentStore } from '../../native-host/documents/document-store.js';
import { decodeChunk as hostDecode, encodeChunk as hostEncode } from '../../native-host/documents/chunk-base64.js';
import { decodeChunk as pageDecode, encodeChunk as pageEncode } from '../../sdk/document-base64.js';
import { createDocumentClient } from '../../sdk/documents.js';
import type { Call } from '../../sdk/transport.js';
import { bytesToBase64 } from '../../shared/domain/base64.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { DOCUMENT_READ_CHUNK_BYTES } from '../../shared/limits.js';

let root: string;
beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'kyso-transfer-unit-')); });

const code = (fn: () => unknown) => { try { fn(); return 'ok'; } catch (e) { return e instanceof KysoError ? e.code : String(e); } };

describe('chunk codecs', () => {
  it('encode like the shared codec and decode back, every length mod 3', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 1000, 100_001]) {
      const bytes = new Uint8Array(randomBytes(n));
      expect(hostEncode(bytes)).toBe(bytesToBase64(bytes));
      expect(pageEncode(bytes)).toBe(bytesToBase64(bytes));
      expect(hostDecode(bytesToBase64(bytes))).toEqual(bytes);
      expect(pageDecode(bytesToBase64(bytes))).toEqual(bytes);
    }
  });
  it('refuse what strict base64 refuses, though Buffer would decode it', () => {
    for (const bad of ['QUJD\nREVG', 'QUJD REVG', 'QUJDRA', 'QUJD*REVG', 'QQ===', 'QU=D', 'QUJD-_==']) {
      expect(Buffer.from(bad, 'base64').length).toBeGreaterThan(0);
      expect(code(() => hostDecode(bad))).toBe('BAD_REQUEST');
      expect(code(() => pageDecode(bad))).toBe('PROTOCOL_ERROR');
    }
  });
});

type Tamper = (offset: number, reply: { data: string; eof: boolean }) => { data: string; eof: boolean };

/** The extension + host, reduced to what the SDK's document calls do to a real store. */
function storeCall(store: DocumentStore, tamper: Tamper = (_o, r) => r) {
  const seen = { inFlight: 0, maxInFlight: 0, lastReadWithOthers: false };
  const sizes = new Map<string, number>();
  const call = (async (type: string, payload: any) => {
    switch (type) {
      case 'kyso.documentBegin': return { handle: await store.begin(payload.kind, payload.size, undefined), chunkBytes: 768 * 1024 };
      case 'kyso.documentChunk': return store.chunk(payload.handle, payload.index, hostDecode(payload.data));
      case 'kyso.signDocuments': {
        const results = [];
        for (const item of payload.documents) {
          const input = store.complete(item.handle);
          const out = store.resultPath();
          await copyFile(input.path, out);
          await store.discard(item.handle);
          const r = await store.adoptResult(item.kind, out);
          sizes.set(r.handle, r.size);
          results.push({ ok: true, handle: r.handle, size: r.size, sha256: r.sha256 });
        }
        return { certificate: 'AA==', chain: [], results };
      }
      case 'kyso.documentRead': {
        const isLast = payload.offset + DOCUMENT_READ_CHUNK_BYTES >= sizes.get(payload.handle)!;
        if (isLast && seen.inFlight > 0) seen.lastReadWithOthers = true;
        seen.inFlight++;
        seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
        try {
          await new Promise((r) => setTimeout(r, 2)); // let concurrent reads overlap as they do across the relay
          const { data, eof } = await store.read(payload.handle, payload.offset);
          return tamper(payload.offset, { data: hostEncode(data), eof });
        } finally { seen.inFlight--; }
      }
      default: throw new Error(`unexpected ${type}`);
    }
  }) as unknown as Call;
  return { call, seen };
}

describe('SDK download of a signed result', () => {
  it('reads pieces concurrently, the last one alone after them, and returns the exact bytes', async () => {
    const store = new DocumentStore({ root });
    const input = new Uint8Array(randomBytes(5 * DOCUMENT_READ_CHUNK_BYTES + 12345));
    const { call, seen } = storeCall(store);
    const { document } = await createDocumentClient(call).signPdf({ document: input });
    expect(Buffer.from(document).equals(Buffer.from(input))).toBe(true);
    expect(seen.maxInFlight).toBeGreaterThan(1);
    expect(seen.lastReadWithOthers).toBe(false);
    expect(store.size).toBe(0); // the result was deleted once read to its end
    await store.close();
  });
  it('an empty result is one read', async () => {
    const store = new DocumentStore({ root });
    const { call } = storeCall(store);
    expect((await createDocumentClient(call).signPdf({ document: new Uint8Array() })).document.length).toBe(0);
    await store.close();
  });
  for (const [name, tamper] of [
    ['a middle piece that says eof', (o: number, r: { data: string; eof: boolean }) => (o === DOCUMENT_READ_CHUNK_BYTES ? { ...r, eof: true } : r)],
    ['a short middle piece', (o: number, r: { data: string; eof: boolean }) => (o === DOCUMENT_READ_CHUNK_BYTES ? { ...r, data: r.data.slice(0, 4000) } : r)],
    ['a long last piece', (o: number, r: { data: string; eof: boolean }) => (r.eof ? { ...r, data: `${r.data}AAAA` } : r)],
    ['a last piece without eof', (_o: number, r: { data: string; eof: boolean }) => ({ ...r, eof: false })],
  ] as const) {
    it(`refuses ${name} (PROTOCOL_ERROR)`, async () => {
      const store = new DocumentStore({ root });
      const { call } = storeCall(store, tamper);
      const error = await createDocumentClient(call).signPdf({ document: new Uint8Array(randomBytes(3 * DOCUMENT_READ_CHUNK_BYTES + 7)) }).catch((e) => e);
      expect(error).toBeInstanceOf(KysoError);
      expect(error.code).toBe('PROTOCOL_ERROR');
      await store.close();
    });
  }
});
