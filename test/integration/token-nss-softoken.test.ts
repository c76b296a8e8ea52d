/**
 * The second real PKCS#11 implementation: NSS's softoken (Debian libnss3), its database filled with NSS's own
 * certutil / pk12util, loaded by the BUILT host and CLI through KYSO_PKCS11_MODULE + KYSO_PKCS11_INIT_ARGS.
 * List, sign CMS (openssl verifies), sign PDF (pdfsig verifies), wrong PIN (typed error), and NSS beside SoftHSM2.
 */
import { X509Certificate, constants, createHash, verify as nodeVerify } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNssToken, NSS_SOFTOKEN, type NssToken } from '../helpers/nss-token.js';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { buildTestHost, spawnHost, type BuiltHost, type HostProcess } from '../helpers/host-process.js';
import { documentChunks, hostResult, readDocument } from '../helpers/host-documents.js';
import { runKyso } from '../helpers/kyso-cli.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { nssDbWith, opensslCmsVerify, pdfsig } from '../fixtures/pdf/pdf-test-tools.js';

let nss: NssToken;
let built: BuiltHost;
let dir: string;
let host: HostProcess | undefined;

beforeAll(async () => {
  [nss, built] = await Promise.all([createNssToken(), buildTestHost()]);
  dir = await mkdtemp(join(tmpdir(), 'kyso-nss-it-'));
}, 180_000);

afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function upload(h: HostProcess, kind: string, bytes: Uint8Array): Promise<string> {
  const { handle } = await hostResult(h, 'host.documentBegin', { kind, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  for (const chunk of documentChunks(handle, bytes)) await hostResult(h, 'host.documentChunk', chunk);
  return handle as string;
}

interface Listed {
  tokens: { token: { id: string; label: string; serialNumber: string; manufacturer: string }; certificates: { id: string; commonName?: string; usable: boolean; unusableReasons: string[] }[] }[];
  drivers: { path: string; loaded: boolean; error?: string; foundBy?: string }[];
}

describe('NSS softoken through the host', () => {
  it('kyso list: the certificate database token with both key pairs usable, the CA certificate not offered, tokens told apart', async () => {
    const r = await runKyso(['list', '--json'], { env: nss.env });
    expect(r.code, r.stderr).toBe(0);
    const listed = JSON.parse(r.stdout) as Listed;
    expect(listed.drivers).toEqual([expect.objectContaining({ path: NSS_SOFTOKEN, loaded: true, foundBy: 'environment' })]);
    // NSS has two tokens, both with serial 0000000000000000: crypto services (no objects) and the certificate DB.
    const labels = listed.tokens.map((t) => t.token.label).sort();
    expect(labels).toEqual(['NSS Certificate DB', 'NSS Generic Crypto Services']);
    expect(new Set(listed.tokens.map((t) => t.token.id)).size).toBe(2);
    expect(listed.tokens.every((t) => t.token.serialNumber === '0000000000000000' && t.token.manufacturer === 'Mozilla Foundation')).toBe(true);
    const db = listed.tokens.find((t) => t.token.label === 'NSS Certificate DB')!;
    const crypto = listed.tokens.find((t) => t.token.label === 'NSS Generic Crypto Services')!;
    expect(crypto.certificates).toEqual([]);
    const byName = new Map(db.certificates.map((c) => [c.commonName, c]));
    expect(byName.get('Công ty Cổ phần Hải Sản Nha Trang')).toMatchObject({ id: nss.rsa.certificateId, usable: true });
    expect(byName.get('Trần Thị Ngọc Ánh')).toMatchObject({ id: nss.ec.certificateId, usable: true });
    // The issuing CA came in with each PKCS#12 file: listed once, without a key.
    expect(byName.get('Kyso NSS Test Intermediate CA')).toMatchObject({ usable: false });
    expect(byName.get('Kyso NSS Test Intermediate CA')!.unusableReasons).toContain('noPrivateKey');
    expect(db.certificates).toHaveLength(3);
  }, 60_000);

  it('without its init parameters NSS refuses C_Initialize: the driver is reported skipped (CKR_ARGUMENTS_BAD), nothing hangs', async () => {
    const r = await runKyso(['list', '--json'], { env: { ...nss.env, KYSO_PKCS11_INIT_ARGS: '' } });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/PKCS11_MODULE_NOT_FOUND/);
    expect(r.stderr).toContain('libsoftokn3.so: CKR_ARGUMENTS_BAD'); // why, not just "not found"
    const doctor = await runKyso(['doctor', '--json'], { env: { ...nss.env, KYSO_PKCS11_INIT_ARGS: '' } });
    expect(doctor.stdout).toContain('CKR_ARGUMENTS_BAD');
    expect(doctor.stdout).toContain('KYSO_PKCS11_INIT_ARGS'); // and what to do about it
  }, 60_000);

  it('host.signDocuments: a CMS with the RSA key (openssl verifies) and a PDF with the EC key (pdfsig verifies)', async () => {
    host = spawnHost(built.hostPath, { env: nss.env });
    const listed = await hostResult(host, 'host.listCertificates', {});
    expect(listed.certificates.map((c: any) => c.id).sort()).toEqual([nss.rsa.certificateId, nss.ec.certificateId].sort());

    const content = new TextEncoder().encode('Tờ khai hải quan điện tử số 10/2026 — Công ty Cổ phần Hải Sản Nha Trang\n');
    const cmsHandle = await upload(host, 'cms', content);
    const cms = await hostResult(host, 'host.signDocuments', { certificateId: nss.rsa.certificateId, pin: nss.userPin, documents: [{ kind: 'cms', handle: cmsHandle }] });
    expect(cms.results[0].ok).toBe(true);
    const signature = await readDocument(host, cms.results[0].handle);
    const verdict = await opensslCmsVerify(signature, content, nss.caFile);
    expect(verdict.output).toContain('Verification successful');
    expect(verdict.ok).toBe(true);

    const pdf = await makeVietnameseDocument(1);
    const pdfHandle = await upload(host, 'pdf', pdf);
    const signedPdf = await hostResult(host, 'host.signDocuments', {
      certificateId: nss.ec.certificateId, pin: nss.userPin, documents: [{ kind: 'pdf', handle: pdfHandle, options: { reason: 'Phê duyệt', location: 'Đà Nẵng' } }],
    });
    expect(signedPdf.results[0].ok).toBe(true);
    const out = join(dir, 'nss-signed.pdf');
    await writeFile(out, await readDocument(host, signedPdf.results[0].handle));
    const report = await pdfsig(out, await nssDbWith([nss.pki.root.certPath, nss.pki.intermediate.certPath]));
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]).toMatchObject({ valid: true });
    expect(report.output).toContain('Trần Thị Ngọc Ánh');
    expect(host.stderrText()).not.toContain(nss.userPin);
  }, 120_000);

  it('host.signDigest with every scheme the host uses (raw CKM_RSA_PKCS, CKM_RSA_PKCS_PSS, CKM_ECDSA), SHA-256 to SHA-512: node:crypto verifies', async () => {
    host = spawnHost(built.hostPath, { env: nss.env });
    const content = Buffer.from('Biên bản nghiệm thu số 3/2026', 'utf8');
    const cases = [
      [nss.rsa, 'RSASSA-PKCS1-v1_5', 'SHA-256'], [nss.rsa, 'RSA-PSS', 'SHA-384'], [nss.rsa, 'RSA-PSS', 'SHA-512'],
      [nss.ec, 'ECDSA', 'SHA-256'], [nss.ec, 'ECDSA', 'SHA-512'],
    ] as const;
    for (const [cert, scheme, hash] of cases) {
      const nodeHash = hash.replace('-', '').toLowerCase();
      const digest = createHash(nodeHash).update(content).digest('base64');
      const reply = await host.request('host.signDigest', { certificateId: cert.certificateId, digest, hashAlgorithm: hash, signatureScheme: scheme, pin: nss.userPin });
      expect(reply.type, `${scheme} ${hash}: ${JSON.stringify(reply.error)}`).toBe('host.result');
      expect(reply.payload.signatureAlgorithm).toBe(scheme);
      const key = new X509Certificate(Buffer.from(cert.issued.certDer)).publicKey;
      const options = scheme === 'RSA-PSS' ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Buffer.from(digest, 'base64').length } : key;
      expect(nodeVerify(nodeHash, content, options, Buffer.from(reply.payload.signature, 'base64')), `${scheme} ${hash}`).toBe(true);
    }
  }, 60_000);

  it('a wrong PIN: PIN_INCORRECT (no tries counter on NSS, so no count state), nothing signed; the right PIN then signs', async () => {
    host = spawnHost(built.hostPath, { env: nss.env });
    const digest = createHash('sha256').update('Hoá đơn 0000123').digest('base64');
    const wrong = await host.request('host.signDigest', { certificateId: nss.rsa.certificateId, digest, hashAlgorithm: 'SHA-256', pin: 'sai-mat-khau' });
    expect(wrong.type).toBe('host.error');
    expect(wrong.error).toMatchObject({ code: 'PIN_INCORRECT' });
    expect(wrong.error.details?.pinTokenState).toBeUndefined();
    // Unlike SoftHSM2, NSS keeps no tries counter: the token never says "few tries left" (nor locks).
    const afterWrong = await host.request('host.listTokens', {});
    expect(afterWrong.payload.tokens.find((t: any) => t.label === 'NSS Certificate DB').flags).toMatchObject({ userPinCountLow: false, userPinFinalTry: false, userPinLocked: false });
    const right = await host.request('host.signDigest', { certificateId: nss.rsa.certificateId, digest, hashAlgorithm: 'SHA-256', pin: nss.userPin });
    expect(right.type, JSON.stringify(right.error)).toBe('host.result');

    // The CLI says it in Vietnamese and English and writes no file.
    const input = join(dir, 'to-khai.txt');
    await writeFile(input, 'Tờ khai thuế 01/GTGT');
    const output = join(dir, 'to-khai.p7s');
    const cli = await runKyso(['sign-cms', input, '-o', output, '--cert', nss.rsa.identifier, '--pin-stdin'], { env: nss.env, stdin: 'sai-mat-khau\n' });
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('PIN_INCORRECT');
    expect(cli.stderr).toContain('Mã PIN không đúng.');
    expect(cli.stderr).toContain('The PIN is incorrect.');
    expect(existsSync(output)).toBe(false);
  }, 60_000);

  it('kyso sign-pdf with the NSS token: pdfsig verifies the signature of the company certificate', async () => {
    const input = join(dir, 'hop-dong.pdf');
    const original = Buffer.from(await makeVietnameseDocument(2));
    await writeFile(input, original);
    const output = join(dir, 'hop-dong-da-ky.pdf');
    const r = await runKyso(['sign-pdf', input, '-o', output, '--cert', nss.rsa.identifier, '--pin-stdin'], { env: nss.env, stdin: `${nss.userPin}\n` });
    expect(r.code, r.stderr).toBe(0);
    const report = await pdfsig(output, await nssDbWith([nss.pki.root.certPath, nss.pki.intermediate.certPath]));
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]).toMatchObject({ valid: true });
    expect(report.signatures[0]!.trusted).toBe(true);
    expect(await readFile(input)).toEqual(original); // never altered in place
  }, 60_000);
});

