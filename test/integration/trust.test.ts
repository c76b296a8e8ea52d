/**
 * Trust against real parts: a PKI made by the openssl CLI, a real `openssl ocsp` responder, a CRL made by
 * `openssl ca -gencrl` served over node:http, and AIA caIssuers served the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import 'reflect-metadata';
import * as http from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TestPki, freePort, type IssuedCert, type OcspResponder } from '../helpers/test-pki.js';
import { TrustStore, evaluateTrust, RevocationCache, AiaFetcher } from '../../native-host/trust/index.js';

// The responders here listen on 127.0.0.1: enabled through the documented admin opt-in (native-host/config.ts),
// not by weakening the rule that keeps revocation fetches off loopback and private addresses.
process.env.KYSO_ALLOW_PRIVATE_REVOCATION_URLS = '1';

let pki: TestPki;
let otherPki: TestPki;
let downPki: TestPki;
let responder: OcspResponder;
let server: http.Server;
const served = new Map<string, Uint8Array>();
let good: IssuedCert;
let revoked: IssuedCert;
let unknownToResponder: IssuedCert;
let store: TrustStore;

beforeAll(async () => {
  const ocspPort = await freePort();
  const httpPort = await freePort();
  const base = `http://127.0.0.1:${httpPort}`;
  server = http.createServer((req, res) => {
    const body = served.get(req.url ?? '');
    if (!body) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-length': body.length }).end(Buffer.from(body));
  });
  await new Promise<void>((resolve) => server.listen(httpPort, '127.0.0.1', resolve));

  pki = await TestPki.create({ ocspUrl: `http://127.0.0.1:${ocspPort}`, caIssuersUrl: `${base}/intermediate.der`, rootCrlUrl: `${base}/root.crl`, label: 'Trust Test' });
  served.set('/intermediate.der', pki.intermediate.certDer);
  served.set('/root.crl', await pki.crl(pki.root));
  good = await pki.issue({ subject: '/C=VN/CN=Nguyễn Văn Tốt/UID=CCCD:001099000001' });
  revoked = await pki.issue({ subject: '/C=VN/CN=Trần Bị Thu Hồi/UID=CCCD:001099000002' });
  await pki.revoke(revoked, 'keyCompromise');
  unknownToResponder = await pki.issue({ subject: '/C=VN/CN=Lê Không Rõ' });
  // Drop it from the CA database: the responder then answers "unknown" for it [RFC 6960 §2.2].
  const index = join(pki.intermediate.dir, 'index.txt');
  const lines = (await readFile(index, 'utf8')).split('\n').filter((l) => !l.includes(`\t${unknownToResponder.serialHex}\t`));
  await writeFile(index, lines.join('\n'));
  responder = await pki.startOcspResponder({ port: ocspPort });
  store = new TrustStore([await loadCert(pki.root.certDer)]);

  otherPki = await TestPki.create({ label: 'Other Root' });
  // OCSP responder that is down; one CRL URL served here.
  downPki = await TestPki.create({ ocspUrl: `http://127.0.0.1:${await freePort()}`, crlUrl: `${base}/down.crl`, label: 'CRL Only' });
}, 120_000);

afterAll(async () => {
  await responder?.stop();
  server?.close();
  await Promise.all([pki?.dispose(), otherPki?.dispose(), downPki?.dispose()]);
});

async function loadCert(der: Uint8Array) {
  const x509 = await import('@peculiar/x509');
  return new x509.X509Certificate(der as Uint8Array<ArrayBuffer>);
}

const fresh = () => ({ cache: new RevocationCache() });

describe('evaluateTrust', () => {
  it('good: chain to the configured root, OCSP says good', async () => {
    const result = await evaluateTrust(good.certDer, { store, extra: [pki.intermediate.certDer], ...fresh() });
    expect(result.chain.status).toBe('valid');
    expect(result.chain.path).toEqual(['Nguyễn Văn Tốt', 'Trust Test Intermediate CA', 'Trust Test Root CA']);
    expect(result.revocation).toMatchObject({ status: 'good', source: 'ocsp' });
    expect(result.caRevocation).toEqual([{ subject: 'Trust Test Intermediate CA', result: expect.objectContaining({ status: 'good', source: 'crl' }) }]);
  });

  it('a revoked intermediate CA (root CRL) makes the chain invalid even when the signer is good', async () => {
    const caPki = await TestPki.create({ rootCrlUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}/ca-revoked.crl`, label: 'Revoked CA' });
    try {
      const leaf = await caPki.issue({ subject: '/C=VN/CN=Dưới CA Bị Thu Hồi' });
      await caPki.revoke(caPki.intermediate, 'cACompromise', caPki.root);
      served.set('/ca-revoked.crl', await caPki.crl(caPki.root));
      const result = await evaluateTrust(leaf.certDer, { store: new TrustStore([await loadCert(caPki.root.certDer)]), extra: [caPki.intermediate.certDer], ...fresh() });
      expect(result.chain.status).toBe('invalid');
      expect(result.chain.reasons).toEqual([expect.objectContaining({ code: 'REVOKED', detail: expect.stringMatching(/^Revoked CA Intermediate CA: .*\(cACompromise\)$/) })]);
      expect(result.caRevocation[0]!.result).toMatchObject({ status: 'revoked', source: 'crl', reason: 'cACompromise' });
    } finally {
      await caPki.dispose();
    }
  });

  it('revoked: OCSP says revoked with date and reason', async () => {
    const result = await evaluateTrust(revoked.certDer, { store, extra: [pki.intermediate.certDer], ...fresh() });
    expect(result.chain.status).toBe('valid');
    expect(result.revocation).toMatchObject({ status: 'revoked', source: 'ocsp', reason: 'keyCompromise' });
    const revokedAt = Date.parse((result.revocation as { revokedAt: string }).revokedAt);
    expect(Math.abs(revokedAt - Date.now())).toBeLessThan(10 * 60_000);
  });

  it('unknown: the responder does not know the certificate', async () => {
    const result = await evaluateTrust(unknownToResponder.certDer, { store, extra: [pki.intermediate.certDer], ...fresh() });
    expect(result.revocation).toMatchObject({ status: 'unknown', source: 'ocsp' });
  });

  it('fetches a missing intermediate from AIA caIssuers over http', async () => {
    const withoutAia = await evaluateTrust(good.certDer, { store, checkRevocation: false });
    expect(withoutAia.chain.status).toBe('untrusted');
    expect(withoutAia.chain.reasons.map((r) => r.code)).toEqual(['CHAIN_INCOMPLETE']);
    const result = await evaluateTrust(good.certDer, { store, aia: new AiaFetcher(), checkRevocation: false });
    expect(result.chain.status).toBe('valid');
  });

  it('expired and not-yet-valid certificates are invalid at the time asked for', async () => {
    const expired = await pki.issue({ subject: '/C=VN/CN=Hết Hạn', startDate: '20200101000000Z', endDate: '20210101000000Z' });
    const result = await evaluateTrust(expired.certDer, { store, extra: [pki.intermediate.certDer], checkRevocation: false });
    expect(result.chain.status).toBe('invalid');
    expect(result.chain.reasons.map((r) => r.code)).toEqual(['CERT_EXPIRED']);
    expect(result.chain.reasons[0]!.vi).toMatch(/hết hạn/);
    // …yet valid in 2020 (a signature made then).
    const then = await evaluateTrust(expired.certDer, { store, extra: [pki.intermediate.certDer], checkRevocation: false, at: new Date('2020-06-01T00:00:00Z') });
    // The test CAs did not exist in 2020, so they are "not yet valid" then; the leaf itself was fine.
    expect(then.chain.reasons.map((r) => r.code)).toEqual(['CERT_NOT_YET_VALID', 'CERT_NOT_YET_VALID']);
    expect(then.chain.reasons.map((r) => r.detail)).toEqual([expect.stringMatching(/^Trust Test Intermediate CA/), expect.stringMatching(/^Trust Test Root CA/)]);

    const future = new Date(Date.now() + 30 * 86_400_000);
    const later = await pki.issue({ subject: '/C=VN/CN=Chưa Hiệu Lực', startDate: future.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z') });
    const notYet = await evaluateTrust(later.certDer, { store, extra: [pki.intermediate.certDer], checkRevocation: false });
    expect(notYet.chain.reasons.map((r) => r.code)).toEqual(['CERT_NOT_YET_VALID']);
  });

  it('wrong key usage on the signer is invalid', async () => {
    const encipherOnly = await pki.issue({ subject: '/C=VN/CN=Chỉ Mã Hoá', keyUsage: 'critical,keyEncipherment' });
    const result = await evaluateTrust(encipherOnly.certDer, { store, extra: [pki.intermediate.certDer], checkRevocation: false });
    expect(result.chain.status).toBe('invalid');
    expect(result.chain.reasons.map((r) => r.code)).toEqual(['SIGNER_KEY_USAGE']);

  });

  it('untrusted root: a chain to another root is untrusted, not invalid', async () => {
    const stranger = await otherPki.issue({ subject: '/C=VN/CN=Người Lạ' });
    const result = await evaluateTrust(stranger.certDer, { store, extra: [otherPki.intermediate.certDer, otherPki.root.certDer], checkRevocation: false });
    expect(result.chain.status).toBe('untrusted');
    expect(result.chain.reasons.map((r) => r.code)).toEqual(['CHAIN_UNTRUSTED_ROOT']);
  });

  it('an intermediate with the right name but another key is reported as a bad signature', async () => {
    // otherPki's intermediate has a different name; make a same-named impostor from a third PKI.
    const impostorPki = await TestPki.create({ label: 'Trust Test' });
    try {
      const result = await evaluateTrust(good.certDer, { store, extra: [impostorPki.intermediate.certDer], checkRevocation: false });
      expect(result.chain.status).toBe('invalid');
      expect(result.chain.reasons.map((r) => r.code)).toContain('CHAIN_BAD_SIGNATURE');
    } finally {
      await impostorPki.dispose();
    }
  });

  it('responder down and no CRL: could-not-check, fast — never "revoked"', async () => {
    const noCrl = await TestPki.create({ ocspUrl: `http://127.0.0.1:${await freePort()}`, label: 'Down' });
    try {
      const leaf = await noCrl.issue({ subject: '/C=VN/CN=Không Kiểm Tra Được' });
      const started = Date.now();
      const result = await evaluateTrust(leaf.certDer, { store: new TrustStore([await loadCert(noCrl.root.certDer)]), extra: [noCrl.intermediate.certDer], ...fresh() });
      expect(Date.now() - started).toBeLessThan(1500);
      expect(result.chain.status).toBe('valid');
      expect(result.revocation).toMatchObject({ status: 'could-not-check' });
      expect((result.revocation as { why: string }).why).toMatch(/connection refused/);
    } finally {
      await noCrl.dispose();
    }
  });

  it('a responder that never answers is cut off at the timeout', async () => {
    const silent = http.createServer(() => { /* never answers */ });
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    const slowPki = await TestPki.create({ ocspUrl: `http://127.0.0.1:${port}`, label: 'Slow' });
    try {
      const leaf = await slowPki.issue({ subject: '/C=VN/CN=Chậm' });
      const started = Date.now();
      const result = await evaluateTrust(leaf.certDer, { store: new TrustStore([await loadCert(slowPki.root.certDer)]), extra: [slowPki.intermediate.certDer], timeoutMs: 300, ...fresh() });
      expect(Date.now() - started).toBeLessThan(1500);
      expect(result.revocation).toMatchObject({ status: 'could-not-check' });
      expect((result.revocation as { why: string }).why).toMatch(/timed out/);
    } finally {
      silent.closeAllConnections(); silent.close();
      await slowPki.dispose();
    }
  });

  it('OCSP down → CRL fallback: good, then revoked after the CA publishes a new CRL', async () => {
    const leaf = await downPki.issue({ subject: '/C=VN/CN=Phạm Văn CRL' });
    const downStore = new TrustStore([await loadCert(downPki.root.certDer)]);
    served.set('/down.crl', await downPki.crl());
    const before = await evaluateTrust(leaf.certDer, { store: downStore, extra: [downPki.intermediate.certDer], ...fresh() });
    expect(before.revocation).toMatchObject({ status: 'good', source: 'crl' });

    await downPki.revoke(leaf, 'superseded');
    served.set('/down.crl', await downPki.crl());
    const after = await evaluateTrust(leaf.certDer, { store: downStore, extra: [downPki.intermediate.certDer], ...fresh() });
    expect(after.revocation).toMatchObject({ status: 'revoked', source: 'crl', reason: 'superseded' });
  });

  it('an OCSP answer signed by a certificate without id-kp-OCSPSigning is not believed', async () => {
    const port = await freePort();
    const rogue = await TestPki.create({ ocspUrl: `http://127.0.0.1:${port}`, label: 'Rogue Responder' });
    try {
      const leaf = await rogue.issue({ subject: '/C=VN/CN=Người Dùng' });
      const impostor = await rogue.issue({ subject: '/C=VN/CN=Không Phải OCSP' });
      const rogueResponder = await rogue.startOcspResponder({ port, signer: impostor });
      try {
        const result = await evaluateTrust(leaf.certDer, { store: new TrustStore([await loadCert(rogue.root.certDer)]), extra: [rogue.intermediate.certDer], ...fresh() });
        expect(result.revocation).toMatchObject({ status: 'could-not-check' });
        expect((result.revocation as { why: string }).why).toMatch(/OCSPSigning/);
      } finally {
        await rogueResponder.stop();
      }
    } finally {
      await rogue.dispose();
    }
  });

  it('a CRL signed by another CA is not believed', async () => {
    const leaf = await downPki.issue({ subject: '/C=VN/CN=CRL Giả' });
    served.set('/down.crl', await otherPki.crl());
    const result = await evaluateTrust(leaf.certDer, { store: new TrustStore([await loadCert(downPki.root.certDer)]), extra: [downPki.intermediate.certDer], ...fresh() });
    expect(result.revocation).toMatchObject({ status: 'could-not-check' });
    expect((result.revocation as { why: string }).why).toMatch(/another issuer|signature invalid/);
  });
});

describe('TrustStore', () => {
  it('loads PEM and DER files from a directory; only self-issued ones are anchors', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'kyso-trust-'));
    try {
      await writeFile(join(dir, 'root.pem'), pki.root.certPem);
      await writeFile(join(dir, 'intermediate.der'), pki.intermediate.certDer);
      await writeFile(join(dir, 'notes.txt'), 'ignored');
      const loaded = await TrustStore.load({ paths: [dir] });
      expect(loaded.anchors.length).toBe(1);
      expect(loaded.intermediates.length).toBe(1);
      const result = await evaluateTrust(good.certDer, { store: loaded, checkRevocation: false });
      expect(result.chain.status).toBe('valid');
      await writeFile(join(dir, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
      await expect(TrustStore.load({ paths: [dir] })).rejects.toMatchObject({ code: 'INVALID_DOCUMENT' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
