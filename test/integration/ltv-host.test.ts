/**
 * Issue 16 §2 through the native host (what the SDK's `level` option reaches): host.signDocuments with
 * `{ level: 'B-LTA', tsaUrl }` returns a PDF that `kyso verify` finds valid at level B-LTA; a level the shared
 * schema refuses (B-LT without a TSA, an unknown level) is BAD_REQUEST before the PIN is tried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildTestHost, spawnHost, type HostProcess } from '../helpers/host-process.js';
import { createLtvEnvironment, type LtvEnvironment } from '../helpers/ltv-environment.js';
import { runKyso } from '../helpers/kyso-cli.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { DOCUMENT_CHUNK_BYTES } from '../../shared/limits.js';

let ltv: LtvEnvironment;
let host: HostProcess;
let certificateId: string;

beforeAll(async () => {
  ltv = await createLtvEnvironment('Kyso Host LTV');
  host = spawnHost((await buildTestHost()).hostPath, { env: ltv.env });
  certificateId = createHash('sha256').update(ltv.leaf.certDer).digest('base64url');
}, 120_000);

afterAll(async () => {
  await host?.close();
  await ltv?.dispose();
});

async function ok(type: string, payload: unknown): Promise<any> {
  const reply = await host.request(type, payload);
  if (reply.type !== 'host.result') throw new Error(`${type}: ${JSON.stringify(reply.error)}`);
  return reply.payload;
}

async function upload(bytes: Uint8Array): Promise<string> {
  const { handle } = await ok('host.documentBegin', { kind: 'pdf', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  for (let index = 0, offset = 0; offset < bytes.length; index++, offset += DOCUMENT_CHUNK_BYTES) {
    await ok('host.documentChunk', { handle, index, data: Buffer.from(bytes.subarray(offset, offset + DOCUMENT_CHUNK_BYTES)).toString('base64') });
  }
  return handle as string;
}

async function readAll(handle: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let offset = 0; ;) {
    const { data, eof } = await ok('host.documentRead', { handle, offset });
    const bytes = Buffer.from(data, 'base64');
    parts.push(bytes);
    offset += bytes.length;
    if (eof) return Buffer.concat(parts);
  }
}

describe('host.signDocuments with a PAdES level', () => {
  it('level B-LTA with tsaUrl: the result verifies valid at level B-LTA', async () => {
    const handle = await upload(await makeVietnameseDocument(1));
    const signed = await ok('host.signDocuments', {
      certificateId, pin: ltv.pin, documents: [{ kind: 'pdf', handle, options: { invisible: true, tsaUrl: ltv.tsa.url, level: 'B-LTA' } }],
    });
    expect(signed.results[0].ok, JSON.stringify(signed.results[0])).toBe(true);
    const path = join(ltv.dir, 'host-lta.pdf');
    await writeFile(path, await readAll(signed.results[0].handle));
    const r = await runKyso(['verify', path, '--json'], { env: ltv.env, timeoutMs: 60_000 });
    const report = JSON.parse(r.stdout) as { status: string; signatures: Array<{ level?: string }> };
    expect(report.status, r.stdout).toBe('valid');
    expect(report.signatures[0]!.level).toBe('B-LTA');
  });

  it('B-LT without tsaUrl, B-B with one, and an unknown level are refused by the shared schema', async () => {
    const handle = await upload(await makeVietnameseDocument(1));
    for (const options of [{ level: 'B-LT' }, { level: 'B-B', tsaUrl: ltv.tsa.url }, { level: 'B-XL', tsaUrl: ltv.tsa.url }]) {
      const reply = await host.request('host.signDocuments', { certificateId, pin: ltv.pin, documents: [{ kind: 'pdf', handle, options }] });
      expect(reply.type, JSON.stringify(options)).toBe('host.error');
      expect(reply.error.code).toBe('BAD_REQUEST');
    }
  });
});
