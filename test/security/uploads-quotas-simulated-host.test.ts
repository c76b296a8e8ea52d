/**
 * Attack class: uploads before consent and temp-disk exhaustion, at the background's level. The host is
 * SIMULATED as far as the native port goes (no browser, no native messaging), but its document requests are
 * served by the REAL DocumentStore on a temp dir, so the host's own bounds (64 open documents, 2 GiB announced)
 * apply as in production.
 *
 *  - an unlisted site ("ask") gets the site question BEFORE anything reaches the host; refused → nothing stored;
 *  - "allow once" counts for that frame only, until its signDocuments ends (signPdf = ONE site question);
 *  - one origin at its quota (bytes or open handles) does not block another origin's upload;
 *  - the background's handle map is bounded per origin (one origin cannot push out another's handles);
 *  - idle uploads are swept on a timer, in the background and in the host store.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDocumentHandlers, type DocumentHandlerDependencies } from '../../extension/background/documents/document-handlers.js';
import { DocumentStore } from '../../native-host/documents/document-store.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import {
  DOCUMENT_IDLE_TTL_MS, DOCUMENT_MAX_BYTES, DOCUMENT_SWEEP_INTERVAL_MS, DOCUMENTS_PER_ORIGIN_MAX_BYTES, DOCUMENTS_PER_ORIGIN_OPEN_MAX,
} from '../../shared/limits.js';
import type { RequestContext } from '../../extension/background/router.js';

const A = 'https://dichvucong.gov.vn';
const B = 'https://thuedientu.gdt.gov.vn';
const EVIL = 'https://unlisted.example';

let root: string;
beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'kyso-sec-uploads-')); });
afterEach(async () => { vi.useRealTimers(); await rm(root, { recursive: true, force: true }); });

/** The native port simulated; host.document* served by a real DocumentStore. Records every request type. */
function hostWithRealStore(store = new DocumentStore({ root })) {
  const calls: string[] = [];
  const host = {
    request: async (type: string, payload: any) => {
      calls.push(type);
      switch (type) {
        case 'host.documentBegin': return { handle: await store.begin(payload.kind, payload.size, payload.sha256), chunkBytes: 786432 };
        case 'host.documentChunk': return store.chunk(payload.handle, payload.index, Buffer.from(payload.data, 'base64'));
        case 'host.documentDiscard': await store.discard(payload.handle); return {};
        case 'host.signDocuments': return { certificate: 'AAAA', chain: [], results: payload.documents.map(() => ({ ok: false, error: { code: 'INVALID_DOCUMENT', message: 'x' } })) };
        default: throw new Error(`unexpected ${type}`);
      }
    },
  };
  return { host: host as never, calls, store };
}

/** A handle-per-begin host with no bounds of its own (to see the background's bounds alone). */
function unboundedHost() {
  let n = 0;
  const host = {
    request: async (type: string) => {
      if (type === 'host.documentBegin') return { handle: `h${String(n++).padStart(23, '0')}`, chunkBytes: 786432 };
      if (type === 'host.documentChunk') return { receivedBytes: 1, complete: true };
      if (type === 'host.documentDiscard') return {};
      throw new Error(`unexpected ${type}`);
    },
  };
  return host as never;
}

const frameOf = () => ({});
const ctx = (origin: string, frame: object = frameOf()): RequestContext => ({ frameOrigin: origin, topOrigin: origin, frame, signal: new AbortController().signal });

async function code(promise: Promise<unknown>): Promise<string> {
  try { await promise; } catch (error) { expect(error).toBeInstanceOf(KysoError); return (error as KysoError).code; }
  return 'resolved';
}

function handlers(host: DocumentHandlerDependencies['host'], extra: Partial<DocumentHandlerDependencies> = {}) {
  const questions: string[][] = [];
  const signConsents: string[][] = [];
  const docs = createDocumentHandlers({
    host,
    decideAccess: async () => ({ kind: 'allow' }) as never,
    consentToSign: async (_op, _context, askOrigins, prepareSign) => { signConsents.push([...askOrigins]); await prepareSign().catch(() => undefined); return undefined; },
    askSite: async (_op, _context, askOrigins) => { questions.push([...askOrigins]); },
    ...extra,
  });
  return { docs, questions, signConsents };
}

