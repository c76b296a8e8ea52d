/** CMS builder against a software key (openssl pkeyutl); verified by `openssl cms -verify`. */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCmsSignature } from '../../native-host/formats/cms/build-cms-signature.js';
import { hashBytes } from '../../native-host/formats/cms/signing-certificate-v2.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { createSoftwarePki, type SoftwarePki } from '../helpers/software-signer.js';

let pki: SoftwarePki;
beforeAll(() => { pki = createSoftwarePki(); }, 60_000);

function verify(sig: Uint8Array, content: Uint8Array | undefined, name: string): { ok: boolean; out: string } {
  const sigPath = join(pki.dir, `${name}.p7s`);
  writeFileSync(sigPath, sig);
  const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sigPath, '-CAfile', pki.rootPath, '-purpose', 'any', '-out', join(pki.dir, `${name}.out`)];
  if (content) {
    writeFileSync(join(pki.dir, `${name}.bin`), content);
    args.push('-content', join(pki.dir, `${name}.bin`));
  }
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: r.stderr };
}

const doc = new TextEncoder().encode('Hoá đơn điện tử số 0000123 — tổng tiền 1.000.000 ₫\n');

describe('buildCmsSignature', () => {
  it.each([
    ['RSA PKCS#1', 'rsa', undefined],
    ['RSA-PSS', 'rsa', 'RSA-PSS'],
    ['ECDSA', 'ec', undefined],
    ['ECDSA P-384', 'ec384', undefined],
  ] as const)('%s detached signature verifies with openssl, and fails on changed content', async (_label, who, scheme) => {
    const sig = await buildCmsSignature({ signer: pki[who].signer, hashAlgorithm: 'SHA-256', content: doc, ...(scheme ? { signatureScheme: scheme } : {}) });
    expect(verify(sig, doc, `d-${who}-${scheme}`).ok).toBe(true);
    const changed = doc.slice();
    changed[0] = (changed[0] as number) ^ 1;
    expect(verify(sig, changed, `d-${who}-${scheme}-bad`).ok).toBe(false);
  }, 30_000);

  it('enveloping signature carries the content', async () => {
    const sig = await buildCmsSignature({ signer: pki.ec.signer, hashAlgorithm: 'SHA-384', content: doc, encapsulate: true });
    expect(verify(sig, undefined, 'att').ok).toBe(true);
    const text = execFileSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', join(pki.dir, 'att.p7s')], { encoding: 'utf8' });
    expect(text).toContain('signingCertificateV2');
  });

  it('detached signature over a digest the portal computed verifies against the document', async () => {
    const sig = await buildCmsSignature({ signer: pki.rsa.signer, hashAlgorithm: 'SHA-512', messageDigest: hashBytes('SHA-512', doc) });
    expect(verify(sig, doc, 'digest').ok).toBe(true);
  });

  it('refuses a digest of the wrong length with INVALID_HASH', async () => {
    await expect(buildCmsSignature({ signer: pki.rsa.signer, hashAlgorithm: 'SHA-256', messageDigest: new Uint8Array(20) }))
      .rejects.toMatchObject({ code: 'INVALID_HASH' });
  });

  it('refuses RSA-PSS with an EC key and enveloping without content', async () => {
    await expect(buildCmsSignature({ signer: pki.ec.signer, hashAlgorithm: 'SHA-256', content: doc, signatureScheme: 'RSA-PSS' }))
      .rejects.toBeInstanceOf(KysoError);
    await expect(buildCmsSignature({ signer: pki.ec.signer, hashAlgorithm: 'SHA-256', messageDigest: new Uint8Array(32), encapsulate: true }))
      .rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