describe('NSS softoken registered with p11-kit, no Kyso configuration', () => {
  it("a user's p11-kit module file with x-init-reserved: kyso list finds the NSS token by itself", async () => {
    const home = await mkdtemp(join(tmpdir(), 'kyso-nss-home-'));
    const modules = join(home, '.config', 'pkcs11', 'modules');
    await mkdir(modules, { recursive: true });
    const registration = join(modules, 'nss-softoken.module');
    await writeFile(registration, `# NSS softoken over the test database\nmodule: ${NSS_SOFTOKEN}\nx-init-reserved: ${nss.initArgs}\n`);
    const env = { KYSO_PKCS11_MODULE: '', KYSO_PKCS11_INIT_ARGS: '', KYSO_CONFIG: '', HOME: home, XDG_CONFIG_HOME: join(home, '.config'), KYSO_STATE_DIR: join(home, 'state') };
    const r = await runKyso(['list', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const listed = JSON.parse(r.stdout) as Listed;
    expect(listed.drivers.find((d) => d.path === NSS_SOFTOKEN)).toMatchObject({ loaded: true, foundBy: 'p11-kit' });
    const db = listed.tokens.find((t) => t.token.label === 'NSS Certificate DB');
    expect(db?.certificates.map((c) => c.id)).toEqual(expect.arrayContaining([nss.rsa.certificateId, nss.ec.certificateId]));
  }, 60_000);
});

describe('NSS softoken beside SoftHSM2 in one host', () => {
  let demo: DemoToken;
  beforeAll(async () => { demo = await createDemoToken(); }, 120_000);

  it('KYSO_PKCS11_INIT_ARGS goes to the first module only: both drivers load, both tokens list, each signs', async () => {
    const env = { ...demo.env, ...nss.env, KYSO_PKCS11_MODULE: `${NSS_SOFTOKEN}:${demo.module}` };
    const r = await runKyso(['list', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const listed = JSON.parse(r.stdout) as Listed;
    expect(listed.drivers.map((d) => [d.path, d.loaded])).toEqual([[NSS_SOFTOKEN, true], [demo.module, true]]);
    const ids = listed.tokens.flatMap((t) => t.certificates.map((c) => c.id));
    expect(ids).toContain(nss.rsa.certificateId);
    expect(ids).toContain(demo.cert('org-rsa').certificateId);

    host = spawnHost(built.hostPath, { env });
    const digest = createHash('sha256').update('hai trình điều khiển').digest('base64');
    for (const [certificateId, pin] of [[nss.ec.certificateId, nss.userPin], [demo.cert('person-ec').certificateId, demo.userPin]] as const) {
      const reply = await host.request('host.signDigest', { certificateId, digest, hashAlgorithm: 'SHA-256', pin });
      expect(reply.type, JSON.stringify(reply.error)).toBe('host.result');
    }
  }, 120_000);
});

describe('NSS softoken: certificates without their key (certutil -A), and what reaches the page', () => {
  it('a lone end-entity certificate and the root CA added with certutil are listed only with withPrivateKey:false, never offered; host.hello does not carry the init parameters', async () => {
    const other = await createNssToken();
    const lone = await other.pki.issue({ subject: '/C=VN/CN=Bản sao chứng thư/UID=CCCD:048199000999' }, 'lone');
    const db = other.initArgs.match(/configdir='sql:([^']+)'/)![1]!;
    for (const [nickname, path, trust] of [['lone', lone.certPath, ',,'], ['root', other.pki.root.certPath, 'C,C,C']] as const) {
      spawnSync('certutil', ['-A', '-d', `sql:${db}`, '-n', nickname, '-t', trust, '-i', path, '-f', join(other.dir, 'pin.txt')], { stdio: 'ignore' });
    }
    host = spawnHost(built.hostPath, { env: other.env });
    const offered = await host.request('host.listCertificates', {});
    expect(offered.payload.certificates.map((c: any) => c.id).sort()).toEqual([other.rsa.certificateId, other.ec.certificateId].sort());
    const all = await host.request('host.listCertificates', { filter: { withPrivateKey: false } });
    const byId = new Map<string, any>(all.payload.certificates.map((c: any) => [c.id, c]));
    for (const der of [lone.certDer, other.pki.root.certDer]) {
      expect(byId.get(createHash('sha256').update(der).digest('base64url'))?.unusableReasons).toContain('noPrivateKey');
    }
    const digest = createHash('sha256').update('x').digest('base64');
    const refused = await host.request('host.signDigest', { certificateId: createHash('sha256').update(lone.certDer).digest('base64url'), digest, hashAlgorithm: 'SHA-256', pin: other.userPin });
    expect(refused.error).toMatchObject({ code: 'KEY_NOT_FOUND' });

    const hello = await host.request('host.hello', { extensionVersion: '0.1.0' });
    expect(hello.type).toBe('host.result');
    expect(JSON.stringify(hello.payload)).not.toContain(db);
    expect(JSON.stringify(hello.payload)).not.toContain('configdir');
  }, 120_000);
});
