/**
 * verifyAuthToken (sdk/server): tokens made with real keys (openssl PKI, signed by `openssl pkeyutl`), checked
 * the way a portal's server would. The documented signed bytes are cross-checked with node:crypto, which knows
 * nothing of Kyso: H(origin) ‖ H(challenge), signed with the token's scheme and hash.
 */
import { createPublicKey, randomBytes, verify as nodeVerify, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyAuthToken } from '../../sdk/server/index.js';
import { AUTH_TOKEN_FORMAT, authDigestToSign, authHashAlgorithmFor, authSignedData, type AuthToken } from '../../shared/protocol/auth-token.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { createSoftwarePki, type SoftwareIdentity } from '../helpers/software-signer.js';

const ORIGIN = 'https://dichvucong.kyso-test.gov.vn';
const pki = createSoftwarePki();
const other = createSoftwarePki();
const der = (pem: string) => new Uint8Array(new X509Certificate(pem).raw);
const roots = [der(pki.rootPem)];

async function makeToken(identity: SoftwareIdentity, origin = ORIGIN, challenge = randomBytes(32).toString('base64')): Promise<AuthToken> {
  const keyType = identity.signer.keyType;
  const curve = keyType === 'EC' ? (new X509Certificate(identity.certPem).publicKey.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256') : undefined;
  const hashAlgorithm = authHashAlgorithmFor(keyType, curve);
  const signature = await identity.signer.signDigest(await authDigestToSign(origin, challenge, hashAlgorithm), hashAlgorithm);
  return {
    format: AUTH_TOKEN_FORMAT, origin, challenge,
    certificate: Buffer.from(identity.signer.certificate).toString('base64'),
    chain: identity.signer.chain.map((c) => Buffer.from(c).toString('base64')),
    signatureAlgorithm: keyType === 'EC' ? 'ECDSA' : 'RSASSA-PKCS1-v1_5',
    hashAlgorithm,
    signature: Buffer.from(signature).toString('base64'),
  };
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try { await promise; return 'valid'; } catch (error) {
    if (!(error instanceof KysoError)) throw error;
    expect(error.code).toBe('AUTH_TOKEN_INVALID');
    return String(error.details?.['reason']);
  }
}

describe('verifyAuthToken', () => {
  for (const name of ['rsa', 'ec', 'ec384'] as const) {
    it(`accepts a genuine ${name} token for the right origin and challenge, with a path to the trusted root`, async () => {
      const token = await makeToken(pki[name]);
      const result = await verifyAuthToken(token, { expectedOrigin: ORIGIN, expectedChallenge: token.challenge, trustedRoots: roots });
      expect(result.certificate.subject.commonName).toBe({ rsa: 'Nguyễn Văn A', ec: 'Trần Thị B', ec384: 'Lê Văn C' }[name]);
      expect(result.path).toHaveLength(2); // leaf, intermediate (the root is the anchor)
      expect(token.hashAlgorithm).toBe(name === 'ec384' ? 'SHA-384' : 'SHA-256');
    });
  }

  it('requireAuthenticationCertificate: a document-signing certificate (nonRepudiation) is refused with reason certificate-purpose', async () => {
    const token = await makeToken(pki.rsa);
    const options = { expectedOrigin: ORIGIN, expectedChallenge: token.challenge, trustedRoots: roots };
    expect(await reasonOf(verifyAuthToken(token, options))).toBe('valid');
    expect(await reasonOf(verifyAuthToken(token, { ...options, requireAuthenticationCertificate: true }))).toBe('certificate-purpose');
  });

  it('the documented bytes: node:crypto verifies the signature over H(origin) ‖ H(challenge)', async () => {
    for (const name of ['rsa', 'ec'] as const) {
      const token = await makeToken(pki[name]);
      const data = await authSignedData(token.origin, token.challenge, token.hashAlgorithm);
      const key = createPublicKey(new X509Certificate(pki[name].certPem).publicKey.export({ type: 'spki', format: 'pem' }));
      expect(nodeVerify('sha256', data, key, Buffer.from(token.signature, 'base64'))).toBe(true);
    }
  });

  it('refuses a token made for another origin (phishing site relaying the challenge)', async () => {
    const token = await makeToken(pki.rsa, 'https://dichvucong-kyso-test.gov.vn.evil.example');
    expect(await reasonOf(verifyAuthToken(token, { expectedOrigin: ORIGIN, expectedChallenge: token.challenge }))).toBe('origin');
    // Rewriting the origin field to the expected one breaks the signature.
    expect(await reasonOf(verifyAuthToken({ ...token, origin: ORIGIN }, { expectedOrigin: ORIGIN, expectedChallenge: token.challenge }))).toBe('signature');
  });

  it('refuses a replayed token (another challenge than this session\'s)', async () => {
    const token = await makeToken(pki.ec);
    const fresh = randomBytes(32).toString('base64');
    expect(await reasonOf(verifyAuthToken(token, { expectedOrigin: ORIGIN, expectedChallenge: fresh }))).toBe('challenge');
    expect(await reasonOf(verifyAuthToken({ ...token, challenge: fresh }, { expectedOrigin: ORIGIN, expectedChallenge: fresh }))).toBe('signature');
  });

  it('refuses a tampered signature', async () => {
    for (const name of ['rsa', 'ec'] as const) {
      const token = await makeToken(pki[name]);
      const bytes = Buffer.from(token.signature, 'base64');
      bytes[bytes.length - 3]! ^= 0x01;
      expect(await reasonOf(verifyAuthToken({ ...token, signature: bytes.toString('base64') }, { expectedOrigin: ORIGIN, expectedChallenge: token.challenge }))).toBe('signature');
    }
  });

  it('refuses a token whose certificate was swapped for someone else\'s', async () => {
    const token = await makeToken(pki.rsa);
    const swapped = { ...token, certificate: Buffer.from(other.rsa.signer.certificate).toString('base64') };
    expect(await reasonOf(verifyAuthToken(swapped, { expectedOrigin: ORIGIN, expectedChallenge: token.challenge }))).toBe('signature');
  });

  it('refuses a genuine token from a certificate outside the trusted roots', async () => {
    const token = await makeToken(other.rsa);
    expect(await reasonOf(verifyAuthToken(token, { expectedOrigin: ORIGIN, expectedChallenge: token.challenge, trustedRoots: roots }))).toBe('untrusted');
    // The same token passes when its own root is trusted (the refusal was about trust, not the signature).
    expect(await reasonOf(verifyAuthToken(token, { expectedOrigin: ORIGIN, expectedChallenge: token.challenge, trustedRoots: [der(other.rootPem)] }))).toBe('valid');
  });

  it('refuses a path through a foreign intermediate placed in the token\'s chain', async () => {
    const token = await makeToken(pki.rsa);
    const forged = { ...token, chain: [Buffer.from(der(other.intermediatePem)).toString('base64')] };
    expect(await reasonOf(verifyAuthToken(forged, { expectedOrigin: ORIGIN, expectedChallenge: token.challenge, trustedRoots: roots }))).toBe('untrusted');
  });

  it('refuses a certificate not valid at the given time', async () => {
    const token = await makeToken(pki.ec);
    const at = new Date(Date.now() + 5 * 365 * 86_400_000);
    expect(await reasonOf(verifyAuthToken(token, { expectedOrigin: ORIGIN, expectedChallenge: token.challenge, at }))).toBe('certificate-validity');
  });

  it('refuses malformed tokens by shape: extra fields, short challenge, wrong format, not an object', async () => {
    const token = await makeToken(pki.rsa);
    const options = { expectedOrigin: ORIGIN, expectedChallenge: token.challenge };
    expect(await reasonOf(verifyAuthToken({ ...token, signedAt: '2026-01-01' }, options))).toBe('format');
    expect(await reasonOf(verifyAuthToken({ ...token, challenge: randomBytes(16).toString('base64') }, options))).toBe('format');
    expect(await reasonOf(verifyAuthToken({ ...token, format: 'kyso-auth:0' }, options))).toBe('format');
    expect(await reasonOf(verifyAuthToken('not a token', options))).toBe('format');
    expect(await reasonOf(verifyAuthToken({ ...token, certificate: 'AAAA' }, options))).toBe('certificate');
  });
});
