/**
 * `kyso verify` from the built CLI: signatures made on a real SoftHSM2 token by `kyso sign-cms` / `kyso sign-pdf`,
 * cross-checked with openssl / pdfsig, then judged by our verifier. Exit codes: 0 valid, 1 invalid,
 * 2 indeterminate, 3 could not verify.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';

const execFileAsync = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
let token: DemoToken;
let work: string;
let doc: string;

function kyso(args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [resolve(ROOT, 'bin/kyso.mjs'), ...args], { env: { ...process.env, KYSO_TRUST_DIR: '', ...options.env }, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

beforeAll(async () => {
  await execFileAsync(process.execPath, [resolve(ROOT, 'scripts/build-host.mjs')], { cwd: ROOT, timeout: 120_000 });
  token = await createDemoToken();
  work = join(token.dir, 'verify-cli');
  await mkdir(work, { recursive: true });
  doc = join(work, 'to-trinh.txt');
  await writeFile(doc, 'Tờ trình số 45/TTr-STC ngày 25/11/2026 về dự toán ngân sách.\n');
  const sign = await kyso(['sign-cms', doc, '-o', `${doc}.p7s`, '--cert', 'CCCD:001099012345', '--pin-stdin'], { env: token.env, stdin: `${token.userPin}\n` });
  if (sign.code !== 0) throw new Error(`sign-cms failed: ${sign.stderr}`);
}, 180_000);
afterAll(async () => { if (token) await rm(token.dir, { recursive: true, force: true }); });

describe('kyso verify', () => {
  it('a token-made CMS signature: openssl accepts it, and kyso says valid (exit 0) in both languages', async () => {
    await execFileAsync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', `${doc}.p7s`, '-content', doc, '-CAfile', token.rootPem, '-certfile', token.intermediatePem, '-purpose', 'any', '-out', '/dev/null']);
    const result = await kyso(['verify', `${doc}.p7s`, '--content', doc, '--trust', token.rootPem, '--no-revocation']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Kết quả / Result: HỢP LỆ / VALID');
    expect(result.stdout).toContain('Người ký / Signer: Nguyễn Văn Ánh [CCCD:001099012345]');
  });

  it('changed content: exit 1, invalid with the reason', async () => {
    const changed = join(work, 'changed.txt');
    await writeFile(changed, (await readFile(doc, 'utf8')).replace('45', '46'));
    const result = await kyso(['verify', `${doc}.p7s`, '--content', changed, '--trust', token.rootPem, '--no-revocation']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('KHÔNG HỢP LỆ / INVALID');
    expect(result.stdout).toContain('Nội dung đã bị thay đổi sau khi ký. / The content was changed after signing.');
  });

  it('no trusted root configured: exit 2, indeterminate', async () => {
    const result = await kyso(['verify', `${doc}.p7s`, '--content', doc, '--no-revocation', '--json']);
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as { status: string; signatures: { chain: { status: string } }[] };
    expect(report.status).toBe('indeterminate');
    expect(report.signatures[0]!.chain.status).toBe('untrusted');
  });

  it('roots from KYSO_TRUST_DIR: --json report says valid', async () => {
    const trustDir = join(work, 'trust');
    await mkdir(trustDir, { recursive: true });
    await copyFile(token.rootPem, join(trustDir, 'root.pem'));
    const result = await kyso(['verify', `${doc}.p7s`, '--content', doc, '--no-revocation', '--json'], { env: { KYSO_TRUST_DIR: trustDir } });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'valid', format: 'cms', signatures: [{ status: 'valid', signer: { subject: { identifiers: { cccd: '001099012345' } } } }] });
  });

  it('a token-signed PDF: pdfsig and kyso agree it is valid', async () => {
    const pdfDoc = await PDFDocument.create();
    pdfDoc.addPage([595, 842]);
    const input = join(work, 'cong-van.pdf');
    await writeFile(input, await pdfDoc.save());
    const output = join(work, 'cong-van.signed.pdf');
    const sign = await kyso(['sign-pdf', input, '-o', output, '--cert', 'MST:0101234567', '--pin-stdin'], { env: token.env, stdin: `${token.userPin}\n` });
    expect(sign.stderr).not.toMatch(/kyso: [A-Z_]+:/);
    const { stdout } = await execFileAsync('pdfsig', ['-nocert', output]);
    expect(stdout).toMatch(/Signature is Valid/);
    const result = await kyso(['verify', output, '--trust', token.rootPem, '--no-revocation']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Công ty TNHH Kyso Thử Nghiệm [MST:0101234567]');
  });

  it('unreadable input and bad arguments: exit 3 with a typed error on stderr', async () => {
    const missing = await kyso(['verify', join(work, 'nope.p7s')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/INVALID_DOCUMENT/);
    const bad = await kyso(['verify', `${doc}.p7s`, '--bogus']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/BAD_REQUEST/);
  });
});
