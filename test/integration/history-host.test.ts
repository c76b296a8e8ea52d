/**
 * The signing history through the real parts: the BUILT host over stdin/stdout signing on a SoftHSM2 token, and
 * the BUILT `kyso sign-cms` / `kyso sign-pdf`. Each attempt leaves a record (origin, certificate fingerprint,
 * SHA-256 of what was signed, result or error code), the PIN appears nowhere in the history folder, and a host
 * killed (SIGKILL) the moment its reply arrives has already written that signature's record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { buildTestHost, spawnHost, type BuiltHost, type HostProcess } from '../helpers/host-process.js';
import { runKyso } from '../helpers/kyso-cli.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';

/** A PIN that cannot occur by chance in a certificate, id or hash (the demo PIN 123456 is inside MST 0101234567). */
const PIN = 'Kx7-history-Pin';
const PORTAL = 'https://thuedientu.gdt.gov.vn';
const EMBEDDER = 'https://dichvucong.gov.vn';

let token: DemoToken;
let built: BuiltHost;
let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  [token, built] = await Promise.all([createDemoToken(), buildTestHost()]);
  execFileSync('pkcs11-tool', ['--module', token.module, '--token-label', token.tokenLabel, '--login', '--pin', token.userPin, '--change-pin', '--new-pin', PIN],
    { env: { ...process.env, ...token.env }, stdio: 'ignore' });
  dataDir = await mkdtemp(join(tmpdir(), 'kyso-history-host-'));
  env = { ...token.env, KYSO_DATA_DIR: dataDir };
});

let host: HostProcess | undefined;
afterAll(async () => { await host?.close(); });

async function records(): Promise<any[]> {
  const r = await runKyso(['history', '--json'], { env });
  return JSON.parse(r.stdout);
}

async function historyText(): Promise<string> {
  const names = await readdir(dataDir);
  return (await Promise.all(names.map((n) => readFile(join(dataDir, n), 'utf8')))).join('\n');
}

function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
}

