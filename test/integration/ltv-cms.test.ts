/**
 * Issue 16 §2, CMS: `kyso sign-cms --level B-LT` (CAdES-B-LT) puts the certificates, OCSP responses and CRLs of the
 * signer's and the TSA's paths in the SignedData's own certificates/crls. openssl verifies the signature, lists
 * the CRL and checks it and the OCSP response it carries; with the OCSP responder, CRL server and TSA stopped
 * `kyso verify` says valid at level B-LT, while a B-T signature cannot be vouched for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runKyso } from '../helpers/kyso-cli.js';
import { createLtvEnvironment, type LtvEnvironment } from '../helpers/ltv-environment.js';

const run = promisify(execFile);
let ltv: LtvEnvironment;
let content: string;

beforeAll(async () => {
  ltv = await createLtvEnvironment('Kyso CAdES LT');
  content = join(ltv.dir, 'to-khai.xml');
  await writeFile(content, '<ToKhai><MST>0101234567</MST><KyKeKhai>11/2026</KyKeKhai></ToKhai>');
}, 120_000);

afterAll(async () => {
  await ltv?.dispose();
});

function signCms(output: string, ...extra: string[]) {
  return runKyso(['sign-cms', content, '-o', join(ltv.dir, output), '--cert', ltv.selector, '--pin-stdin', ...extra], { env: ltv.env, stdin: `${ltv.pin}\n`, timeoutMs: 120_000 });
}

/** openssl asn1parse's listing of a DER file: offset, depth, header and content length, description. */
function asn1Listing(p7s: string): Array<{ offset: number; depth: number; size: number; text: string }> {
  return spawnSync('openssl', ['asn1parse', '-inform', 'DER', '-in', p7s]).stdout.toString().split('\n')
    .map((line) => /^\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ offset: Number(m[1]), depth: Number(m[2]), size: Number(m[3]) + Number(m[4]), text: m[5]! }));
}

/** The DER of an element, cut where openssl's listing says it is. */
function elementAt(p7s: string, element: { offset: number; size: number }): Buffer {
  return readFileSync(p7s).subarray(element.offset, element.offset + element.size);
}

/** The element right after each occurrence of `oid` (the OCSP response after id-ri-ocsp-response). */
function extractAfterOid(p7s: string, oid: string): Buffer[] {
  const listing = asn1Listing(p7s);
  return listing.flatMap((line, i) => (line.text.includes(oid) && listing[i + 1] ? [elementAt(p7s, listing[i + 1]!)] : []));
}

/** The CertificateList elements of SignedData.crls ([1] at depth 3, SEQUENCE children at depth 4). */
function crlsOf(p7s: string): Buffer[] {
  const listing = asn1Listing(p7s);
  const start = listing.findIndex((l) => l.depth === 3 && /cont \[ 1 \]/.test(l.text));
  if (start < 0) return [];
  const out: Buffer[] = [];
  for (let i = start + 1; i < listing.length && listing[i]!.depth > 3; i++) {
    if (listing[i]!.depth === 4 && /SEQUENCE/.test(listing[i]!.text)) out.push(elementAt(p7s, listing[i]!));
  }
  return out;
}

