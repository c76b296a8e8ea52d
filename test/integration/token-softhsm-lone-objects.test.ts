/**
 * Real tokens carry more than the person's key pair: the CA chain, a certificate whose key lives on another
 * token (a copy kept after a renewal), a key pair whose certificate was never written. A real SoftHSM2 token with
 * all of these, through the built host and CLI: only the key pair with its certificate is offered for signing.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestPki, type IssuedCert } from '../helpers/test-pki.js';
import { certificateId, createSoftHsmTokens, type SoftHsmTokens } from '../helpers/softhsm-tokens.js';
import { buildTestHost, spawnHost, type BuiltHost, type HostProcess } from '../helpers/host-process.js';
import { runKyso } from '../helpers/kyso-cli.js';

let tokens: SoftHsmTokens;
let built: BuiltHost;
let pki: TestPki;
let pair: IssuedCert;
let lone: IssuedCert;
let keyOnly: IssuedCert;
let host: HostProcess | undefined;
const PIN = '246810';

beforeAll(async () => {
  [tokens, built, pki] = await Promise.all([createSoftHsmTokens(), buildTestHost(), TestPki.create({ label: 'Kyso Lone' })]);
  pair = await pki.issue({ subject: '/C=VN/L=Huế/CN=Phạm Minh Châu/UID=CCCD:046190000111' }, 'pair');
  lone = await pki.issue({ subject: '/C=VN/L=Huế/CN=Phạm Minh Châu (bản sao)/UID=CCCD:046190000112' }, 'lone');
  keyOnly = await pki.issue({ subject: '/C=VN/L=Huế/CN=Chỉ có khoá/UID=CCCD:046190000113' }, 'key-only');
  const token = await tokens.addToken('Token Huế', PIN);
  await token.addKeyAndCertificate(pair, '01', 'Ký số');
  await token.addCertificate(lone.certDer, '02', 'Chứng thư cũ (khoá ở thiết bị khác)');
  await token.addKeyPair(keyOnly.keyPath, '03', 'Khoá chưa có chứng thư');
  await token.addCertificate(pki.intermediate.certDer, 'ca01', 'Kyso Lone Intermediate CA');
  await token.addCertificate(pki.root.certDer, 'ca02', 'Kyso Lone Root CA');
}, 180_000);

afterEach(async () => {
  await host?.close();
  host = undefined;
});

describe('CA certificates, lone certificates and keys without a certificate (SoftHSM2)', () => {
  it('host.listCertificates offers only the key pair with its certificate; with withPrivateKey:false the rest show why', async () => {
    host = spawnHost(built.hostPath, { env: tokens.env });
    const offered = await host.request('host.listCertificates', {});
    expect(offered.payload.certificates.map((c: any) => c.id)).toEqual([certificateId(pair.certDer)]);

    const all = await host.request('host.listCertificates', { filter: { withPrivateKey: false } });
    const byId = new Map<string, any>(all.payload.certificates.map((c: any) => [c.id, c]));
    expect(byId.size).toBe(4); // pair, lone, intermediate, root: the key without a certificate is no certificate
    for (const der of [lone.certDer, pki.intermediate.certDer, pki.root.certDer]) {
      expect(byId.get(certificateId(der))?.unusableReasons).toContain('noPrivateKey');
    }
    expect(byId.get(certificateId(pair.certDer))?.unusableReasons).toEqual([]);
  }, 60_000);

  it('signing with a lone certificate or a CA certificate is refused with KEY_NOT_FOUND before any PIN is tried', async () => {
    host = spawnHost(built.hostPath, { env: tokens.env });
    const digest = createHash('sha256').update('Quyết định số 15/QĐ-UBND').digest('base64');
    for (const der of [lone.certDer, pki.intermediate.certDer]) {
      // A wrong PIN: had the host logged in, the answer would be PIN_INCORRECT.
      const reply = await host.request('host.signDigest', { certificateId: certificateId(der), digest, hashAlgorithm: 'SHA-256', pin: '000000' });
      expect(reply.error).toMatchObject({ code: 'KEY_NOT_FOUND' });
    }
    const tokenInfo = await host.request('host.listTokens', {});
    expect(tokenInfo.payload.tokens[0].flags).toMatchObject({ userPinCountLow: false, userPinFinalTry: false });
    const good = await host.request('host.signDigest', { certificateId: certificateId(pair.certDer), digest, hashAlgorithm: 'SHA-256', pin: PIN });
    expect(good.type, JSON.stringify(good.error)).toBe('host.result');
  }, 60_000);

  it('kyso list says why each one is not for signing, and counts the key that has no certificate', async () => {
    const json = await runKyso(['list', '--json'], { env: tokens.env });
    expect(json.code, json.stderr).toBe(0);
    const listed = JSON.parse(json.stdout);
    expect(listed.tokens).toHaveLength(1);
    const certificates = listed.tokens[0].certificates as any[];
    expect(certificates.filter((c) => c.usable).map((c) => c.id)).toEqual([certificateId(pair.certDer)]);
    expect(listed.tokens[0].keysWithoutCertificate).toBe(1);

    const text = await runKyso(['list'], { env: tokens.env });
    expect(text.stdout).toContain('Phạm Minh Châu (bản sao) [CCCD:046190000112]');
    expect(text.stdout).toContain('Không có khoá bí mật đi kèm trên thiết bị ký. / No private key for it on the token.');
    expect(text.stdout).toContain('1 khoá không có chứng thư số, không dùng để ký / 1 key without a certificate, not offered for signing');
  }, 60_000);
});
