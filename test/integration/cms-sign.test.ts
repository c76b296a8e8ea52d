/**
 * CMS / CAdES-BES with the SoftHSM2 demo token, through the builder and through the built `kyso sign-cms`,
 * judged by `openssl cms -verify` against the demo root.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCmsSignature } from '../../native-host/formats/cms/build-cms-signature.js';
import { TokenService, type TokenSigner } from '../../native-host/token/token-service.js';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { kysoLauncher, runKyso } from '../helpers/kyso-cli.js';
import { startTestTsa } from '../helpers/tsa-server.js';
import * as pkijs from 'pkijs';

const run = promisify(execFile);
let token: DemoToken;
let tokens: TokenService;
let dir: string;
let n = 0;

beforeAll(async () => {
  token = await createDemoToken();
  process.env.SOFTHSM2_CONF = token.softhsm2Conf;
  tokens = new TokenService({ modulePaths: [token.module] });
  dir = await mkdtemp(join(tmpdir(), 'kyso-cms-it-'));
}, 120_000);

afterAll(async () => {
  tokens?.close();
});

/** One signer at a time: a token holds one login (TokenService serialises signers per token). */
async function withSigner<T>(name: 'org-rsa' | 'person-ec', fn: (signer: TokenSigner) => Promise<T>): Promise<T> {
  const signer = await tokens.openSigner(token.cert(name).identifier, token.userPin);
  try {
    return await fn(signer);
  } finally {
    await signer.close();
  }
}

/** openssl cms -verify against the demo root (intermediate given as untrusted), returning the signer's subject. */
function opensslVerify(signature: string, content?: string): { ok: boolean; stderr: string; signerSubject: string } {
  const signerPem = join(dir, `signer-${n++}.pem`);
  const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', signature, '-CAfile', token.rootPem, '-certfile', token.intermediatePem,
    '-purpose', 'any', '-signer', signerPem, '-out', '/dev/null'];
  if (content) args.push('-content', content);
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  const subject = r.status === 0 ? spawnSync('openssl', ['x509', '-in', signerPem, '-noout', '-subject', '-nameopt', 'utf8'], { encoding: 'utf8' }).stdout : '';
  return { ok: r.status === 0, stderr: r.stderr, signerSubject: subject };
}

const document = Buffer.from('Tờ khai thuế giá trị gia tăng — kỳ tháng 11/2026\nTổng số thuế phải nộp: 12.345.000 ₫\n', 'utf8');

