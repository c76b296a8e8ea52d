/**
 * Pairing a token's certificate with its key (native-host/token/key-pairing.ts): by public key first, CKA_ID only
 * as a fallback and never against a key whose public value says otherwise. Certificates made with openssl.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pairCertificate, publicValueHex } from '../../native-host/token/key-pairing.js';

let rsa: { der: Uint8Array; modulus: Uint8Array };
let ec: { der: Uint8Array; point: Uint8Array };
let otherRsa: { der: Uint8Array; modulus: Uint8Array };

function selfSigned(keyArgs: string[]): { der: Uint8Array; jwk: JsonWebKey } {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-pairing-'));
  execFileSync('openssl', ['req', '-x509', ...keyArgs, '-nodes', '-subj', '/CN=pairing', '-days', '1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
  const cert = new X509Certificate(readFileSync(join(dir, 'c.pem')));
  return { der: new Uint8Array(cert.raw), jwk: createPublicKey(cert.publicKey.export({ format: 'pem', type: 'spki' })).export({ format: 'jwk' }) };
}

beforeAll(() => {
  const a = selfSigned(['-newkey', 'rsa:2048']);
  const b = selfSigned(['-newkey', 'rsa:2048']);
  const e = selfSigned(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  // CKA_MODULUS as a token gives it: big-endian, here with a leading zero byte some tokens keep.
  rsa = { der: a.der, modulus: Buffer.concat([Buffer.from([0]), Buffer.from(a.jwk.n!, 'base64url')]) };
  otherRsa = { der: b.der, modulus: Buffer.from(b.jwk.n!, 'base64url') };
  ec = { der: e.der, point: Buffer.concat([Buffer.from([4]), Buffer.from(e.jwk.x!, 'base64url'), Buffer.from(e.jwk.y!, 'base64url')]) };
});

const key = (ckaId: string, publicValue = '') => ({ ckaId, publicValue });

describe('pairCertificate', () => {
  it('pairs by RSA modulus and by EC point, DER-wrapped (PKCS#11 2.40) or raw, whatever the certificate\'s CKA_ID', () => {
    const wrapped = Buffer.concat([Buffer.from([0x04, ec.point.length]), ec.point]);
    const keys = {
      privateKeys: [key('01', publicValueHex('rsa-modulus', rsa.modulus))],
      publicKeys: [key('02', publicValueHex('ec-point', wrapped)), key('03', publicValueHex('ec-point', ec.point))],
    };
    expect(pairCertificate({ der: rsa.der, ckaId: '' }, keys)?.ckaId).toBe('01');
    expect(pairCertificate({ der: rsa.der, ckaId: 'c0ffee01' }, keys)?.ckaId).toBe('01');
    expect(pairCertificate({ der: ec.der, ckaId: '' }, keys)?.ckaId).toBe('02');
  });

  it('a CKA_ID naming a key whose public value differs is not a pairing (the signature would not match the certificate)', () => {
    const keys = { privateKeys: [], publicKeys: [key('01', publicValueHex('rsa-modulus', otherRsa.modulus))] };
    expect(pairCertificate({ der: rsa.der, ckaId: '01' }, keys)).toBeUndefined();
  });

  it('falls back to CKA_ID when no key shows its public value, and finds nothing for a lone certificate', () => {
    expect(pairCertificate({ der: rsa.der, ckaId: '01' }, { privateKeys: [key('01')], publicKeys: [] })?.ckaId).toBe('01');
    expect(pairCertificate({ der: rsa.der, ckaId: '' }, { privateKeys: [key('01')], publicKeys: [] })).toBeUndefined();
    expect(pairCertificate({ der: otherRsa.der, ckaId: '09' }, { privateKeys: [], publicKeys: [key('01', publicValueHex('rsa-modulus', rsa.modulus))] })).toBeUndefined();
  });
});
