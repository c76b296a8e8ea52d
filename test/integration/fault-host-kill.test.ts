/**
 * Issue 15 §2 at the host: the BUILT host process, spoken to over stdin/stdout as a browser does, signing with the
 * real SoftHSM2 token, is SIGKILLed at each step of a document signing — mid-upload, inside C_Sign, while writing
 * the signed output, mid-download — and the token is pulled out inside C_Sign. The known point inside C_Sign is the
 * sign-gate module (test/fixtures/pkcs11-faulty/sign-gate-module.c: SoftHSM2 with a controllable C_Sign).
 * After each kill: no signed result exists, the NEXT host start removes the dead host's temp folder (before any
 * request touches documents), and the next host signs. The browser side of the same faults is
 * test/e2e/fault-host-kill.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { buildTestHost, spawnHost, type BuiltHost, type HostProcess } from '../helpers/host-process.js';
import { createSignGate, type SignGate } from '../helpers/sign-gate.js';
import { pdfsig } from '../fixtures/pdf/pdf-test-tools.js';
import { DOCUMENT_CHUNK_BYTES } from '../../shared/limits.js';
import { makePaddedPdf } from '../fixtures/pdf/generate-fixtures.js';

let token: DemoToken;
let built: BuiltHost;
let gate: SignGate;
let dir: string;
/** XDG_RUNTIME_DIR of every host here: uploads go to <runtime>/kyso-<uid>/docs-<pid>-…/. */
let runtime: string;
let tokenFolder: string;
const hosts: HostProcess[] = [];

beforeAll(async () => {
  [token, built] = await Promise.all([createDemoToken(), buildTestHost()]);
  const tokensDir = join(token.dir, 'tokens');
  tokenFolder = join(tokensDir, (await readdir(tokensDir))[0]!);
  gate = await createSignGate(token, { tokenDir: tokenFolder });
  dir = await mkdtemp(join(tmpdir(), 'kyso-fault-host-'));
  runtime = await mkdtemp(join(tmpdir(), 'kyso-fault-runtime-'));
}, 120_000);

afterEach(async () => {
  await gate.set('pass');
  for (const h of hosts.splice(0)) if (h.child.exitCode === null && h.child.signalCode === null) await h.close();
});

afterAll(async () => { await gate?.remove(); });

function startHost(): HostProcess {
  const h = spawnHost(built.hostPath, { env: { ...gate.env, XDG_RUNTIME_DIR: runtime, KYSO_STATE_DIR: join(dir, 'state') } });
  hosts.push(h);
  return h;
}

async function ok(h: HostProcess, type: string, payload: unknown): Promise<any> {
  const reply = await h.request(type, payload);
  if (reply.type !== 'host.result') throw new Error(`${type}: ${JSON.stringify(reply.error)}`);
  return reply.payload;
}

const userDir = () => join(runtime, `kyso-${process.getuid!()}`);

/** The host's own document folder (docs-<pid>-…), if it has one. */
async function folderOf(h: HostProcess): Promise<string | undefined> {
  const names = existsSync(userDir()) ? await readdir(userDir()) : [];
  const name = names.find((n) => n.startsWith(`docs-${h.child.pid}-`));
  return name ? join(userDir(), name) : undefined;
}

async function kill(h: HostProcess): Promise<void> {
  h.child.kill('SIGKILL');
  await h.exited;
  expect(h.child.signalCode).toBe('SIGKILL');
}

/** Start the next host and let it answer one request that touches no document: its start-up did the cleaning. */
async function nextHostRemoves(deadFolder: string): Promise<HostProcess> {
  expect(existsSync(deadFolder)).toBe(true);
  const next = startHost();
  await ok(next, 'host.hello', { extensionVersion: '0.1.0' });
  expect(existsSync(deadFolder)).toBe(false);
  return next;
}