async function writeTemp(name: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

describe('buildCmsSignature with the token', () => {
  it.each([
    ['RSA PKCS#1 v1.5, detached', 'org', undefined, false, 'SHA-256'],
    ['RSA-PSS, detached', 'org', 'RSA-PSS', false, 'SHA-256'],
    ['ECDSA P-256, enveloping, SHA-384', 'person', undefined, true, 'SHA-384'],
  ] as const)('%s: openssl verifies; changed content fails', async (_label, who, scheme, encapsulate, hashAlgorithm) => {
    const der = await withSigner(who === 'org' ? 'org-rsa' : 'person-ec', (signer) =>
      buildCmsSignature({ signer, hashAlgorithm, content: document, encapsulate, ...(scheme ? { signatureScheme: scheme } : {}) }));
    const sig = await writeTemp(`lib-${n++}.p7s`, der);
    const doc = await writeTemp(`doc-${n++}.txt`, document);
    const verdict = opensslVerify(sig, encapsulate ? undefined : doc);
    expect(verdict.stderr).toContain('Verification successful');
    expect(verdict.ok).toBe(true);
    const changed = Buffer.from(document);
    changed.writeUInt8(changed.readUInt8(changed.length - 3) ^ 0x01, changed.length - 3);
    if (encapsulate) {
      // Flip one byte of the encapsulated content inside the DER.
      const bytes = Buffer.from(der);
      const at = bytes.indexOf(document.subarray(0, 16));
      expect(at).toBeGreaterThan(0);
      bytes.writeUInt8(bytes.readUInt8(at + 5) ^ 0x01, at + 5);
      expect(opensslVerify(await writeTemp(`bad-${n++}.p7s`, bytes)).ok).toBe(false);
    } else {
      expect(opensslVerify(sig, await writeTemp(`bad-${n++}.txt`, changed)).ok).toBe(false);
    }
  }, 30_000);
});

describe('kyso sign-cms (built CLI, SoftHSM2 token)', () => {
  const env = () => ({ ...token.env });

  it('signs a file detached with the certificate chosen by MST, and openssl verifies it', async () => {
    const input = await writeTemp('to-khai.txt', document);
    const output = join(dir, 'to-khai.p7s');
    const r = await runKyso(['sign-cms', input, '-o', output, '--cert', 'MST:0101234567', '--pin-stdin'], { env: env(), stdin: `${token.userPin}\n` });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`OK     ${input} -> ${output}`);
    const verdict = opensslVerify(output, input);
    expect(verdict.ok).toBe(true);
    expect(verdict.signerSubject).toContain('0101234567');
    expect(await readFile(input)).toEqual(document);
  }, 60_000);

  it('a 48 MiB file is signed detached (hashed as a stream) and openssl verifies it', async () => {
    const big = Buffer.alloc(48 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.write(`khối ${i / 4096} `, i, 'utf8');
    const input = await writeTemp('big.bin', big);
    const output = join(dir, 'big.p7s');
    const r = await runKyso(['sign-cms', input, '-o', output, '--cert', 'CCCD:001099012345', '--pin-stdin'], { env: env(), stdin: `${token.userPin}\n` });
    expect(r.code).toBe(0);
    expect(opensslVerify(output, input).ok).toBe(true);
  }, 60_000);

  it('--attached --hash-alg SHA-512 with the EC certificate (CCCD) makes an enveloping signature', async () => {
    const input = await writeTemp('don.txt', document);
    const output = join(dir, 'don.p7s');
    const r = await runKyso(['sign-cms', input, '-o', output, '--cert', 'CCCD:001099012345', '--attached', '--hash-alg', 'SHA-512', '--pin-stdin'],
      { env: env(), stdin: `${token.userPin}\n` });
    expect(r.code).toBe(0);
    expect(opensslVerify(output).ok).toBe(true);
    const printed = (await run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', output])).stdout;
    expect(printed).toContain('sha512');
    expect(printed).toContain('signingCertificateV2');
  }, 60_000);

  it('--digest-input: the portal hashed the document; the detached signature verifies against the document', async () => {
    const docPath = await writeTemp('server-doc.bin', document);
    const digestHex = createHash('sha256').update(document).digest('hex');
    const input = await writeTemp('server-doc.sha256', `${digestHex}\n`);
    const output = join(dir, 'server-doc.p7s');
    const r = await runKyso(['sign-cms', input, '-o', output, '--cert', 'MST:0101234567', '--digest-input', '--pss', '--pin-stdin'],
      { env: env(), stdin: `${token.userPin}\n` });
    expect(r.code).toBe(0);
    expect(opensslVerify(output, docPath).ok).toBe(true);
  }, 60_000);

  it('batch with one bad digest: the good ones are signed, the bad one has no output, exit 1', async () => {
    const out = await mkdtemp(join(dir, 'batch-'));
    const docs = ['a', 'b', 'c'].map((k) => Buffer.from(`Hồ sơ ${k}\n`, 'utf8'));
    const inputs = await Promise.all(docs.map((d, i) => writeTemp(`hs-${i}.b64`, createHash('sha256').update(d).digest('base64'))));
    inputs.splice(1, 0, await writeTemp('hs-bad.b64', Buffer.alloc(20).toString('base64')));
    const r = await runKyso(['sign-cms', ...inputs, '-o', out, '--cert', 'MST:0101234567', '--digest-input', '--pin-stdin'],
      { env: env(), stdin: `${token.userPin}\n` });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAILED ${inputs[1]}: INVALID_HASH`);
    expect(r.stdout).toContain('3/4 signed');
    expect(r.stderr).toContain('INVALID_HASH');
    expect((await readdir(out)).sort()).toEqual(['hs-0.b64.p7s', 'hs-1.b64.p7s', 'hs-2.b64.p7s']);
    for (const [i, d] of docs.entries()) {
      expect(opensslVerify(join(out, `hs-${i}.b64.p7s`), await writeTemp(`hs-doc-${i}`, d)).ok).toBe(true);
    }
  }, 60_000);

  it('--tsa adds an RFC 3161 token over the signature value (CAdES-T) that openssl ts verifies', async () => {
    const tsa = await startTestTsa();
    try {
      const input = await writeTemp('cades-t.txt', document);
      const output = join(dir, 'cades-t.p7s');
      const r = await runKyso(['sign-cms', input, '-o', output, '--cert', 'CCCD:001099012345', '--tsa', tsa.url, '--pin-stdin'],
        { env: env(), stdin: `${token.userPin}\n` });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(tsa.requests()).toBe(1);
      expect(opensslVerify(output, input).ok).toBe(true);
      // Pull the signature value and the id-aa-signatureTimeStampToken attribute out of the SignerInfo.
      const der = new Uint8Array(await readFile(output));
      const signerInfo = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(der).content }).signerInfos[0] as pkijs.SignerInfo;
      const attribute = signerInfo.unsignedAttrs?.attributes.find((a) => a.type === '1.2.840.113549.1.9.16.2.14');
      expect(attribute).toBeDefined();
      const tokenPath = await writeTemp('cades-t.tst', new Uint8Array((attribute as pkijs.Attribute).values[0]!.toBER()));
      const dataPath = await writeTemp('cades-t.sigvalue', new Uint8Array(signerInfo.signature.valueBlock.valueHexView));
      const verify = (data: string) => spawnSync('openssl', ['ts', '-verify', '-token_in', '-in', tokenPath, '-data', data, '-CAfile', tsa.caPem, '-untrusted', tsa.tsaPem], { encoding: 'utf8' });
      const ok = verify(dataPath);
      expect(ok.stdout).toContain('Verification: OK');
      expect(verify(await writeTemp('other.sigvalue', 'not the signature')).stdout).not.toContain('Verification: OK');
    } finally {
      await tsa.close();
    }
  }, 60_000);

  it('--pin-stdin reads one line and exits even when the writer keeps the pipe open', async () => {
    const input = await writeTemp('open-pipe.txt', document);
    const output = join(dir, 'open-pipe.p7s');
    const r = await runKyso(['sign-cms', input, '-o', output, '--cert', 'MST:0101234567', '--pin-stdin'],
      { env: env(), stdin: `${token.userPin}\n`, keepStdinOpen: true, timeoutMs: 20_000 });
    expect(r.code).toBe(0);
    expect(opensslVerify(output, input).ok).toBe(true);
  }, 60_000);

  it('a wrong PIN fails with PIN_INCORRECT and leaves no output file', async () => {
    const input = await writeTemp('wrong-pin.txt', document);
    const output = join(dir, 'wrong-pin.p7s');
    const r = await runKyso(['sign-cms', input, '-o', output, '--cert', 'MST:0101234567', '--pin-stdin'], { env: env(), stdin: '999999\n' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('PIN_INCORRECT');
    expect(r.stderr).not.toContain('999999');
    expect(existsSync(output)).toBe(false);
  }, 60_000);

  it('refuses --pin on the command line before touching the token, and an unknown certificate', async () => {
    const input = await writeTemp('argv-pin.txt', document);
    const output = join(dir, 'argv-pin.p7s');
    const r = await runKyso(['sign-cms', input, '-o', output, '--pin', '123456'], { env: env() });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('BAD_REQUEST');
    expect(r.stderr).not.toContain('123456');
    const r2 = await runKyso(['sign-cms', input, '-o', output, '--cert', 'MST:0000000000', '--pin-stdin'], { env: env(), stdin: `${token.userPin}\n` });
    expect(r2.stderr).toContain('CERTIFICATE_NOT_FOUND');
    expect(existsSync(output)).toBe(false);
  }, 60_000);

  it('on a terminal the PIN is asked without echo; Ctrl-C cancels with USER_CANCELLED (real pty via script(1))', async () => {
    const launcher = await kysoLauncher();
    const input = await writeTemp('tty.txt', document);
    const viaPty = (output: string, keys: string) => new Promise<string>((resolve, reject) => {
      const command = [process.execPath, launcher, 'sign-cms', input, '-o', output, '--cert', 'MST:0101234567'].map((a) => `'${a}'`).join(' ');
      const child = execFile('script', ['-q', '-e', '-c', command, '/dev/null'], { env: { ...process.env, ...env() }, timeout: 60_000 }, (error, stdout) => {
        if (error && (error as { killed?: boolean }).killed) reject(error);
        else resolve(stdout);
      });
      // Type only once the prompt is up (raw mode is set before the prompt is written).
      let typed = false;
      child.stdout?.on('data', (chunk: Buffer) => {
        if (!typed && chunk.toString().includes('PIN')) { typed = true; child.stdin?.write(keys); }
      });
    });
    const okOut = join(dir, 'tty.p7s');
    const transcript = await viaPty(okOut, `${token.userPin}\r`);
    expect(transcript).toContain('Mã PIN / PIN:');
    expect(transcript).not.toContain(token.userPin);
    expect(transcript).toContain('OK ');
    expect(opensslVerify(okOut, input).ok).toBe(true);
    const cancelled = join(dir, 'tty-cancelled.p7s');
    const transcript2 = await viaPty(cancelled, '12\u0003');
    expect(transcript2).toContain('USER_CANCELLED');
    expect(existsSync(cancelled)).toBe(false);
  }, 90_000);

  it('without --pin-stdin and no terminal it says how to give the PIN instead of hanging', async () => {
    const input = await writeTemp('no-tty.txt', document);
    const r = await runKyso(['sign-cms', input, '-o', join(dir, 'no-tty.p7s'), '--cert', 'MST:0101234567'], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--pin-stdin');
  }, 60_000);
});
