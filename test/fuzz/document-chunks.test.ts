/**
 * Fuzz: chunked uploads into the DocumentStore (native-host/documents/document-store.ts) with a real temp dir:
 * random sizes (empty, tiny, around the chunk size), announced SHA-256 right / wrong / absent, and chunk
 * sequences in order, duplicated, skipped, reordered, resized, or for an unknown handle — fired without waiting,
 * as the dispatcher does. Properties: every refusal is a typed KysoError; a document is complete only after the
 * exact sequence, and then its file holds exactly the bytes sent with the right SHA-256; nothing else completes.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { DocumentStore } from '../../native-host/documents/document-store.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { DOCUMENT_CHUNK_BYTES as CHUNK } from '../../shared/limits.js';
import { expectTypedRejection, fuzz } from './fuzz-harness.js';

const store = new DocumentStore({ root: mkdtempSync(join(tmpdir(), 'kyso-fuzz-chunks-')) });
afterAll(async () => { await store.close(); });

const CODES = ['BAD_REQUEST', 'INVALID_DOCUMENT', 'PAYLOAD_TOO_LARGE'];
const size = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 3000 }) }, { weight: 1, arbitrary: fc.constantFrom(CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 17) });
/** What the sender does at each step; 'next' is the honest chunk. */
const step = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'next' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'again' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: -1, max: 5 }).map((skip) => ({ kind: 'jump' as const, skip })) },
  { weight: 1, arbitrary: fc.integer({ min: -3, max: 3 }).filter((d) => d !== 0).map((delta) => ({ kind: 'resize' as const, delta })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'foreign' as const }) },
);

describe('fuzz: chunked document upload', () => {
  it('random chunk sequences: typed refusals only; complete only with exactly the bytes sent', async () => {
    await fuzz('document-chunks', fc.record({ size, fill: fc.nat({ max: 255 }), sha: fc.constantFrom('right', 'wrong', 'none'), steps: fc.array(step, { maxLength: 8 }) }), async ({ size: n, fill, sha, steps }) => {
      const data = Buffer.alloc(n);
      for (let i = 0; i < n; i++) data[i] = (fill + i * 31) & 0xff;
      const digest = createHash('sha256').update(data).digest('hex');
      const announced = sha === 'right' ? digest : sha === 'wrong' ? createHash('sha256').update('x').digest('hex') : undefined;
      let handle: string | undefined;
      await expectTypedRejection(async () => { handle = await store.begin('pdf', n, announced); }, CODES);
      if (handle === undefined) return;
      try {
        const chunks = Array.from({ length: Math.ceil(n / CHUNK) }, (_, i) => data.subarray(i * CHUNK, (i + 1) * CHUNK));
        let next = 0;
        const sent: Array<{ target: string; index: number; bytes: Buffer }> = [];
        const pending: Promise<unknown>[] = [];
        for (const s of steps) {
          let index = next;
          let bytes = chunks[next] ?? Buffer.from([1]);
          let target = handle;
          if (s.kind === 'next') next++;
          else {
            if (s.kind === 'again') index = Math.max(0, next - 1);
            else if (s.kind === 'jump') index = next + s.skip;
            else if (s.kind === 'resize') bytes = Buffer.alloc(Math.max(0, bytes.length + s.delta), 7);
            else target = 'no-such-handle';
            if (s.kind === 'again' || s.kind === 'jump') bytes = chunks[index] ?? bytes;
          }
          sent.push({ target, index, bytes });
          pending.push(expectTypedRejection(() => store.chunk(target, index, bytes), CODES));
        }
        await Promise.all(pending);
        let completed = false;
        await expectTypedRejection(async () => {
          const doc = store.complete(handle!);
          completed = true;
          const written = await readFile(doc.path);
          if (!written.equals(data)) throw new Error('a completed document does not hold exactly the bytes sent');
          if (doc.sha256 !== digest) throw new Error('a completed document has the wrong SHA-256');
        }, CODES);
        // What completes: the document's own first chunks are 0, 1, … in order, each exact, nothing in between
        // (chunks for another handle do not touch it). A surplus chunk after the last one either fails the upload
        // (still being written) or is refused (already complete): both are safe, so either outcome is accepted.
        const all = sent.filter((c) => c.target === handle);
        const own = all.slice(0, chunks.length);
        const exact = own.length === chunks.length && own.every((c, i) => c.index === i && c.bytes.equals(chunks[i]!));
        if (completed && !(sha !== 'wrong' && exact)) throw new Error('a document completed without the exact chunk sequence');
        if (!completed && sha !== 'wrong' && exact && all.length === chunks.length) throw new Error('the exact chunk sequence did not complete');
      } finally {
        await store.discard(handle).catch((e: unknown) => { if (!(e instanceof KysoError)) throw e; });
      }
    });
  });
});
