/**
 * Issue 16 §2, XML: `kyso sign-xml --xades --tsa --level B-LT` (XAdES-B-LT) adds xades:CertificateValues and
 * xades:RevocationValues after the SignatureTimeStamp. xmlsec1 verifies the signature (the unsigned properties are
 * outside SignedInfo); openssl checks the OCSP response and CRL carried; with the OCSP responder, CRL server and
 * TSA stopped `kyso verify` says valid at level B-LT, while a XAdES-T signature (B-T) cannot be vouched for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runKyso } from '../helpers/kyso-cli.js';
import { createLtvEnvironment, type LtvEnvironment } from '../helpers/ltv-environment.js';

const run = promisify(execFile);
const XADES_ID = ['--id-attr:Id', 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties'];
let ltv: LtvEnvironment;
let input: string;

beforeAll(async () => {
  ltv = await createLtvEnvironment('Kyso XAdES LT');
  input = join(ltv.dir, 'to-khai.xml');
  await writeFile(input, '<?xml version="1.0" encoding="UTF-8"?>\n<VanBan><SoHieu>15/QĐ-STP</SoHieu><TrichYeu>Lưu trữ dài hạn</TrichYeu></VanBan>\n');
}, 120_000);

afterAll(async () => {
  await ltv?.dispose();
});

function signXml(output: string, ...extra: string[]) {
  return runKyso(['sign-xml', input, '-o', join(ltv.dir, output), '--cert', ltv.selector, '--pin-stdin', '--xades', ...extra], { env: ltv.env, stdin: `${ltv.pin}\n`, timeoutMs: 120_000 });
}

function verifyJson(file: string) {
  return runKyso(['verify', join(ltv.dir, file), '--json'], { env: ltv.env, timeoutMs: 60_000 });
}

describe('kyso sign-xml --level B-LT', () => {
  it('XAdES-B-LT: xmlsec1 verifies; the OCSP response and the root\'s CRL carried pass openssl', async () => {
    const r = await signXml('lt.xml', '--tsa', ltv.tsa.url, '--level', 'B-LT');
    expect(r.code, r.stderr).toBe(0);
    const path = join(ltv.dir, 'lt.xml');
    const xmlsec = spawnSync('xmlsec1', ['--verify', '--trusted-pem', ltv.pki.root.certPath, ...XADES_ID, path], { encoding: 'utf8' });
    expect(xmlsec.status, xmlsec.stderr).toBe(0);
    const text = await readFile(path, 'utf8');
    expect(text).toMatch(/<\/xades:SignatureTimeStamp><xades:CertificateValues>/);
    expect(text.match(/<xades:EncapsulatedX509Certificate>/g)?.length).toBeGreaterThanOrEqual(4);

    const ocsp = /<xades:EncapsulatedOCSPValue>([^<]+)</.exec(text)?.[1];
    expect(ocsp).toBeDefined();
    await writeFile(join(ltv.dir, 'leaf.ocsp'), Buffer.from(ocsp!, 'base64'));
    const checked = await run('openssl', ['ocsp', '-respin', join(ltv.dir, 'leaf.ocsp'), '-CAfile', ltv.pki.root.certPath, '-verify_other', ltv.pki.intermediate.certPath,
      '-issuer', ltv.pki.intermediate.certPath, '-cert', ltv.leaf.certPath, '-no_nonce']);
    expect(checked.stdout + checked.stderr).toMatch(/Response verify OK/);
    expect(checked.stdout).toMatch(/: good/);

    const crl = /<xades:EncapsulatedCRLValue>([^<]+)</.exec(text)?.[1];
    expect(crl).toBeDefined();
    await writeFile(join(ltv.dir, 'root.crl'), Buffer.from(crl!, 'base64'));
    const crlChecked = await run('openssl', ['crl', '-inform', 'DER', '-in', join(ltv.dir, 'root.crl'), '-CAfile', ltv.pki.root.certPath, '-noout']);
    expect(crlChecked.stderr).toMatch(/verify OK/);
  });

  it('XAdES-T for comparison; --level B-LT without --tsa is refused before the PIN is asked', async () => {
    expect((await signXml('t.xml', '--tsa', ltv.tsa.url)).code).toBe(0);
    const refused = await runKyso(['sign-xml', input, '-o', join(ltv.dir, 'x.xml'), '--xades', '--level', 'B-LT'], { env: ltv.env, stdin: '' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/BAD_REQUEST.*needs a time-stamp server/);
  });

  describe('offline', () => {
    beforeAll(async () => {
      await ltv.stopNetwork();
    });

    it('the XAdES-B-LT signature verifies valid at level B-LT, its time-stamp checked', async () => {
      const r = await verifyJson('lt.xml');
      const report = JSON.parse(r.stdout) as { status: string; signatures: Array<{ level?: string; timestamp?: { status: string }; revocation: { status: string; url?: string } }> };
      expect(report.status, r.stdout).toBe('valid');
      expect(report.signatures[0]).toMatchObject({ level: 'B-LT', timestamp: { status: 'valid' }, revocation: { status: 'good', url: 'embedded' } });
    });

    it('the XAdES-T signature: time-stamp valid, level B-T, but indeterminate offline', async () => {
      const r = await verifyJson('t.xml');
      const report = JSON.parse(r.stdout) as { status: string; signatures: Array<{ level?: string; timestamp?: { status: string } }> };
      expect(report.status).toBe('indeterminate');
      expect(report.signatures[0]).toMatchObject({ level: 'B-T', timestamp: { status: 'valid' } });
    });

    it('a changed SignatureValue: the signature and its time-stamp no longer verify', async () => {
      const text = await readFile(join(ltv.dir, 'lt.xml'), 'utf8');
      const edited = text.replace(/<SignatureValue>(.)/, (_m, c: string) => `<SignatureValue>${c === 'A' ? 'B' : 'A'}`);
      expect(edited).not.toBe(text);
      await writeFile(join(ltv.dir, 'edited.xml'), edited);
      const report = JSON.parse((await verifyJson('edited.xml')).stdout) as { status: string; signatures: Array<{ level?: string; timestamp?: { status: string } }> };
      expect(report.status).toBe('invalid');
      expect(report.signatures[0]!.level).toBeUndefined();
      expect(report.signatures[0]!.timestamp?.status).toBe('invalid');
    });
  });
});