describe('kyso sign-cms --level B-LT', () => {
  it('B-LT: openssl verifies the signature; the SignedData carries the root\'s CRL and an OCSP response openssl accepts', async () => {
    const r = await signCms('lt.p7s', '--tsa', ltv.tsa.url, '--level', 'B-LT');
    expect(r.code, r.stderr).toBe(0);
    const p7s = join(ltv.dir, 'lt.p7s');
    const verified = spawnSync('openssl', ['cms', '-verify', '-inform', 'DER', '-in', p7s, '-binary', '-content', content, '-CAfile', ltv.pki.root.certPath, '-purpose', 'any', '-out', '/dev/null']);
    expect(verified.status, verified.stderr.toString()).toBe(0);

    // Every certificate of both paths: openssl cms -verify -certsout lists what the SignedData carries.
    const certsOut = join(ltv.dir, 'carried.pem');
    spawnSync('openssl', ['cms', '-verify', '-inform', 'DER', '-in', p7s, '-binary', '-content', content, '-noverify', '-certsout', certsOut, '-out', '/dev/null']);
    const carried = await readFile(certsOut, 'utf8');
    const subjects = spawnSync('sh', ['-c', `openssl crl2pkcs7 -nocrl -certfile ${certsOut} | openssl pkcs7 -print_certs -noout`]).stdout.toString();
    expect(carried.match(/BEGIN CERTIFICATE/g)?.length).toBeGreaterThanOrEqual(5);
    expect(subjects).toMatch(/Kyso CAdES LT Intermediate CA/);
    expect(subjects).toMatch(/Kyso CAdES LT Root CA/);
    expect(subjects).toMatch(/Kyso Test TSA Root/);

    const [crlDer] = crlsOf(p7s);
    expect(crlDer?.length ?? 0).toBeGreaterThan(100);
    await writeFile(join(ltv.dir, 'root.crl'), crlDer!);
    const crl = await run('openssl', ['crl', '-inform', 'DER', '-in', join(ltv.dir, 'root.crl'), '-CAfile', ltv.pki.root.certPath, '-noout', '-issuer']);
    expect(crl.stderr).toMatch(/verify OK/);
    expect(crl.stdout).toMatch(/Kyso CAdES LT Root CA/);

    const [ocsp] = extractAfterOid(p7s, '1.3.6.1.5.5.7.16.2');
    expect(ocsp?.length ?? 0).toBeGreaterThan(100);
    await writeFile(join(ltv.dir, 'leaf.ocsp'), ocsp!);
    const checked = await run('openssl', ['ocsp', '-respin', join(ltv.dir, 'leaf.ocsp'), '-CAfile', ltv.pki.root.certPath, '-verify_other', ltv.pki.intermediate.certPath,
      '-issuer', ltv.pki.intermediate.certPath, '-cert', ltv.leaf.certPath, '-no_nonce']);
    expect(checked.stdout + checked.stderr).toMatch(/Response verify OK/);
    expect(checked.stdout).toMatch(/: good/);
  });

  it('B-T for comparison; B-LTA is refused for CMS before the PIN is asked', async () => {
    expect((await signCms('t.p7s', '--tsa', ltv.tsa.url)).code).toBe(0);
    const refused = await runKyso(['sign-cms', content, '-o', join(ltv.dir, 'x.p7s'), '--tsa', ltv.tsa.url, '--level', 'B-LTA'], { env: ltv.env, stdin: '' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/BAD_REQUEST.*--level must be one of B-B, B-T, B-LT/);
  });

  describe('offline', () => {
    beforeAll(async () => {
      await ltv.stopNetwork();
    });

    it('the B-LT signature verifies valid at level B-LT from its own revocation values', async () => {
      const r = await runKyso(['verify', join(ltv.dir, 'lt.p7s'), '--content', content, '--json'], { env: ltv.env, timeoutMs: 60_000 });
      const report = JSON.parse(r.stdout) as { status: string; signatures: Array<{ level?: string; revocation: { status: string; url?: string } }> };
      expect(report.status, r.stdout).toBe('valid');
      expect(report.signatures[0]).toMatchObject({ level: 'B-LT', revocation: { status: 'good', url: 'embedded' } });
    });

    it('the B-T signature cannot be vouched for offline: indeterminate, level B-T', async () => {
      const r = await runKyso(['verify', join(ltv.dir, 't.p7s'), '--content', content, '--json'], { env: ltv.env, timeoutMs: 60_000 });
      const report = JSON.parse(r.stdout) as { status: string; signatures: Array<{ level?: string }> };
      expect(report.status).toBe('indeterminate');
      expect(report.signatures[0]!.level).toBe('B-T');
      expect((await readFile(join(ltv.dir, 't.p7s'))).length).toBeLessThan((await readFile(join(ltv.dir, 'lt.p7s'))).length);
    });
  });
});
