/**
 * XML Signature / XAdES-BES with the SoftHSM2 demo token, through the builder and the built `kyso sign-xml`,
 * judged by xmlsec1 against the demo root; hostile inputs in a batch are refused without losing the others.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signXmlDocument, type SignXmlOptions } from '../../native-host/formats/xml/sign-xml-document.js';
import { TokenService } from '../../native-host/token/token-service.js';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { runKyso } from '../helpers/kyso-cli.js';
import { startTestTsa } from '../helpers/tsa-server.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/xml');
const XADES_ID = ['--id-attr:Id', 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties'];
const DATA_ID = ['--id-attr:Id', 'DLHDon'];

let token: DemoToken;
let tokens: TokenService;
let dir: string;
let n = 0;

beforeAll(async () => {
  token = await createDemoToken();
  process.env.SOFTHSM2_CONF = token.softhsm2Conf;
  tokens = new TokenService({ modulePaths: [token.module] });
  dir = await mkdtemp(join(tmpdir(), 'kyso-xml-it-'));
}, 120_000);

afterAll(() => tokens?.close());

function xmlsecVerify(path: string, idArgs: string[]): { ok: boolean; log: string } {
  const r = spawnSync('xmlsec1', ['--verify', '--trusted-pem', token.rootPem, '--untrusted-pem', token.intermediatePem, ...idArgs, path], { encoding: 'utf8' });
  return { ok: r.status === 0, log: r.stderr };
}

async function tamperedCopy(path: string, from: string, to: string): Promise<string> {
  const text = await readFile(path, 'utf8');
  expect(text).toContain(from);
  const out = join(dir, `tampered-${n++}.xml`);
  await writeFile(out, text.replace(from, to));
  return out;
}

describe('signXmlDocument with the token', () => {
  it.each([
    ['org RSA: e-invoice #data under DSCKS/NBan, SigningTime property', 'org-rsa', { referenceId: 'data', parent: 'DSCKS/NBan', signingTimeProperty: true, signatureId: 'seller' }, DATA_ID],
    ['person EC: whole document, XAdES-BES, inclusive C14N', 'person-ec', { xades: true, canonicalization: 'inc' }, XADES_ID],
  ] as const)('%s: xmlsec1 verifies; a changed amount fails', async (_label, name, options, idArgs) => {
    const signer = await tokens.openSigner(token.cert(name).identifier, token.userPin);
    let signed: Uint8Array;
    try {
      signed = await signXmlDocument(await readFile(join(FIXTURES, 'einvoice-tt78.xml')), { signer, ...(options as Partial<SignXmlOptions>) });
    } finally {
      await signer.close();
    }
    const path = join(dir, `lib-${n++}.xml`);
    await writeFile(path, signed);
    const verdict = xmlsecVerify(path, [...idArgs]);
    expect(verdict.log).toContain('OK');
    expect(verdict.ok).toBe(true);
    expect(xmlsecVerify(await tamperedCopy(path, '<TgTTTBSo>1100000<', '<TgTTTBSo>1900000<'), [...idArgs]).ok).toBe(false);
  }, 30_000);
});

describe('kyso sign-xml (built CLI, SoftHSM2 token)', () => {
  it('signs an e-invoice the way the seller does (MST certificate, #data, DSCKS/NBan, XAdES) — xmlsec1 verifies', async () => {
    const input = join(dir, 'hoadon.xml');
    await copyFile(join(FIXTURES, 'einvoice-tt78.xml'), input);
    const output = join(dir, 'hoadon-signed.xml');
    const r = await runKyso(['sign-xml', input, '-o', output, '--cert', 'MST:0101234567', '--ref', 'data', '--parent', 'DSCKS/NBan', '--xades',
      '--signing-time', '--signature-id', 'seller', '--pin-stdin'], { env: token.env, stdin: `${token.userPin}\n` });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const verdict = xmlsecVerify(output, [...DATA_ID, ...XADES_ID]);
    expect(verdict.ok).toBe(true);
    const text = await readFile(output, 'utf8');
    expect(text).toMatch(/<DSCKS>\s*<NBan><Signature xmlns="http:\/\/www\.w3\.org\/2000\/09\/xmldsig#" Id="seller">/);
    expect(text).toContain('<SigningTime>');
    expect(await readFile(input)).toEqual(await readFile(join(FIXTURES, 'einvoice-tt78.xml')));
    expect(xmlsecVerify(await tamperedCopy(output, 'Công ty Cổ phần Mua Hàng', 'Công ty Cổ phần Bán Hàng'), [...DATA_ID, ...XADES_ID]).ok).toBe(false);
  }, 60_000);

  it('--xades --tsa (XAdES-T): xmlsec1 verifies, and openssl ts verifies the time-stamp over the canonical SignatureValue', async () => {
    const tsa = await startTestTsa();
    try {
      const input = join(dir, 'hoadon-t.xml');
      await copyFile(join(FIXTURES, 'einvoice-tt78.xml'), input);
      const output = join(dir, 'hoadon-t-signed.xml');
      const r = await runKyso(['sign-xml', input, '-o', output, '--cert', 'CCCD:001099012345', '--xades', '--tsa', tsa.url, '--pin-stdin'],
        { env: token.env, stdin: `${token.userPin}\n` });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(tsa.requests()).toBe(1);
      expect(xmlsecVerify(output, XADES_ID).ok).toBe(true);
      const text = await readFile(output, 'utf8');
      const value = /<SignatureValue>([^<]+)<\/SignatureValue>/.exec(text)?.[1];
      const stamp = /<xades:EncapsulatedTimeStamp>([^<]+)<\/xades:EncapsulatedTimeStamp>/.exec(text)?.[1];
      expect(value && stamp).toBeTruthy();
      // Exclusive C14N of ds:SignatureValue, written out by hand from the spec: the element with its namespace.
      const canonical = join(dir, 'sigvalue.c14n');
      await writeFile(canonical, `<SignatureValue xmlns="http://www.w3.org/2000/09/xmldsig#">${value}</SignatureValue>`);
      const tokenPath = join(dir, 'xades-t.tst');
      await writeFile(tokenPath, Buffer.from(stamp as string, 'base64'));
      const verify = spawnSync('openssl', ['ts', '-verify', '-token_in', '-in', tokenPath, '-data', canonical, '-CAfile', tsa.caPem, '-untrusted', tsa.tsaPem], { encoding: 'utf8' });
      expect(verify.stdout).toContain('Verification: OK');
    } finally {
      await tsa.close();
    }
  }, 60_000);

  it('batch with hostile inputs: good files signed, DTD / windows-1258 / malformed refused with their codes, exit 1', async () => {
    const inDir = await mkdtemp(join(dir, 'in-'));
    const outDir = await mkdtemp(join(dir, 'out-'));
    const names = ['einvoice-tt78.xml', 'doctype-xxe.xml', 'windows-1258.xml', 'namespaced-crlf.xml', 'malformed.xml'];
    const inputs = await Promise.all(names.map(async (name) => {
      await copyFile(join(FIXTURES, name), join(inDir, name));
      return join(inDir, name);
    }));
    const r = await runKyso(['sign-xml', ...inputs, '-o', outDir, '--cert', 'CCCD:001099012345', '--c14n', 'inc', '--pin-stdin'],
      { env: token.env, stdin: `${token.userPin}\n` });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAILED ${inputs[1]}: INVALID_DOCUMENT`);
    expect(r.stdout).toContain(`FAILED ${inputs[2]}: UNSUPPORTED_DOCUMENT`);
    expect(r.stdout).toContain(`FAILED ${inputs[4]}: INVALID_DOCUMENT`);
    expect(r.stdout).toContain('2/5 signed');
    expect(r.stderr).toContain('windows-1258');
    expect((await readdir(outDir)).sort()).toEqual(['einvoice-tt78.xml', 'namespaced-crlf.xml']);
    expect(xmlsecVerify(join(outDir, 'einvoice-tt78.xml'), []).ok).toBe(true);
    expect(xmlsecVerify(join(outDir, 'namespaced-crlf.xml'), []).ok).toBe(true);
  }, 60_000);

  it('refuses to write over its input and names a missing parent', async () => {
    const input = join(dir, 'self.xml');
    await copyFile(join(FIXTURES, 'einvoice-tt78.xml'), input);
    const r = await runKyso(['sign-xml', input, '-o', input, '--cert', 'MST:0101234567', '--pin-stdin'], { env: token.env, stdin: `${token.userPin}\n` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('overwrite an input');
    const r2 = await runKyso(['sign-xml', input, '-o', join(dir, 'self-signed.xml'), '--parent', 'KhongCo', '--cert', 'MST:0101234567', '--pin-stdin'],
      { env: token.env, stdin: `${token.userPin}\n` });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('parent element not found');
    expect(await readFile(input)).toEqual(await readFile(join(FIXTURES, 'einvoice-tt78.xml')));
  }, 60_000);
});
