/**
 * `verify` from @kyso/sdk/server (sdk/server/verify-signature-result.ts): a signHash result checked by the portal's
 * server against the digest the server computed itself. Keys are real (openssl PKI, signed by `openssl pkeyutl`);
 * each signature is cross-checked with node:crypto, which knows nothing of Kyso.
 */
import { createHash, verify as nodeVerify, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verify } from '../../sdk/server/index.js';
import { createSoftwarePki, type SoftwareIdentity } from '../helpers/software-signer.js';

const pki = createSoftwarePki();
const other = createSoftwarePki();
const der = (pem: string) => new Uint8Array(new X509Certificate(pem).raw);
const DATA = Buffer.from('Tờ khai thuế 01/GTGT kỳ 11/2026', 'utf8');
const HASH = createHash('sha256').update(DATA).digest('base64');

async function signed(identity: SoftwareIdentity, hash = HASH) {
  const signature = await identity.signer.signDigest(Buffer.from(hash, 'base64'), 'SHA-256');
  return {
    signature: Buffer.from(signature).toString('base64'),
    signatureAlgorithm: identity.signer.keyType === 'EC' ? 'ECDSA' : 'RSASSA-PKCS1-v1_5',
    hashAlgorithm: 'SHA-256',
    certificate: Buffer.from(identity.signer.certificate).toString('base64'),
    chain: identity.signer.chain.map((c) => Buffer.from(c).toString('base64')),
  };
}

describe('server verify of a signHash result', () => {
  it.each(['rsa', 'ec'] as const)('%s: valid for the server\'s own digest, with the path to the trusted root', async (kind) => {
    const result = await signed(pki[kind]);
    const key = new X509Certificate(pki[kind].certPem).publicKey;
    expect(nodeVerify('sha256', DATA, kind === 'ec' ? { key, dsaEncoding: 'der' } : key, Buffer.from(result.signature, 'base64'))).toBe(true);
    const check = await verify(result, { hash: HASH, hashAlgorithm: 'SHA-256', trustedRoots: [der(pki.rootPem)] });
    expect(check.valid).toBe(true);
    if (check.valid) expect(check.path.length).toBeGreaterThanOrEqual(2);
  });

  it('names what is wrong: another digest, a flipped bit, another CA, another certificate, bad shape', async () => {
    const result = await signed(pki.rsa);
    const otherHash = createHash('sha256').update('something else').digest('base64');
    expect(await verify(result, { hash: otherHash, hashAlgorithm: 'SHA-256' })).toEqual({ valid: false, reason: 'signature' });
    const flipped = Buffer.from(result.signature, 'base64'); flipped[10]! ^= 1;
    expect(await verify({ ...result, signature: flipped.toString('base64') }, { hash: HASH, hashAlgorithm: 'SHA-256' })).toEqual({ valid: false, reason: 'signature' });
    expect(await verify(result, { hash: HASH, hashAlgorithm: 'SHA-256', trustedRoots: [der(other.rootPem)] })).toMatchObject({ valid: false, reason: 'untrusted' });
    expect(await verify(result, { hash: HASH, hashAlgorithm: 'SHA-256', expectedCertificateId: 'A'.repeat(43) })).toEqual({ valid: false, reason: 'unexpected-certificate' });
    expect(await verify(result, { hash: HASH, hashAlgorithm: 'SHA-384' })).toEqual({ valid: false, reason: 'hash' });
    expect(await verify({ ...result, extra: 1 }, { hash: HASH, hashAlgorithm: 'SHA-256' })).toEqual({ valid: false, reason: 'format' });
    expect(await verify(null, { hash: HASH, hashAlgorithm: 'SHA-256' })).toEqual({ valid: false, reason: 'format' });
  });

  it('an expired certificate is refused at `at`', async () => {
    const result = await signed(pki.rsa);
    expect(await verify(result, { hash: HASH, hashAlgorithm: 'SHA-256', at: new Date('2200-01-01') })).toEqual({ valid: false, reason: 'certificate-validity' });
  });
});
