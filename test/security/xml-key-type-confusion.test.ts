/**
 * Key-type confusion in XML signature checking: KeyInfo/X509Data may carry certificates of several key types (an
 * EC signer beside its RSA issuing CA, or whatever an attacker adds). A forged SignatureValue must end INVALID
 * whatever certificates sit beside it — a certificate whose key does not fit the SignatureMethod is not a
 * candidate, and must not turn "the signature is wrong" into "unsupported algorithm" (indeterminate).
 *
 * Signed on a real SoftHSM2 token with the built `kyso sign-xml` (ECDSA and RSA keys); judged by `kyso verify`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { runKyso } from '../helpers/kyso-cli.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/xml');
let token: DemoToken;
let dir: string;
let n = 0;
let ecSigned: string;
let rsaSigned: string;
let rsaCertB64: string;
let ecCertB64: string;

interface Report { status: string; signatures: { status: string; reasons: { code: string }[]; signer?: { subject: { commonName?: string } } }[] }

async function kysoVerify(text: string): Promise<{ code: number | null; report: Report }> {
  const path = join(dir, `variant-${n++}.xml`);
  await writeFile(path, text);
  const r = await runKyso(['verify', path, '--trust', token.rootPem, '--no-revocation', '--json'], { env: { KYSO_TRUST_DIR: '' } });
  return { code: r.code, report: JSON.parse(r.stdout) as Report };
}

async function sign(cert: string, name: string): Promise<string> {
  const output = join(dir, `${name}.xml`);
  const r = await runKyso(['sign-xml', join(FIXTURES, 'einvoice-tt78.xml'), '-o', output, '--cert', cert, '--ref', 'data', '--parent', 'DSCKS/NBan', '--pin-stdin'],
    { env: token.env, stdin: `${token.userPin}\n` });
  if (r.code !== 0) throw new Error(`sign-xml failed: ${r.stderr}`);
  return readFile(output, 'utf8');
}

const pemBody = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
/** The SignatureValue with one base64 character changed (still well-formed base64 of the same length). */
const forge = (text: string) => text.replace(/<SignatureValue>([^<]{10})(.)/, (_m, head: string, c: string) => `<SignatureValue>${head}${c === 'A' ? 'B' : 'A'}`);
const firstCert = (text: string) => /<X509Certificate>[^<]+<\/X509Certificate>/.exec(text)![0];
const codes = (report: Report) => report.signatures.flatMap((s) => s.reasons.map((r) => r.code));

beforeAll(async () => {
  token = await createDemoToken();
  dir = await mkdtemp(join(tmpdir(), 'kyso-keytype-'));
  ecSigned = await sign('CCCD:001099012345', 'ec');
  rsaSigned = await sign('MST:0101234567', 'rsa');
  rsaCertB64 = pemBody(await readFile(token.cert('org-rsa').certPem, 'utf8'));
  ecCertB64 = pemBody(await readFile(token.cert('person-ec').certPem, 'utf8'));
  expect(ecSigned).toContain('ecdsa-sha256');
}, 180_000);

describe('forged SignatureValue beside certificates of the other key type', () => {
  it.each([
    ['ECDSA, KeyInfo as signed (EC signer, RSA issuing CA)', () => forge(ecSigned)],
    ['ECDSA, an RSA certificate added after the EC signer', () => forge(ecSigned.replace(firstCert(ecSigned), `${firstCert(ecSigned)}<X509Certificate>${rsaCertB64}</X509Certificate>`))],
    ['ECDSA, an RSA certificate added before the EC signer', () => forge(ecSigned.replace(firstCert(ecSigned), `<X509Certificate>${rsaCertB64}</X509Certificate>${firstCert(ecSigned)}`))],
    ['ECDSA, the EC certificate replaced by an RSA one (no key of the right type)', () => forge(ecSigned.replace(firstCert(ecSigned), `<X509Certificate>${rsaCertB64}</X509Certificate>`))],
    ['RSA, an EC certificate added after the RSA signer', () => forge(rsaSigned.replace(firstCert(rsaSigned), `${firstCert(rsaSigned)}<X509Certificate>${ecCertB64}</X509Certificate>`))],
  ])('%s: invalid (exit 1, SIGNATURE_INVALID), not indeterminate', async (_label, build) => {
    const { code, report } = await kysoVerify(build());
    expect(report.status).toBe('invalid');
    expect(code).toBe(1);
    expect(codes(report)).toContain('SIGNATURE_INVALID');
    expect(codes(report)).not.toContain('UNSUPPORTED_ALGORITHM');
  }, 60_000);
});

describe('genuine signatures with extra certificates of the other key type', () => {
  it('ECDSA (xmlsec1 OK on it) with an RSA certificate added first: valid, the signer is the EC certificate whose key verifies', async () => {
    const path = join(dir, 'ec.xml');
    const text = ecSigned.replace(firstCert(ecSigned), `<X509Certificate>${rsaCertB64}</X509Certificate>${firstCert(ecSigned)}`);
    const xmlsec = spawnSync('xmlsec1', ['--verify', '--trusted-pem', token.rootPem, '--untrusted-pem', token.intermediatePem, '--id-attr:Id', 'DLHDon', path], { encoding: 'utf8' });
    expect(xmlsec.stderr).toContain('OK');
    expect(xmlsec.status).toBe(0);
    const { code, report } = await kysoVerify(text);
    expect(code).toBe(0);
    expect(report.signatures[0]!.signer?.subject.commonName).toBe('Nguyễn Văn Ánh');
  }, 60_000);
});