describe('signing history through the host', () => {
  it('records host.signDigest: origins from the requester, certificate, digest and its SHA-256; never the PIN', async () => {
    host = spawnHost(built.hostPath, { env });
    const digest = createHash('sha256').update('Tờ khai thuế 01/GTGT').digest();
    const reply = await host.request('host.signDigest', {
      certificateId: token.cert('org-rsa').certificateId, digest: digest.toString('base64'), hashAlgorithm: 'SHA-256', pin: PIN,
      requester: { origin: PORTAL, topOrigin: EMBEDDER, pageOperation: 'kyso.signHash', description: 'Nộp tờ khai 01/GTGT' },
    });
    expect(reply.type).toBe('host.result');
    const [record] = (await records()).slice(-1);
    expect(record).toMatchObject({
      seq: 1, origin: PORTAL, topOrigin: EMBEDDER, operation: 'signDigest', pageOperation: 'kyso.signHash', description: 'Nộp tờ khai 01/GTGT', result: 'ok',
      items: [{ kind: 'digest', hashAlgorithm: 'SHA-256', digest: digest.toString('hex'), sha256: createHash('sha256').update(digest).digest('hex') }],
      certificate: { fingerprintSha256: fingerprint(await readFile(token.cert('org-rsa').certPem, 'utf8')), identifiers: expect.arrayContaining(['MST:0101234567']) },
      token: { label: token.tokenLabel },
    });
    expect(await historyText()).not.toContain(PIN);
  });

  it('records host.signDigests (kyso.signHashes) as ONE record listing every digest, before the signatures leave', async () => {
    const digests = ['hoá đơn 1', 'hoá đơn 2', 'hoá đơn 3'].map((text) => createHash('sha256').update(text).digest());
    const reply = await host!.request('host.signDigests', {
      certificateId: token.cert('org-rsa').certificateId, digests: digests.map((d) => d.toString('base64')), hashAlgorithm: 'SHA-256', pin: PIN,
      requester: { origin: PORTAL, pageOperation: 'kyso.signHashes', description: '3 hoá đơn' },
    });
    expect(reply.type).toBe('host.result');
    const [record] = (await records()).slice(-1);
    expect(record).toMatchObject({
      origin: PORTAL, operation: 'signDigests', pageOperation: 'kyso.signHashes', description: '3 hoá đơn', result: 'ok',
      items: digests.map((d) => ({ kind: 'digest', hashAlgorithm: 'SHA-256', digest: d.toString('hex'), sha256: createHash('sha256').update(d).digest('hex') })),
    });
    expect(await historyText()).not.toContain(PIN);
  });

  it('records a wrong PIN as PIN_INCORRECT, without the PIN typed', async () => {
    const wrong = 'Zq9-kyso-wrong';
    const reply = await host!.request('host.signDigest', {
      certificateId: token.cert('person-ec').certificateId, digest: Buffer.alloc(32, 7).toString('base64'), hashAlgorithm: 'SHA-256', pin: wrong,
      requester: { origin: PORTAL },
    });
    expect(reply.error.code).toBe('PIN_INCORRECT');
    const [record] = (await records()).slice(-1);
    expect(record).toMatchObject({ origin: PORTAL, result: 'error', error: 'PIN_INCORRECT', certificate: { identifiers: ['CCCD:001099012345'] } });
    expect(await historyText()).not.toContain(wrong);
  });

  it('refuses a requester whose origin is not an origin, before signing (and records nothing)', async () => {
    const before = (await records()).length;
    const reply = await host!.request('host.signDigest', {
      certificateId: token.cert('org-rsa').certificateId, digest: Buffer.alloc(32, 1).toString('base64'), hashAlgorithm: 'SHA-256', pin: PIN,
      requester: { origin: 'javascript:alert(1)' },
    });
    expect(reply.error.code).toBe('BAD_REQUEST');
    expect((await records()).length).toBe(before);
  });

  it('records host.signDocuments per document (a CMS over a portal digest), with the document names', async () => {
    const digest = createHash('sha256').update('hoá đơn').digest();
    const reply = await host!.request('host.signDocuments', {
      certificateId: token.cert('org-rsa').certificateId, pin: PIN,
      documents: [{ kind: 'cms', digest: digest.toString('base64') }],
      requester: { origin: PORTAL, pageOperation: 'kyso.signDocuments', documentNames: ['hoa-don-001.xml'] },
    });
    expect(reply.type).toBe('host.result');
    const [record] = (await records()).slice(-1);
    expect(record).toMatchObject({
      operation: 'signDocuments', result: 'ok',
      items: [{ kind: 'cms', name: 'hoa-don-001.xml', digest: digest.toString('hex'), resultSha256: reply.payload.results[0].sha256 }],
    });
  });

  it('returns HISTORY_WRITE_FAILED, not the signature, when the record cannot be written (data folder path is a file)', async () => {
    const blocked = join(await mkdtemp(join(tmpdir(), 'kyso-history-blocked-')), 'not-a-folder');
    await writeFile(blocked, 'a file where the data folder should be');
    const other = spawnHost(built.hostPath, { env: { ...env, KYSO_DATA_DIR: blocked } });
    try {
      const reply = await other.request('host.signDigest', {
        certificateId: token.cert('org-rsa').certificateId, digest: Buffer.alloc(32, 3).toString('base64'), hashAlgorithm: 'SHA-256', pin: PIN,
        requester: { origin: PORTAL },
      });
      expect(reply.type).toBe('host.error');
      expect(reply.error.code).toBe('HISTORY_WRITE_FAILED');
      expect(JSON.stringify(reply)).not.toMatch(/"signature"/);
    } finally {
      await other.close();
    }
  });

  it('a host killed (SIGKILL) the moment its signature reply arrives has already recorded it', async () => {
    const killed = spawnHost(built.hostPath, { env });
    await killed.request('host.hello', { extensionVersion: '0.1.0' });
    const before = (await records()).length;
    const reply = new Promise<Buffer>((done) => {
      // The first byte of the reply is enough: the host dies before it can do anything after writing the frame.
      killed.child.stdout.once('data', (chunk: Buffer) => { killed.child.kill('SIGKILL'); done(chunk); });
    });
    killed.send({ v: 1, id: 'kill-1', type: 'host.signDigest', payload: {
      certificateId: token.cert('org-rsa').certificateId, digest: Buffer.alloc(32, 9).toString('base64'), hashAlgorithm: 'SHA-256', pin: PIN,
      requester: { origin: PORTAL },
    } });
    expect((await reply).subarray(4).toString()).toContain('host.result');
    expect(await killed.exited).toBe(null); // killed by the signal
    const after = await records();
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)).toMatchObject({ result: 'ok', items: [{ digest: '09'.repeat(32) }] });
    expect((await runKyso(['history', '--verify'], { env })).code).toBe(0);
  });
});

