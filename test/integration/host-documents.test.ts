/**
 * Document signing through the host's upload protocol, the built host as a child process spoken to exactly as a
 * browser does: uploads in ordered chunks (> 1 MiB), one login for a batch, results read back in chunks, temp
 * files 0600 in a private dir and gone afterwards. Signatures judged by openssl, pdfsig and xmlsec1.
 */
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { buildTestHost, spawnHost, type BuiltHost, type HostProcess } from '../helpers/host-process.js';
import { documentChunks, hostResult, readDocument } from '../helpers/host-documents.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { nssDbWith, opensslCmsVerify, pdfsig } from '../fixtures/pdf/pdf-test-tools.js';
import { DOCUMENT_CHUNK_BYTES, HOST_TO_BROWSER_MAX_FRAME_BYTES } from '../../shared/limits.js';

const XML_FIXTURE = resolve(import.meta.dirname, '../fixtures/xml/einvoice-tt78.xml');

let token: DemoToken;
let built: BuiltHost;
let dir: string;
let caFile: string;
let nssDir: string;
let hostTmp: string;
let host: HostProcess | undefined;

beforeAll(async () => {
  [token, built] = await Promise.all([createDemoToken(), buildTestHost()]);
  dir = await mkdtemp(join(tmpdir(), 'kyso-docs-it-'));
  caFile = join(dir, 'cas.pem');
  await writeFile(caFile, `${await readFile(token.rootPem, 'utf8')}\n${await readFile(token.intermediatePem, 'utf8')}`);
  nssDir = await nssDbWith([token.rootPem, token.intermediatePem]);
}, 120_000);

afterEach(async () => {
  await host?.close();
  host = undefined;
});

/** A host whose temp dir we can inspect (os.tmpdir() follows TMPDIR). */
async function startHost(): Promise<HostProcess> {
  hostTmp = await mkdtemp(join(dir, 'tmp-'));
  host = spawnHost(built.hostPath, { env: { ...token.env, TMPDIR: hostTmp, XDG_RUNTIME_DIR: '' } });
  return host;
}

async function upload(h: HostProcess, kind: string, bytes: Uint8Array, sha256 = true): Promise<string> {
  const { handle } = await hostResult(h, 'host.documentBegin', {
    kind, size: bytes.length, ...(sha256 ? { sha256: createHash('sha256').update(bytes).digest('hex') } : {}),
  });
  // Chunks are sent without waiting for each answer (as the extension pipelines them); the host keeps order.
  const last = (await Promise.all(documentChunks(handle, bytes).map((chunk) => hostResult(h, 'host.documentChunk', chunk)))).at(-1);
  expect(last?.complete ?? bytes.length === 0).toBe(true);
  return handle as string;
}

async function filesIn(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  return out;
}

function xmlsecVerify(path: string): boolean {
  const r = spawnSync('xmlsec1', ['--verify', '--trusted-pem', token.rootPem, '--untrusted-pem', token.intermediatePem, '--id-attr:Id', 'DLHDon', path], { encoding: 'utf8' });
  return r.status === 0;
}