describe('uploads before consent (simulated host, real store)', () => {
  it('an unlisted site\'s documentBegin raises the site question first; refused → nothing reached the host, nothing on disk', async () => {
    const { host, calls } = hostWithRealStore();
    const order: string[] = [];
    const { docs } = handlers({ request: (type: string, payload: unknown) => { order.push(type); return (host as any).request(type, payload); } } as never, {
      askSite: async () => { order.push('site question'); throw new KysoError('ORIGIN_BLOCKED'); },
    });
    expect(await code(docs.handlers['kyso.documentBegin']({ kind: 'pdf', size: 10 }, ctx(EVIL), [EVIL]))).toBe('ORIGIN_BLOCKED');
    expect(order).toEqual(['site question']);
    expect(calls).toEqual([]);
    expect(await readdir(root)).toEqual([]);
  });

  it('without a way to ask, an unlisted site\'s upload is refused (ORIGIN_NOT_ALLOWED), never let through', async () => {
    const { host, calls } = hostWithRealStore();
    const docs = createDocumentHandlers({ host, decideAccess: async () => ({ kind: 'allow' }) as never, consentToSign: async () => undefined });
    expect(await code(docs.handlers['kyso.documentBegin']({ kind: 'pdf', size: 10 }, ctx(EVIL), [EVIL]))).toBe('ORIGIN_NOT_ALLOWED');
    expect(calls).toEqual([]);
  });

  it('"allow once" covers that frame\'s uploads and its signDocuments (ONE question), then ends; another frame is asked', async () => {
    const { host } = hostWithRealStore();
    const { docs, questions, signConsents } = handlers(host);
    const frame = frameOf();
    const [one, two] = await Promise.all([ // concurrent begins in one frame: one question
      docs.handlers['kyso.documentBegin']({ kind: 'pdf', size: 1 }, ctx(EVIL, frame), [EVIL]),
      docs.handlers['kyso.documentBegin']({ kind: 'pdf', size: 1 }, ctx(EVIL, frame), [EVIL]),
    ]);
    expect(questions).toEqual([[EVIL]]);
    await docs.handlers['kyso.documentBegin']({ kind: 'xml', size: 1 }, ctx(EVIL, frame), [EVIL]);
    expect(questions).toHaveLength(1);
    // A different frame of the same site (another tab) is asked on its own.
    await docs.handlers['kyso.documentBegin']({ kind: 'pdf', size: 1 }, ctx(EVIL), [EVIL]);
    expect(questions).toHaveLength(2);
    // The batch's signing window does not ask the site question again...
    await code(docs.handlers['kyso.signDocuments']({ documents: [{ kind: 'pdf', handle: one.handle }, { kind: 'pdf', handle: two.handle }] }, ctx(EVIL, frame), [EVIL]));
    expect(signConsents).toEqual([[]]);
    // ...and once it ended, the frame's "allow once" is spent.
    await docs.handlers['kyso.documentBegin']({ kind: 'pdf', size: 1 }, ctx(EVIL, frame), [EVIL]);
    expect(questions).toHaveLength(3);
    // A batch without that grant (a CMS over a digest, never uploaded) keeps its site question in the signing window.
    await code(docs.handlers['kyso.signDocuments']({ documents: [{ kind: 'cms', digest: Buffer.alloc(32).toString('base64') }] }, ctx(EVIL), [EVIL]));
    expect(signConsents[1]).toEqual([EVIL]);
  });
});

