/**
 * The two-communes story (test/helpers/two-communes-tokens.ts): two real SoftHSM2 tokens plugged in at once, one
 * holder, two bodies. The list must tell them apart, and nothing may pick one of them for the person (the consent
 * window's side: test/e2e/certificates-two-communes.test.ts).
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { certificateId, type SoftHsmTokens } from '../helpers/softhsm-tokens.js';
import { createTwoCommunes, TWO_COMMUNES_CCCD as CCCD, TWO_COMMUNES_TOKEN_LABEL as LABEL, type CommuneSide } from '../helpers/two-communes-tokens.js';
import { buildTestHost, spawnHost, type BuiltHost, type HostProcess } from '../helpers/host-process.js';
import { runKyso } from '../helpers/kyso-cli.js';

let tokens: SoftHsmTokens;
let built: BuiltHost;
let vnpt: CommuneSide;
let viettel: CommuneSide;
let host: HostProcess | undefined;

beforeAll(async () => {
  let communes;
  [communes, built] = await Promise.all([createTwoCommunes(), buildTestHost()]);
  ({ tokens, vnpt, viettel } = communes);
}, 180_000);

afterEach(async () => {
  await host?.close();
  host = undefined;
});

describe('two tokens at once, certificates of the same holder (SoftHSM2)', () => {
  it('host.listCertificates: two certificates, apart by token (id, serial), issuer, organisational unit and serial', async () => {
    host = spawnHost(built.hostPath, { env: tokens.env });
    const reply = await host.request('host.listCertificates', {});
    const certificates = reply.payload.certificates as any[];
    expect(certificates.map((c) => c.id).sort()).toEqual([certificateId(vnpt.cert.certDer), certificateId(viettel.cert.certDer)].sort());
    const [a, b] = certificates;
    expect(a.subject.commonName).toBe(b.subject.commonName);
    expect(a.subject.identifiers.all).toEqual([CCCD]);
    expect(b.subject.identifiers.all).toEqual([CCCD]);
    expect(a.token.label).toBe(b.token.label); // the labels do not tell them apart…
    expect(a.token.id).not.toBe(b.token.id); // …the tokens do,
    expect(a.token.serialNumber).not.toBe(b.token.serialNumber);
    expect(a.issuer.commonName).not.toBe(b.issuer.commonName); // and so do the issuer
    expect(new Set([a.subject.organizationalUnit, b.subject.organizationalUnit])).toEqual(new Set(['UBND Xã Hòa Xuân Tây', 'UBND Xã Hòa Tâm']));
    expect(a.serialNumber === b.serialNumber && a.issuer.dn === b.issuer.dn).toBe(false);
    const tokensReply = await host.request('host.listTokens', {});
    expect(tokensReply.payload.tokens).toHaveLength(2); // the free slot beside them is not a token
  }, 60_000);

  it('each signature is made by the token of the certificate chosen, with that token\'s PIN; the other PIN fails', async () => {
    host = spawnHost(built.hostPath, { env: tokens.env });
    const content = 'Quyết định số 07/QĐ-UBND';
    const digest = createHash('sha256').update(content).digest('base64');
    for (const side of [vnpt, viettel]) {
      const id = certificateId(side.cert.certDer);
      const wrongPin = side === vnpt ? viettel.token.userPin : vnpt.token.userPin;
      const wrong = await host.request('host.signDigest', { certificateId: id, digest, hashAlgorithm: 'SHA-256', pin: wrongPin });
      expect(wrong.error).toMatchObject({ code: 'PIN_INCORRECT' });
      const reply = await host.request('host.signDigest', { certificateId: id, digest, hashAlgorithm: 'SHA-256', pin: side.token.userPin });
      expect(reply.type, JSON.stringify(reply.error)).toBe('host.result');
      expect(Buffer.from(reply.payload.certificate, 'base64')).toEqual(Buffer.from(side.cert.certDer));
      // openssl checks the raw signature with the chosen certificate's public key.
      const dir = tokens.dir;
      await writeFile(join(dir, 'sig.bin'), Buffer.from(reply.payload.signature, 'base64'));
      await writeFile(join(dir, 'content.txt'), content);
      const pub = spawnSync('openssl', ['x509', '-in', side.cert.certPath, '-pubkey', '-noout'], { encoding: 'utf8' }).stdout;
      await writeFile(join(dir, 'pub.pem'), pub);
      const verify = spawnSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.bin'), join(dir, 'content.txt')], { encoding: 'utf8' });
      expect(verify.stdout).toContain('Verified OK');
    }
  }, 60_000);

  it('kyso list shows both under their tokens with serial, unit, issuer and validity; --cert CCCD:… does not pick one', async () => {
    const r = await runKyso(['list'], { env: tokens.env });
    expect(r.code, r.stderr).toBe(0);
    for (const side of [vnpt, viettel]) {
      expect(r.stdout).toContain(`Thiết bị / Token: ${LABEL} (SoftHSM project SoftHSM v2, serial ${side.token.serialNumber})`);
    }
    expect(r.stdout).toContain('UBND Huyện Đông Hòa — UBND Xã Hòa Xuân Tây');
    expect(r.stdout).toContain('UBND Huyện Đông Hòa — UBND Xã Hòa Tâm');
    expect(r.stdout).toContain('VNPT-CA Test Intermediate CA');
    expect(r.stdout).toContain('Viettel-CA Test Intermediate CA');
    expect(r.stdout.match(/serial [0-9a-f]+ · id /g)).toHaveLength(2);

    const input = join(tokens.dir, 'qd.txt');
    await writeFile(input, 'Quyết định');
    const ambiguous = await runKyso(['sign-cms', input, '-o', join(tokens.dir, 'qd.p7s'), '--cert', CCCD, '--pin-stdin'], { env: tokens.env, stdin: `${vnpt.token.userPin}\n` });
    expect(ambiguous.code).not.toBe(0);
    expect(ambiguous.stderr).toContain('BAD_REQUEST');
    expect(ambiguous.stderr).toContain('ambiguous');
  }, 60_000);
});