describe('signing history from the CLI', () => {
  it('kyso sign-cms records each file of a batch with origin cli, its SHA-256 and the signature\'s', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kyso-history-cli-'));
    await writeFile(join(dir, 'a.txt'), 'Hợp đồng A');
    await writeFile(join(dir, 'b.txt'), 'Hợp đồng B');
    const out = join(dir, 'out');
    await mkdir(out);
    const r = await runKyso(['sign-cms', join(dir, 'a.txt'), join(dir, 'b.txt'), '-o', out, '--cert', 'MST:0101234567', '--pin-stdin'], { env, stdin: `${PIN}\n` });
    expect(r.code, r.stderr).toBe(0);
    const last = (await records()).slice(-2);
    for (const [i, name] of ['a.txt', 'b.txt'].entries()) {
      const signed = await readFile(join(out, `${name}.p7s`));
      expect(last[i]).toMatchObject({
        origin: 'cli', operation: 'sign-cms', result: 'ok',
        items: [{ kind: 'cms', name: join(dir, name), sha256: createHash('sha256').update(await readFile(join(dir, name))).digest('hex'), resultSha256: createHash('sha256').update(signed).digest('hex') }],
        certificate: { identifiers: expect.arrayContaining(['MST:0101234567']) },
      });
    }
    expect(await historyText()).not.toContain(PIN);
    // history.head is written once, after the batch (history-writer.ts deferHistoryHeads), and names its last record.
    const head = JSON.parse(await readFile(join(env.KYSO_DATA_DIR!, 'history.head'), 'utf8')) as { seq: number; hash: string };
    expect(head).toMatchObject({ seq: last[1].seq, hash: last[1].hash });
    expect((await runKyso(['history', '--verify'], { env })).code).toBe(0);
  });

  it('kyso sign-pdf records each PDF, and a wrong PIN as PIN_INCORRECT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kyso-history-pdf-'));
    await writeFile(join(dir, 'a.pdf'), await makeVietnameseDocument(1));
    const output = join(dir, 'a-signed.pdf');
    const r = await runKyso(['sign-pdf', join(dir, 'a.pdf'), '-o', output, '--cert', 'MST:0101234567', '--pin-stdin', '--invisible'], { env, stdin: `${PIN}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect((await records()).at(-1)).toMatchObject({
      origin: 'cli', operation: 'sign-pdf', result: 'ok',
      items: [{ kind: 'pdf', sha256: createHash('sha256').update(await readFile(join(dir, 'a.pdf'))).digest('hex'), resultSha256: createHash('sha256').update(await readFile(output)).digest('hex') }],
    });
    expect((await readdir(dir)).sort()).toEqual(['a-signed.pdf', 'a.pdf']); // no staged file left behind
    const wrong = await runKyso(['sign-pdf', join(dir, 'a.pdf'), '-o', join(dir, 'b.pdf'), '--cert', 'MST:0101234567', '--pin-stdin'], { env, stdin: '000000\n' });
    expect(wrong.code).not.toBe(0);
    expect((await records()).at(-1)).toMatchObject({ origin: 'cli', operation: 'sign-pdf', result: 'error', error: 'PIN_INCORRECT', items: [{ kind: 'pdf', name: join(dir, 'a.pdf') }] });
    expect((await runKyso(['history', '--verify'], { env })).code).toBe(0);
  });
});
