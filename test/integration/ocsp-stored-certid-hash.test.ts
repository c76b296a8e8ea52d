/**
 * Stored OCSP answers (PAdES DSS, CAdES/XAdES revocation values) are matched to the certificate with the CertID hash
 * the answer itself uses [RFC 6960 §4.1.1]: responders answer in the hash of the request, and another validator's
 * embedded answers may use SHA-256 where Kyso asks with SHA-1. The answers here come from the real openssl
 * responder (`openssl ocsp -index …`) for requests made by `openssl ocsp -reqout` with each hash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { TestPki, openssl, type IssuedCert } from '../helpers/test-pki.js';
import { readOcspResponse } from '../../native-host/trust/ocsp-client.js';

let pki: TestPki;
let leaf: IssuedCert;
let other: IssuedCert;

beforeAll(async () => {
  pki = await TestPki.create({ label: 'Kyso OCSP CertID Test' });
  leaf = await pki.issue({ subject: '/C=VN/O=Kyso/CN=Nguyễn Văn Lưu Trữ' }, 'certid-leaf');
  other = await pki.issue({ subject: '/C=VN/O=Kyso/CN=Trần Thị Khác' }, 'certid-other');
}, 120_000);
afterAll(async () => { await pki?.dispose(); });

/** A DER OCSPResponse about `cert` whose CertID is hashed with `hash` (openssl's digest option, e.g. -sha256). */
async function storedAnswer(cert: IssuedCert, hash: string): Promise<Uint8Array> {
  const req = join(pki.dir, `${cert.name}-${hash}.req`);
  const resp = join(pki.dir, `${cert.name}-${hash}.resp`);
  await openssl(['ocsp', '-issuer', pki.intermediate.certPath, `-${hash}`, '-cert', cert.certPath, '-no_nonce', '-reqout', req]);
  await openssl(['ocsp', '-index', join(pki.intermediate.dir, 'index.txt'), '-rsigner', pki.ocspSigner.certPath, '-rkey', pki.ocspSigner.keyPath,
    '-CA', pki.intermediate.certPath, '-nmin', '60', '-reqin', req, '-respout', resp]);
  return new Uint8Array(await readFile(resp));
}

const read = async (bytes: Uint8Array, cert: IssuedCert) =>
  readOcspResponse(bytes, new x509.X509Certificate(cert.certPem), new x509.X509Certificate(await readFile(pki.intermediate.certPath, 'utf8')), {
    at: new Date(), url: 'embedded', stored: true,
  });

describe('stored OCSP answers are matched with the CertID hash they use', () => {
  it.each(['sha1', 'sha256', 'sha384', 'sha512'])('a %s CertID answer about the certificate is read as good', async (hash) => {
    const answer = await read(await storedAnswer(leaf, hash), leaf);
    expect(answer.status).toBe('good');
  });

  it('an answer about another certificate of the same CA does not count for this one, whatever its hash', async () => {
    for (const hash of ['sha1', 'sha256']) {
      await expect(read(await storedAnswer(other, hash), leaf)).rejects.toThrow(/does not name this certificate/);
    }
  });
});
