/**
 * Issue 16 §2 (first bullet): a signature embeds the signer's full chain when Kyso can find it. The token holds
 * ONLY the signer's certificate and key (no intermediate CA); the intermediate is found through the leaf's AIA
 * caIssuers URL (a local http server) or in the trust store (KYSO_TRUST_DIR). `openssl cms -verify` given only
 * the ROOT then validates the .p7s from `kyso sign-cms` — before, the CMS carried the leaf alone and openssl
 * could not build the path ("unable to get local issuer certificate").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, TestPki, type IssuedCert } from '../helpers/test-pki.js';
import { runKyso } from '../helpers/kyso-cli.js';
import { buildTestHost, spawnHost } from '../helpers/host-process.js';
import { createHash } from 'node:crypto';

const run = promisify(execFile);
const MODULE = process.env.KYSO_SOFTHSM_MODULE ?? '/usr/lib/softhsm/libsofthsm2.so';
const PIN = '246810';

let aiaPki: TestPki;
let storePki: TestPki;
let aiaServer: Server;
let fetches = 0;
let storeLeaf: IssuedCert;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  const port = await freePort();
  aiaPki = await TestPki.create({ label: 'Kyso AIA Test', caIssuersUrl: `http://127.0.0.1:${port}/ca.cer` });
  storePki = await TestPki.create({ label: 'Kyso Store Test' });
  aiaServer = createServer((request, response) => {
    fetches++;
    if (request.url !== '/ca.cer') { response.writeHead(404).end(); return; }
    response.writeHead(200, { 'content-type': 'application/pkix-cert' }).end(Buffer.from(aiaPki.intermediate.certDer));
  });
  await new Promise<void>((resolve) => aiaServer.listen(port, '127.0.0.1', resolve));

  const viaAia = await aiaPki.issue({ subject: '/C=VN/CN=Công ty AIA/UID=MST:0309999001' }, 'aia-leaf');
  const viaStore = await storePki.issue({ subject: '/C=VN/CN=Công ty Kho/UID=MST:0309999002' }, 'store-leaf');
  dir = await mkdtemp(join(tmpdir(), 'kyso-full-chain-'));
  const tokens = join(dir, 'tokens');
  await mkdir(tokens);
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  // The AIA server is on loopback, which the host refuses by default (SSRF rule, trust/network-destination.ts).
  env = { SOFTHSM2_CONF: conf, KYSO_PKCS11_MODULE: MODULE, KYSO_DATA_DIR: join(dir, 'data'), KYSO_ALLOW_PRIVATE_REVOCATION_URLS: '1' };
  const processEnv = { ...process.env, ...env };
  await run('softhsm2-util', ['--init-token', '--free', '--label', 'Chỉ chứng thư', '--pin', PIN, '--so-pin', '12345678'], { env: processEnv });
  const put = async (cert: IssuedCert, id: string) => {
    await run('softhsm2-util', ['--import', cert.keyPath, '--token', 'Chỉ chứng thư', '--label', cert.name, '--id', id, '--pin', PIN], { env: processEnv });
    const der = join(dir, `${id}.der`);
    await writeFile(der, cert.certDer);
    await run('pkcs11-tool', ['--module', MODULE, '--token-label', 'Chỉ chứng thư', '--login', '--pin', PIN, '--write-object', der, '--type', 'cert', '--id', id, '--label', cert.name], { env: processEnv });
  };
  await put(viaAia, 'a1'); // leaf + key only: no CA certificate on this token
  await put(viaStore, 'b2');
  storeLeaf = viaStore;
  await writeFile(join(dir, 'to-khai.txt'), 'Tờ khai 01/GTGT — chuỗi chứng thư đầy đủ');
});

afterAll(async () => {
  await new Promise((resolve) => aiaServer?.close(resolve));
});

function certificatesIn(p7s: Buffer): string[] {
  const out = spawnSync('openssl', ['pkcs7', '-inform', 'DER', '-print_certs', '-noout'], { input: p7s }).stdout.toString();
  return out.split('\n').filter((l) => l.startsWith('subject=')).map((l) => l.replace(/^subject=\s*/, ''));
}

