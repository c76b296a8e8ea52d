/**
 * One token that has kept every certificate of its holder for twenty years of yearly renewals: 18 expired, last
 * year's still valid for a few days, and this year's. A real SoftHSM2 token through the built host and CLI: the
 * list is complete, the same on every listing and in every process, the current certificate is on top and the
 * expired ones are marked and cannot sign.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { opensslDate, TestPki, type IssuedCert } from '../helpers/test-pki.js';
import { certificateId, createSoftHsmTokens, type SoftHsmTokens } from '../helpers/softhsm-tokens.js';
import { buildTestHost, spawnHost, type BuiltHost, type HostProcess } from '../helpers/host-process.js';
import { runKyso } from '../helpers/kyso-cli.js';

const DAY_MS = 86_400_000;
const PIN = '135790';
const SUBJECT = '/C=VN/ST=Thái Bình/CN=Hoàng Văn Mười/UID=CCCD:034075000020';

let tokens: SoftHsmTokens;
let built: BuiltHost;
let renewed: IssuedCert;
let lastYear: IssuedCert;
/** Newest first. */
let expired: IssuedCert[] = [];
let host: HostProcess | undefined;

beforeAll(async () => {
  let pki: TestPki;
  [tokens, built, pki] = await Promise.all([createSoftHsmTokens(), buildTestHost(), TestPki.create({ label: 'Kyso Renewals' })]);
  const token = await tokens.addToken('Token Thái Bình', PIN);
  const now = Date.now();
  const issued: Array<{ cert: IssuedCert; label: string }> = [];
  // Written oldest first, the order a token fills up in.
  for (let year = 2006; year <= 2023; year++) {
    const cert = await pki.issue({ subject: SUBJECT, keyType: 'ec', startDate: `${year}0315000000Z`, endDate: `${year + 1}0315000000Z` }, `cert-${year}`);
    expired.unshift(cert);
    issued.push({ cert, label: `Chứng thư ${year}` });
  }
  lastYear = await pki.issue({ subject: SUBJECT, keyType: 'ec', startDate: opensslDate(new Date(now - 358 * DAY_MS)), endDate: opensslDate(new Date(now + 7 * DAY_MS)) }, 'last-year');
  renewed = await pki.issue({ subject: SUBJECT, keyType: 'ec', startDate: opensslDate(new Date(now - 3 * DAY_MS)), endDate: opensslDate(new Date(now + 3 * 365 * DAY_MS)) }, 'renewed');
  issued.push({ cert: lastYear, label: 'Chứng thư năm ngoái' }, { cert: renewed, label: 'Chứng thư gia hạn' });
  for (const [i, { cert, label }] of issued.entries()) await token.addKeyAndCertificate(cert, (0x10 + i).toString(16), label);
}, 300_000);

afterEach(async () => {
  await host?.close();
  host = undefined;
});

const expectedOrder = () => [renewed, lastYear, ...expired].map((c) => certificateId(c.certDer));

describe('one token with 20 certificates of one holder (SoftHSM2)', () => {
  it('host.listCertificates: all 20, the renewed one first, then last year\'s, then the expired ones newest first, each marked', async () => {
    host = spawnHost(built.hostPath, { env: tokens.env });
    const reply = await host.request('host.listCertificates', {});
    const certificates = reply.payload.certificates as Array<{ id: string; unusableReasons: string[] }>;
    expect(certificates.map((c) => c.id)).toEqual(expectedOrder());
    expect(certificates.slice(0, 2).map((c) => c.unusableReasons)).toEqual([[], []]);
    for (const c of certificates.slice(2)) expect(c.unusableReasons).toEqual(['expired']);

    const validNow = await host.request('host.listCertificates', { filter: { validNow: true } });
    expect(validNow.payload.certificates.map((c: any) => c.id)).toEqual(expectedOrder().slice(0, 2));

    // Stable: the same order on the next listing and in another host process.
    const again = await host.request('host.listCertificates', {});
    expect(again.payload.certificates.map((c: any) => c.id)).toEqual(expectedOrder());
    const other = spawnHost(built.hostPath, { env: tokens.env });
    try {
      const fromOther = await other.request('host.listCertificates', {});
      expect(fromOther.payload.certificates.map((c: any) => c.id)).toEqual(expectedOrder());
    } finally {
      await other.close();
    }
  }, 60_000);

  it('an expired certificate cannot sign (CERTIFICATE_NOT_USABLE, before any PIN); the renewed one signs', async () => {
    host = spawnHost(built.hostPath, { env: tokens.env });
    const digest = createHash('sha256').update('Đơn đề nghị cấp giấy phép xây dựng').digest('base64');
    const old = await host.request('host.signDigest', { certificateId: certificateId(expired[0]!.certDer), digest, hashAlgorithm: 'SHA-256', pin: PIN });
    expect(old.error).toMatchObject({ code: 'CERTIFICATE_NOT_USABLE' });
    const current = await host.request('host.signDigest', { certificateId: certificateId(renewed.certDer), digest, hashAlgorithm: 'SHA-256', pin: PIN });
    expect(current.type, JSON.stringify(current.error)).toBe('host.result');
  }, 60_000);

  it('kyso sign-cms --cert CCCD:…: the identifier matches last year\'s and the renewal, both valid: the renewal signs (openssl verifies)', async () => {
    const input = join(tokens.dir, 'don.txt');
    await writeFile(input, 'Đơn đề nghị cấp giấy phép xây dựng');
    const output = join(tokens.dir, 'don.p7s');
    const r = await runKyso(['sign-cms', input, '-o', output, '--cert', 'CCCD:034075000020', '--pin-stdin'], { env: tokens.env, stdin: `${PIN}\n` });
    expect(r.code, r.stderr).toBe(0);
    const signer = join(tokens.dir, 'signer.pem');
    const verify = spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', output, '-content', input, '-noverify', '-signer', signer, '-out', '/dev/null'], { encoding: 'utf8' });
    expect(verify.status, verify.stderr).toBe(0);
    const signerDer = spawnSync('openssl', ['x509', '-in', signer, '-outform', 'DER']).stdout;
    expect(Buffer.from(signerDer).equals(Buffer.from(renewed.certDer))).toBe(true);
  }, 60_000);

  it('kyso list: all 20 under the token in the same order, the current one first, the expired ones marked', async () => {
    const json = await runKyso(['list', '--json'], { env: tokens.env });
    expect(json.code, json.stderr).toBe(0);
    const listed = JSON.parse(json.stdout);
    expect(listed.tokens).toHaveLength(1);
    expect(listed.tokens[0].certificates.map((c: any) => c.id)).toEqual(expectedOrder());
    const text = await runKyso(['list'], { env: tokens.env });
    const bullets = text.stdout.split('\n').filter((l) => l.includes('•'));
    expect(bullets).toHaveLength(20);
    expect(text.stdout.indexOf(`id ${certificateId(renewed.certDer)}`)).toBeLessThan(text.stdout.indexOf(`id ${certificateId(lastYear.certDer)}`));
    expect(text.stdout.split('Chứng thư số đã hết hạn. / The certificate has expired.').length - 1).toBe(18);
  }, 60_000);
});