describe('fair quotas per origin (simulated host, real store)', () => {
  it('one origin at its byte quota does not block another origin\'s upload', async () => {
    const { host } = hostWithRealStore();
    const { docs } = handlers(host);
    let filled = 0;
    for (;;) {
      const result = await code(docs.handlers['kyso.documentBegin']({ kind: 'pdf', size: DOCUMENT_MAX_BYTES }, ctx(A), []));
      if (result !== 'resolved') { expect(result).toBe('PAYLOAD_TOO_LARGE'); break; }
      if (++filled > 64) throw new Error('no per-origin byte quota');
    }
    expect(filled * DOCUMENT_MAX_BYTES).toBeLessThanOrEqual(DOCUMENTS_PER_ORIGIN_MAX_BYTES);
    expect(await code(docs.handlers['kyso.documentBegin']({ kind: 'pdf', size: DOCUMENT_MAX_BYTES }, ctx(B), []))).toBe('resolved');
  });

  it('one origin at its open-handle quota does not block another origin\'s upload', async () => {
    const { host } = hostWithRealStore();
    const { docs } = handlers(host);
    let opened = 0;
    for (;;) {
      const result = await code(docs.handlers['kyso.documentBegin']({ kind: 'xml', size: 1 }, ctx(A), []));
      if (result !== 'resolved') { expect(result).toBe('TOO_MANY_REQUESTS'); break; }
      if (++opened > 200) throw new Error('no per-origin open-handle quota');
    }
    expect(opened).toBe(DOCUMENTS_PER_ORIGIN_OPEN_MAX);
    expect(await code(docs.handlers['kyso.documentBegin']({ kind: 'xml', size: 1 }, ctx(B), []))).toBe('resolved');
  });

  it('the handle map is bounded per origin: a flood from one origin does not push out another origin\'s handle', async () => {
    const { docs } = handlers(unboundedHost());
    const { handle } = await docs.handlers['kyso.documentBegin']({ kind: 'cms', size: 1 }, ctx(B), []);
    let refused = 0;
    for (let i = 0; i < 300; i++) if (await code(docs.handlers['kyso.documentBegin']({ kind: 'cms', size: 1 }, ctx(A), [])) === 'TOO_MANY_REQUESTS') refused++;
    expect(refused).toBe(300 - DOCUMENTS_PER_ORIGIN_OPEN_MAX);
    expect(await code(docs.handlers['kyso.documentChunk']({ handle, index: 0, data: 'AA==' }, ctx(B), []))).toBe('resolved');
  });

  it('a broken upload (host refused a chunk) frees its share of the quota at once', async () => {
    const { host } = hostWithRealStore();
    const { docs } = handlers(host);
    const handles = [];
    for (let i = 0; i < DOCUMENTS_PER_ORIGIN_OPEN_MAX; i++) handles.push((await docs.handlers['kyso.documentBegin']({ kind: 'xml', size: 5 }, ctx(A), [])).handle);
    expect(await code(docs.handlers['kyso.documentBegin']({ kind: 'xml', size: 5 }, ctx(A), []))).toBe('TOO_MANY_REQUESTS');
    expect(await code(docs.handlers['kyso.documentChunk']({ handle: handles[0]!, index: 0, data: 'AAAAAAAA' }, ctx(A), []))).toBe('BAD_REQUEST'); // 6 bytes > 5 announced
    expect(await code(docs.handlers['kyso.documentBegin']({ kind: 'xml', size: 5 }, ctx(A), []))).toBe('resolved');
  });
});

describe('expired uploads are swept on a timer', () => {
  it('background: idle handles are dropped (and discarded at the host) without any new request, freeing the quota', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const { host, calls } = hostWithRealStore();
    const { docs } = handlers(host);
    for (let i = 0; i < DOCUMENTS_PER_ORIGIN_OPEN_MAX; i++) await docs.handlers['kyso.documentBegin']({ kind: 'xml', size: 1 }, ctx(A), []);
    expect(await code(docs.handlers['kyso.documentBegin']({ kind: 'xml', size: 1 }, ctx(A), []))).toBe('TOO_MANY_REQUESTS');
    await vi.advanceTimersByTimeAsync(DOCUMENT_IDLE_TTL_MS + DOCUMENT_SWEEP_INTERVAL_MS + 1);
    expect(calls.filter((c) => c === 'host.documentDiscard')).toHaveLength(DOCUMENTS_PER_ORIGIN_OPEN_MAX);
    expect(await code(docs.handlers['kyso.documentBegin']({ kind: 'xml', size: 1 }, ctx(A), []))).toBe('resolved');
  });

  it('host store: an idle upload\'s file is deleted by the timer, with no further upload', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const store = new DocumentStore({ root });
    await store.begin('pdf', 10, undefined);
    const files = async () => (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
    expect(await files()).toBe(1);
    await vi.advanceTimersByTimeAsync(DOCUMENT_IDLE_TTL_MS + DOCUMENT_SWEEP_INTERVAL_MS + 1);
    await vi.waitFor(async () => expect(await files()).toBe(0), { timeout: 2000, interval: 20 });
    expect(store.size).toBe(0);
    await store.close();
  });
});
