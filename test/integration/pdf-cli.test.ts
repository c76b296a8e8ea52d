/**
 * `kyso sign-pdf` as a person runs it: a child process with the demo SoftHSM2 token, PIN on stdin, results
 * checked with pdfsig and pdftoppm. Failures: non-zero exit, "CODE: message" on stderr, no output file.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { startTestTsa, type TestTsa } from '../helpers/tsa-server.js';
import { encryptWithQpdf, makeSealPng, makeSignaturePng, makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { extractSignatures, inkFraction, nssDbWith, pdfsig, renderPage, signatureTimestamp } from '../fixtures/pdf/pdf-test-tools.js';
import { readFile } from 'node:fs/promises';

const MAIN = resolve(import.meta.dirname, '../../native-host/cli/main.ts');
const ENTRY = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv.slice(1));`;

let token: DemoToken;
let dir: string;
let nssDir: string;
let tsa: TestTsa;

beforeAll(async () => {
  token = await createDemoToken();
  dir = await mkdtemp(join(tmpdir(), 'kyso-pdf-cli-'));
  nssDir = await nssDbWith([token.rootPem, token.intermediatePem]);
  tsa = await startTestTsa();
  await writeFile(join(dir, 'a.pdf'), await makeVietnameseDocument(2));
  await writeFile(join(dir, 'b.pdf'), await makeVietnameseDocument(1, 'stream'));
  await writeFile(join(dir, 'seal.png'), makeSealPng());
  await writeFile(join(dir, 'sig.png'), makeSignaturePng());
  encryptWithQpdf(join(dir, 'a.pdf'), join(dir, 'locked.pdf'));
});

afterAll(async () => {
  await tsa?.close();
});

function kyso(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ENTRY, 'sign-pdf', ...args], {
      env: { ...process.env, ...token.env }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('kyso sign-pdf', () => {
  it('signs a batch into a directory with one PIN, seal and signature images, stamp under the anchor text', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    const r = await kyso([join(dir, 'a.pdf'), join(dir, 'b.pdf'), '-o', out, '--cert', 'MST:0101234567', '--pin-stdin',
      '--anchor', 'GIÁM ĐỐC', '--seal', join(dir, 'seal.png'), '--image', join(dir, 'sig.png'), '--reason', 'Ban hành'], `${token.userPin}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('2/2 signed');
    expect(r.stdout + r.stderr).not.toContain(token.userPin);
    for (const name of ['a-signed.pdf', 'b-signed.pdf']) {
      const report = await pdfsig(join(out, name), nssDir);
      expect(report.signatures.map((s) => [s.valid, s.trusted, s.totalDocumentSigned])).toEqual([[true, true, true]]);
    }
    // "GIÁM ĐỐC" is drawn from x = 380 on the baseline y = 300 of the last page: the stamp (220 × 70) is centred
    // just below it; the band above the anchor stays blank.
    const page = await renderPage(join(out, 'a-signed.pdf'), 2);
    expect(inkFraction(page, 841.89, { x: 310, y: 222, width: 200, height: 66 })).toBeGreaterThan(0.03);
    expect(inkFraction(page, 841.89, { x: 300, y: 320, width: 260, height: 80 })).toBe(0);
  });

  it('without --rect or --anchor the stamp goes in the last page\'s bottom-right corner; --tsa adds a timestamp', async () => {
    const out = join(dir, 'corner.pdf');
    const r = await kyso([join(dir, 'a.pdf'), '-o', out, '--cert', 'CCCD:001099012345', '--pin-stdin', '--tsa', tsa.url], `${token.userPin}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect((await pdfsig(out, nssDir)).signatures[0]?.valid).toBe(true);
    const page = await renderPage(out, 2);
    expect(inkFraction(page, 841.89, { x: 595.28 - 36 - 220, y: 36, width: 220, height: 70 })).toBeGreaterThan(0.01);
    const [sig] = extractSignatures(await readFile(out));
    expect((await signatureTimestamp(sig!.cms)).token).toBeDefined();
  });

  it('a batch with an encrypted file: the others are signed, that one fails with UNSUPPORTED_DOCUMENT and leaves nothing', async () => {
    const out = join(dir, 'mixed');
    await mkdir(out);
    const r = await kyso([join(dir, 'locked.pdf'), join(dir, 'b.pdf'), '-o', out, '--cert', 'MST:0101234567', '--pin-stdin', '--invisible'], `${token.userPin}\n`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('UNSUPPORTED_DOCUMENT');
    expect(r.stdout).toContain('1/2 signed');
    expect((await readdir(out)).sort()).toEqual(['b-signed.pdf']);
  });

  it('refuses a PIN in argv, a wrong PIN, and a malformed --rect, with a code on stderr and no output', async () => {
    const out = join(dir, 'never.pdf');
    const withPin = await kyso([join(dir, 'a.pdf'), '-o', out, '--pin', token.userPin], '');
    expect(withPin.code).not.toBe(0);
    expect(withPin.stderr).toContain('BAD_REQUEST');
    const before = (await readdir(dir)).sort();
    const wrongPin = await kyso([join(dir, 'a.pdf'), '-o', out, '--cert', 'MST:0101234567', '--pin-stdin'], '000000\n');
    expect(wrongPin.code).not.toBe(0);
    expect(wrongPin.stderr).toContain('PIN_INCORRECT');
    // The first input was copied beside the output while the token logged in (early-copy.ts): nothing of it is left.
    expect((await readdir(dir)).sort()).toEqual(before);
    // No PIN at all on stdin: refused before any login, and the copy started meanwhile is removed at once (it was
    // left for the next run in that folder to clear).
    const noPin = await kyso([join(dir, 'a.pdf'), '-o', out, '--cert', 'MST:0101234567', '--pin-stdin'], '');
    expect(noPin.code).not.toBe(0);
    expect(noPin.stderr).toContain('PIN_INVALID_FORMAT');
    expect((await readdir(dir)).sort()).toEqual(before);
    const badRect = await kyso([join(dir, 'a.pdf'), '-o', out, '--pin-stdin', '--rect', '10,20,abc'], `${token.userPin}\n`);
    expect(badRect.code).not.toBe(0);
    expect(badRect.stderr).toMatch(/BAD_REQUEST.*--rect/);
    expect(existsSync(out)).toBe(false);
  });
});
