/**
 * Background document handlers with a simulated host (records what reaches it): uploads and results are bound to
 * the frame origin that made them, and the access policy decides each request as the signing operation it serves.
 */
import { describe, expect, it } from 'vitest';
import { createDocumentHandlers } from '../../extension/background/documents/document-handlers.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { AccessRequest } from '../../extension/background/access/access-policy.js';
import type { PageRequest } from '../../shared/protocol/page-messages.js';

const HANDLE = 'h'.repeat(24);
const A = 'https://dichvucong.gov.vn';
const B = 'https://evil.example';

function simulatedHost() {
  const calls: string[] = [];
  const host = {
    request: async (type: string, _payload: unknown) => {
      calls.push(type);
      if (type === 'host.documentBegin') return { handle: HANDLE, chunkBytes: 786432 };
      if (type === 'host.documentChunk') return { receivedBytes: 1, complete: true };
      if (type === 'host.documentRead') return { data: 'AA==', eof: true };
      throw new Error(`unexpected ${type}`);
    },
  };
  return { host: host as never, calls };
}

const context = (origin: string) => ({ frameOrigin: origin, topOrigin: origin, signal: new AbortController().signal });

async function code(promise: Promise<unknown>): Promise<string> {
  try { await promise; } catch (error) { expect(error).toBeInstanceOf(KysoError); return (error as KysoError).code; }
  return 'resolved';
}

describe('document handlers (simulated host)', () => {
  it("another site cannot add chunks to or read a document it did not upload; nothing reaches the host", async () => {
    const { host, calls } = simulatedHost();
    const docs = createDocumentHandlers({ host, decideAccess: async () => ({ kind: 'allow' }) as never, consentToSign: async () => undefined });
    const { handle } = await docs.handlers['kyso.documentBegin']({ kind: 'pdf', size: 1 }, context(A), []);
    expect(await code(docs.handlers['kyso.documentChunk']({ handle, index: 0, data: 'AA==' }, context(B), []))).toBe('BAD_REQUEST');
    expect(await code(docs.handlers['kyso.documentRead']({ handle, offset: 0 }, context(B), []))).toBe('BAD_REQUEST');
    expect(calls).toEqual(['host.documentBegin']);
    await docs.handlers['kyso.documentChunk']({ handle, index: 0, data: 'AA==' }, context(A), []);
    expect(calls).toEqual(['host.documentBegin', 'host.documentChunk']);
  });

  it('uploads and batches are decided as signPdf / signXml / signCms; a batch with a refused kind is refused before any consent', async () => {
    const { host } = simulatedHost();
    const asked: string[] = [];
    let consents = 0;
    const docs = createDocumentHandlers({
      host,
      decideAccess: async (r: AccessRequest) => {
        asked.push(r.operation as string);
        return ((r.operation as string) === 'kyso.signXml' ? { kind: 'deny', code: 'OPERATION_NOT_ALLOWED' } : { kind: 'allow' }) as never;
      },
      consentToSign: async () => { consents++; return undefined; },
    });
    const begin = { v: 1, id: 'r1', type: 'kyso.documentBegin', payload: { kind: 'xml', size: 1 } } as PageRequest;
    expect(docs.accessOperation(begin)).toBe('kyso.signXml');
    const { handle } = await docs.handlers['kyso.documentBegin']({ kind: 'pdf', size: 1 }, context(A), []);
    expect(docs.accessOperation({ v: 1, id: 'r2', type: 'kyso.documentChunk', payload: { handle, index: 0, data: '' } } as PageRequest)).toBe('kyso.signPdf');
    const batch = { documents: [{ kind: 'pdf' as const, handle }, { kind: 'xml' as const, handle }] };
    expect(docs.accessOperation({ v: 1, id: 'r3', type: 'kyso.signDocuments', payload: batch } as PageRequest)).toBe('kyso.signPdf');
    expect(await code(docs.handlers['kyso.signDocuments'](batch, context(A), []))).toBe('OPERATION_NOT_ALLOWED');
    expect(asked).toEqual(['kyso.signPdf', 'kyso.signXml']);
    expect(consents).toBe(0);
  });
});

describe('chunk order (simulated host)', () => {
  it('chunks that overtake each other on the way are forwarded to the host in index order', async () => {
    const sent: number[] = [];
    const host = {
      request: async (type: string, payload: { index?: number }) => {
        if (type === 'host.documentBegin') return { handle: HANDLE, chunkBytes: 786432 };
        sent.push(payload.index!);
        return { receivedBytes: 0, complete: false };
      },
    };
    const docs = createDocumentHandlers({ host: host as never, decideAccess: async () => ({ kind: 'allow' }) as never, consentToSign: async () => undefined });
    const { handle } = await docs.handlers['kyso.documentBegin']({ kind: 'cms', size: 10 }, context(A), []);
    const chunk = (index: number) => docs.handlers['kyso.documentChunk']({ handle, index, data: 'AA==' }, context(A), []);
    await Promise.all([chunk(2), chunk(1), chunk(0), chunk(3)]);
    expect(sent).toEqual([0, 1, 2, 3]);
    // A gap that can never close (more than the page may have pending) is refused at once.
    expect(await code(chunk(4 + 9))).toBe('BAD_REQUEST');
  });
});