describe('host document upload, batch signing and read-back', () => {
  it('a 3 MiB detached CMS, a PDF and an XML invoice in ONE batch: all verify with independent tools; temp files 0600 and gone after reading', async () => {
    const h = await startHost();
    const data = new Uint8Array(randomBytes(3 * 1024 * 1024 + 123));
    const pdf = await makeVietnameseDocument(2);
    const xml = new Uint8Array(await readFile(XML_FIXTURE));
    const handles = [await upload(h, 'cms', data), await upload(h, 'pdf', pdf), await upload(h, 'xml', xml)];

    // While uploaded: private dir 0700, files 0600, one per document.
    const files = await filesIn(hostTmp);
    expect(files).toHaveLength(3);
    for (const file of files) expect((await stat(file)).mode & 0o777).toBe(0o600);
    const [privateDir] = await readdir(hostTmp);
    expect((await stat(join(hostTmp, privateDir!))).mode & 0o777).toBe(0o700);

    const info = await hostResult(h, 'host.documentInfo', { handle: handles[2] });
    expect(info.sha256).toBe(createHash('sha256').update(xml).digest('hex'));
    expect(info.xml.invoice).toMatchObject({ number: '123', sellerTaxCode: '0101234567', total: '1100000' });

    const signed = await hostResult(h, 'host.signDocuments', {
      certificateId: token.cert('org-rsa').certificateId, pin: token.userPin,
      documents: [
        { kind: 'cms', handle: handles[0] },
        { kind: 'pdf', handle: handles[1], options: { reason: 'Phê duyệt', location: 'Hà Nội', visible: { page: 2, rect: { x: 300, y: 100, width: 240, height: 80 } } } },
        { kind: 'xml', handle: handles[2], options: { ref: 'data', parent: 'DSCKS/NBan' } },
      ],
    });
    expect(signed.results.map((r: any) => r.ok)).toEqual([true, true, true]);
    // Inputs deleted once signed; only the three results remain.
    expect(await filesIn(hostTmp)).toHaveLength(3);

    const cms = await readDocument(h, signed.results[0].handle);
    expect((await opensslCmsVerify(cms, data, caFile)).ok).toBe(true);
    const pdfPath = join(dir, 'batch.pdf');
    const pdfOut = await readDocument(h, signed.results[1].handle);
    expect(createHash('sha256').update(pdfOut).digest('hex')).toBe(signed.results[1].sha256);
    await writeFile(pdfPath, pdfOut);
    const report = await pdfsig(pdfPath, nssDir);
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]?.valid).toBe(true);
    const xmlPath = join(dir, 'batch.xml');
    await writeFile(xmlPath, await readDocument(h, signed.results[2].handle));
    expect(xmlsecVerify(xmlPath)).toBe(true);

    // Results read to the end are deleted.
    expect(await filesIn(hostTmp)).toHaveLength(0);
    // Every frame the host wrote fits a browser message.
    const bytes = h.stdoutBytes();
    for (let offset = 0; offset < bytes.length;) {
      const n = bytes.readUInt32LE(offset);
      expect(n).toBeLessThanOrEqual(HOST_TO_BROWSER_MAX_FRAME_BYTES);
      offset += 4 + n;
    }
    expect(h.stderrText()).not.toContain(token.userPin);
  }, 120_000);

  it('a batch with one broken document: the other two are signed, the broken one gets a typed error', async () => {
    const h = await startHost();
    const good1 = await upload(h, 'pdf', await makeVietnameseDocument(1));
    const broken = await upload(h, 'pdf', new TextEncoder().encode('%PDF-1.7\nthis is not really a PDF\n%%EOF\n'));
    const good2 = await upload(h, 'cms', new TextEncoder().encode('Tờ khai thuế 01/GTGT'));
    const signed = await hostResult(h, 'host.signDocuments', {
      certificateId: token.cert('person-ec').certificateId, pin: token.userPin,
      documents: [{ kind: 'pdf', handle: good1 }, { kind: 'pdf', handle: broken }, { kind: 'cms', handle: good2, options: { attached: true } }],
    });
    expect(signed.results[0].ok).toBe(true);
    expect(signed.results[1]).toMatchObject({ ok: false, error: { code: 'INVALID_DOCUMENT' } });
    expect(signed.results[2].ok).toBe(true);
    const attached = await readDocument(h, signed.results[2].handle);
    const verify = spawnSync('openssl', ['cms', '-verify', '-inform', 'DER', '-CAfile', caFile, '-purpose', 'any'], { input: attached });
    expect(verify.status).toBe(0);
    expect(verify.stdout.toString('utf8')).toBe('Tờ khai thuế 01/GTGT');
    await readDocument(h, signed.results[0].handle);
    expect(await filesIn(hostTmp)).toHaveLength(0);
  }, 120_000);

  it('CMS over a portal-computed digest with pades: no signingTime; verifies against the content openssl is given', async () => {
    const h = await startHost();
    const content = new Uint8Array(randomBytes(5000));
    const digest = createHash('sha256').update(content).digest('base64');
    const signed = await hostResult(h, 'host.signDocuments', {
      certificateId: token.cert('org-rsa').certificateId, pin: token.userPin,
      documents: [{ kind: 'cms', digest, options: { pades: true } }],
    });
    const cms = await readDocument(h, signed.results[0].handle);
    expect((await opensslCmsVerify(cms, content, caFile)).ok).toBe(true);
    const printed = spawnSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER'], { input: cms }).stdout.toString();
    expect(printed).not.toContain('signingTime');
    expect(printed).toContain('messageDigest');
  }, 60_000);

  it('a chunk out of order or missing → BAD_REQUEST, the upload is dropped and its file deleted', async () => {
    const h = await startHost();
    const bytes = new Uint8Array(randomBytes(DOCUMENT_CHUNK_BYTES * 3));
    const chunk = (i: number) => Buffer.from(bytes.subarray(i * DOCUMENT_CHUNK_BYTES, (i + 1) * DOCUMENT_CHUNK_BYTES)).toString('base64');

    const a = (await hostResult(h, 'host.documentBegin', { kind: 'cms', size: bytes.length })).handle;
    await hostResult(h, 'host.documentChunk', { handle: a, index: 0, data: chunk(0) });
    const skipped = await h.request('host.documentChunk', { handle: a, index: 2, data: chunk(2) });
    expect(skipped.type).toBe('host.error');
    expect(skipped.error).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'chunk out of order or missing', expectedIndex: 1 } });
    // The upload is gone: even the right chunk now is refused, and signing it is refused before any login.
    expect((await h.request('host.documentChunk', { handle: a, index: 1, data: chunk(1) })).error.code).toBe('BAD_REQUEST');
    const sign = await h.request('host.signDocuments', { certificateId: token.cert('org-rsa').certificateId, pin: token.userPin, documents: [{ kind: 'cms', handle: a }] });
    expect(sign.error.code).toBe('BAD_REQUEST');

    const b = (await hostResult(h, 'host.documentBegin', { kind: 'cms', size: bytes.length })).handle;
    await hostResult(h, 'host.documentChunk', { handle: b, index: 0, data: chunk(0) });
    const repeated = await h.request('host.documentChunk', { handle: b, index: 0, data: chunk(0) });
    expect(repeated.error).toMatchObject({ code: 'BAD_REQUEST', details: { expectedIndex: 1, receivedIndex: 0 } });

    // Incomplete upload: info and signing refuse it.
    const c = (await hostResult(h, 'host.documentBegin', { kind: 'cms', size: bytes.length })).handle;
    await hostResult(h, 'host.documentChunk', { handle: c, index: 0, data: chunk(0) });
    expect((await h.request('host.documentInfo', { handle: c })).error).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'document upload incomplete' } });

    // An announced SHA-256 that does not match → INVALID_DOCUMENT.
    const d = (await hostResult(h, 'host.documentBegin', { kind: 'cms', size: DOCUMENT_CHUNK_BYTES, sha256: '0'.repeat(64) })).handle;
    expect((await h.request('host.documentChunk', { handle: d, index: 0, data: chunk(0) })).error.code).toBe('INVALID_DOCUMENT');

    // Only the incomplete upload c is still on disk; a discard removes it.
    await new Promise((r) => setTimeout(r, 100));
    expect(await filesIn(hostTmp)).toHaveLength(1);
    await hostResult(h, 'host.documentDiscard', { handle: c });
    expect(await filesIn(hostTmp)).toHaveLength(0);
    // Oversized chunk and oversized document are refused by the schema / limits.
    expect((await h.request('host.documentBegin', { kind: 'pdf', size: 2 ** 40 })).error.code).toBe('BAD_REQUEST');
  }, 60_000);

  it('a wrong PIN or an unexpected signer fails the batch before signing and keeps the uploads: the retry signs them', async () => {
    const h = await startHost();
    const handle = await upload(h, 'cms', new TextEncoder().encode('hello'));
    const wrong = await h.request('host.signDocuments', { certificateId: token.cert('org-rsa').certificateId, pin: '999999', documents: [{ kind: 'cms', handle }] });
    expect(wrong.error.code).toBe('PIN_INCORRECT');
    // The portal expects the company (MST) but the chosen certificate is a person's: refused before login.
    const other = await h.request('host.signDocuments', {
      certificateId: token.cert('person-ec').certificateId, pin: token.userPin, documents: [{ kind: 'cms', handle }],
      expectedSigner: { mst: token.cert('org-rsa').identifier.replace(/^MST:/, '') },
    });
    expect(other.error.code).toBe('UNEXPECTED_SIGNER');
    const signed = await hostResult(h, 'host.signDocuments', { certificateId: token.cert('org-rsa').certificateId, pin: token.userPin, documents: [{ kind: 'cms', handle }] });
    expect(signed.results[0].ok).toBe(true);
  }, 60_000);

  it('the private temp dir is removed when the browser disconnects, even with uploads in progress', async () => {
    const h = await startHost();
    const { handle } = await hostResult(h, 'host.documentBegin', { kind: 'pdf', size: DOCUMENT_CHUNK_BYTES * 2 });
    await hostResult(h, 'host.documentChunk', { handle, index: 0, data: Buffer.alloc(DOCUMENT_CHUNK_BYTES, 1).toString('base64') });
    expect(await filesIn(hostTmp)).toHaveLength(1);
    await h.close();
    host = undefined;
    // Only the per-user dir (kyso-<uid>, shared with other hosts of this user) stays, empty.
    expect(await readdir(hostTmp)).toEqual([`kyso-${process.getuid!()}`]);
    expect(await readdir(join(hostTmp, `kyso-${process.getuid!()}`))).toEqual([]);
  }, 60_000);

  it('memory stays bounded: 120 MiB uploaded and signed (detached CMS) with the host peak RSS well under baseline + document size', async () => {
    const h = await startHost();
    const chunks = 160; // 160 × 768 KiB = 120 MiB
    const chunk = randomBytes(DOCUMENT_CHUNK_BYTES);
    const data = chunk.toString('base64');
    const { handle } = await hostResult(h, 'host.documentBegin', { kind: 'cms', size: DOCUMENT_CHUNK_BYTES * chunks });
    const started = Date.now();
    const inFlight: Promise<unknown>[] = [];
    for (let index = 0; index < chunks; index++) {
      inFlight.push(hostResult(h, 'host.documentChunk', { handle, index, data }));
      if (inFlight.length >= 8) await inFlight.shift();
    }
    await Promise.all(inFlight);
    const uploadMs = Date.now() - started;
    const signed = await hostResult(h, 'host.signDocuments', { certificateId: token.cert('org-rsa').certificateId, pin: token.userPin, documents: [{ kind: 'cms', handle }] });
    expect(signed.results[0].ok).toBe(true);
    const peakKiB = Number(/VmHWM:\s+(\d+)/.exec(await readFile(`/proc/${h.child.pid}/status`, 'utf8'))![1]);
    console.error(`host: 120 MiB upload ${uploadMs} ms, peak RSS ${Math.round(peakKiB / 1024)} MiB`);
    // The host's baseline is ≈ 150 MiB (node + bundled pdf.js); holding the document in memory would add ≥ 120 MiB.
    expect(peakKiB / 1024).toBeLessThan(240);
    // The CMS verifies over the uploaded bytes (the same chunk 160 times).
    const cms = await readDocument(h, signed.results[0].handle);
    const content = join(dir, 'big-content.bin');
    await writeFile(content, Buffer.concat(Array.from({ length: chunks }, () => chunk)));
    const verify = spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-content', content, '-CAfile', caFile, '-purpose', 'any', '-out', '/dev/null'], { input: cms });
    expect(verify.status, verify.stderr.toString()).toBe(0);
  }, 120_000);
});