async function beginUpload(h: HostProcess, kind: string, bytes: Uint8Array): Promise<{ handle: string; sent: Promise<unknown>[] }> {
  const { handle } = await ok(h, 'host.documentBegin', { kind, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  return { handle, sent: [] };
}

function sendChunks(h: HostProcess, handle: string, bytes: Uint8Array, from: number, to: number): Promise<unknown>[] {
  const replies: Promise<unknown>[] = [];
  for (let index = from; index < to && index * DOCUMENT_CHUNK_BYTES < bytes.length; index++) {
    const data = Buffer.from(bytes.subarray(index * DOCUMENT_CHUNK_BYTES, (index + 1) * DOCUMENT_CHUNK_BYTES)).toString('base64');
    replies.push(ok(h, 'host.documentChunk', { handle, index, data }));
  }
  return replies;
}

async function upload(h: HostProcess, kind: string, bytes: Uint8Array): Promise<string> {
  const { handle } = await beginUpload(h, kind, bytes);
  await Promise.all(sendChunks(h, handle, bytes, 0, Math.ceil(bytes.length / DOCUMENT_CHUNK_BYTES)));
  return handle;
}

const certificateId = () => token.cert('org-rsa').certificateId;

/** The whole document flow on a fresh host: upload, sign, read back; pdfsig judges the result. */
async function signPdfThrough(h: HostProcess, pdf: Uint8Array): Promise<void> {
  const handle = await upload(h, 'pdf', pdf);
  const signed = await ok(h, 'host.signDocuments', { certificateId: certificateId(), pin: token.userPin, documents: [{ kind: 'pdf', handle }] });
  expect(signed.results[0]).toMatchObject({ ok: true });
  const parts: Buffer[] = [];
  for (let offset = 0; ;) {
    const { data, eof } = await ok(h, 'host.documentRead', { handle: signed.results[0].handle, offset });
    const bytes = Buffer.from(data, 'base64');
    parts.push(bytes);
    offset += bytes.length;
    if (eof) break;
  }
  const file = join(dir, `signed-${Date.now()}.pdf`);
  await writeFile(file, Buffer.concat(parts));
  const report = await pdfsig(file);
  expect(report.signatures[0]?.valid).toBe(true);
}

const RESULT_FILE = /\.out$/;
const ATOMIC_TEMP = /\.kyso-\d+-[0-9a-f]+\.tmp$/;

describe('host SIGKILLed at each step of a document signing', () => {
  it('mid-upload: the dead host\'s partial upload is removed when the next host starts; the next host signs', async () => {
    const h = startHost();
    const pdf = await makePaddedPdf(5 * 1024 * 1024);
    const { handle } = await beginUpload(h, 'pdf', pdf);
    await Promise.all(sendChunks(h, handle, pdf, 0, 3));
    const folder = (await folderOf(h))!;
    expect((await readdir(folder)).filter((n) => n.endsWith('.in'))).toHaveLength(1);
    await kill(h);
    const next = await nextHostRemoves(folder);
    await signPdfThrough(next, await makePaddedPdf(64 * 1024));
  }, 120_000);

  it('inside C_Sign (sign gate holding): no signed result exists; the next start removes the upload and the half-built output; the next host signs', async () => {
    const h = startHost();
    const handle = await upload(h, 'pdf', await makePaddedPdf(1024 * 1024));
    await gate.set('hold');
    const reply = h.request('host.signDocuments', { certificateId: certificateId(), pin: token.userPin, documents: [{ kind: 'pdf', handle }] });
    reply.catch(() => undefined);
    expect(await gate.entered()).toBe(h.child.pid);
    const folder = (await folderOf(h))!;
    await kill(h);
    expect((await readdir(folder)).filter((n) => RESULT_FILE.test(n))).toEqual([]);
    await gate.set('pass');
    const next = await nextHostRemoves(folder);
    await signPdfThrough(next, await makePaddedPdf(64 * 1024));
  }, 120_000);

  it('while writing the signed output: no result under its final name, the temp output is removed at the next start; the next host signs', async () => {
    const h = startHost();
    const handle = await upload(h, 'pdf', await makePaddedPdf(40 * 1024 * 1024));
    const folder = (await folderOf(h))!;
    const reply = h.request('host.signDocuments', { certificateId: certificateId(), pin: token.userPin, documents: [{ kind: 'pdf', handle }] });
    reply.catch(() => undefined);
    // The signed PDF is written to an atomic temp file beside its final name first: kill as soon as it appears.
    let seen: string | undefined;
    for (const deadline = Date.now() + 60_000; !seen && Date.now() < deadline;) {
      seen = (await readdir(folder)).find((n) => ATOMIC_TEMP.test(n));
      if (!seen) await new Promise((r) => setTimeout(r, 2));
    }
    expect(seen, 'the output temp file never appeared').toBeDefined();
    await kill(h);
    expect((await readdir(folder)).filter((n) => RESULT_FILE.test(n))).toEqual([]);
    const next = await nextHostRemoves(folder);
    await signPdfThrough(next, await makePaddedPdf(64 * 1024));
  }, 180_000);

  it('mid-download of a signed result: the next start removes the result; the next host signs', async () => {
    const h = startHost();
    const data = new Uint8Array(randomBytes(4 * 1024 * 1024));
    const handle = await upload(h, 'cms', data);
    const signed = await ok(h, 'host.signDocuments', { certificateId: certificateId(), pin: token.userPin, documents: [{ kind: 'cms', handle, options: { attached: true } }] });
    const result = signed.results[0].handle as string;
    const first = await ok(h, 'host.documentRead', { handle: result, offset: 0 });
    expect(first.eof).toBe(false);
    const folder = (await folderOf(h))!;
    expect((await readdir(folder)).filter((n) => RESULT_FILE.test(n))).toHaveLength(1);
    await kill(h);
    const next = await nextHostRemoves(folder);
    await signPdfThrough(next, await makePaddedPdf(64 * 1024));
  }, 120_000);
});

describe('token pulled out inside C_Sign (SoftHSM2 token folder removed while the sign gate holds C_Sign)', () => {
  it('the signature fails with TOKEN_REMOVED; after re-insert the same host signs again', async () => {
    const h = startHost();
    const digest = createHash('sha256').update('Tờ khai 01/GTGT').digest('base64');
    await gate.set('hold');
    const reply = h.request('host.signDigest', { certificateId: certificateId(), digest, hashAlgorithm: 'SHA-256', pin: token.userPin });
    expect(await gate.entered()).toBe(h.child.pid);
    // Out of the tokens directory altogether (SoftHSM2 treats every folder there as a token).
    const pulled = join(token.dir, 'pulled-token');
    await rename(tokenFolder, pulled);
    try {
      await gate.set('pass');
      const failed = await reply;
      expect(failed.type).toBe('host.error');
      expect(failed.error.code).toBe('TOKEN_REMOVED');
      // While it is out, the token is not offered.
      const listed = await ok(h, 'host.listCertificates', {});
      expect(listed.certificates.map((c: { id: string }) => c.id)).not.toContain(certificateId());
    } finally {
      await rename(pulled, tokenFolder);
    }
    // Re-inserted: the same host process (no browser restart) lists and signs.
    // (SoftHSM2 rescans at most once a second: the consent window's polling sees the token come back like this.)
    let ids: string[] = [];
    for (const deadline = Date.now() + 10_000; !ids.includes(certificateId()) && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 250));
      ids = (await ok(h, 'host.listCertificates', {})).certificates.map((c: { id: string }) => c.id);
    }
    expect(ids).toContain(certificateId());
    const signed = await ok(h, 'host.signDigest', { certificateId: certificateId(), digest, hashAlgorithm: 'SHA-256', pin: token.userPin });
    expect(typeof signed.signature).toBe('string');
    expect(h.child.exitCode).toBeNull();
  }, 120_000);
});