function verifyWithRootOnly(p7s: Buffer, rootPath: string): { status: number | null; stderr: string } {
  const r = spawnSync('openssl', ['cms', '-verify', '-inform', 'DER', '-binary', '-content', join(dir, 'to-khai.txt'), '-CAfile', rootPath, '-purpose', 'any', '-out', '/dev/null'], { input: p7s });
  return { status: r.status, stderr: r.stderr.toString() };
}

describe('kyso sign-cms embeds the full chain', () => {
  it('finds the intermediate through the leaf\'s AIA caIssuers: openssl verifies with the root alone', async () => {
    const output = join(dir, 'aia.p7s');
    const r = await runKyso(['sign-cms', join(dir, 'to-khai.txt'), '-o', output, '--cert', 'MST:0309999001', '--pin-stdin'], { env, stdin: `${PIN}\n` });
    expect(r.code, r.stderr).toBe(0);
    const p7s = await readFile(output);
    expect(certificatesIn(p7s)).toEqual([expect.stringContaining('MST:0309999001'), expect.stringContaining('Kyso AIA Test Intermediate CA')]);
    expect(fetches).toBeGreaterThan(0);
    const verified = verifyWithRootOnly(p7s, aiaPki.root.certPath);
    expect(verified.status, verified.stderr).toBe(0);
  });

  it('finds the intermediate in the trust store (KYSO_TRUST_DIR)', async () => {
    const trust = join(dir, 'trust');
    await mkdir(trust);
    await writeFile(join(trust, 'intermediate.pem'), storePki.intermediate.certPem);
    const output = join(dir, 'store.p7s');
    const r = await runKyso(['sign-cms', join(dir, 'to-khai.txt'), '-o', output, '--cert', 'MST:0309999002', '--pin-stdin'], { env: { ...env, KYSO_TRUST_DIR: trust }, stdin: `${PIN}\n` });
    expect(r.code, r.stderr).toBe(0);
    const p7s = await readFile(output);
    expect(certificatesIn(p7s)).toEqual([expect.stringContaining('MST:0309999002'), expect.stringContaining('Kyso Store Test Intermediate CA')]);
    const verified = verifyWithRootOnly(p7s, storePki.root.certPath);
    expect(verified.status, verified.stderr).toBe(0);
  });

  it('still signs, with the leaf alone, when the issuer is nowhere to be found (no AIA URL, empty trust store)', async () => {
    const output = join(dir, 'alone.p7s');
    const r = await runKyso(['sign-cms', join(dir, 'to-khai.txt'), '-o', output, '--cert', 'MST:0309999002', '--pin-stdin'], { env, stdin: `${PIN}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(certificatesIn(await readFile(output))).toEqual([expect.stringContaining('MST:0309999002')]);
  });

  it('host.signDigest returns the completed chain too (for the portal\'s own CMS)', async () => {
    const trust = join(dir, 'trust-host');
    await mkdir(trust);
    await writeFile(join(trust, 'intermediate.pem'), storePki.intermediate.certPem);
    const host = spawnHost((await buildTestHost()).hostPath, { env: { ...env, KYSO_TRUST_DIR: trust } });
    try {
      const reply = await host.request('host.signDigest', {
        certificateId: createHash('sha256').update(storeLeaf.certDer).digest('base64url'), digest: Buffer.alloc(32, 5).toString('base64'), hashAlgorithm: 'SHA-256', pin: PIN,
      });
      expect(reply.type, JSON.stringify(reply.error)).toBe('host.result');
      expect(reply.payload.chain).toEqual([Buffer.from(storePki.intermediate.certDer).toString('base64')]);
    } finally {
      await host.close();
    }
  });
});
