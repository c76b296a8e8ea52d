/**
 * `kyso sign-pdf` records each file's SHA-256 and the signed file's in the signing history. Since issue 14 those
 * values come from the one pass that copies the input into the output (formats/pdf/write-signed-copy.ts), not from
 * hashing both files again: this checks them against `sha256sum` of the files on disk — the input (several
 * megabytes of real data, so the pass takes several chunks), the output, invisible and visible, and with a
 * SHA-384 byte range (where the history's SHA-256 is a hash of its own, not the signature's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { kysoLauncher, runKyso } from '../helpers/kyso-cli.js';
import { pdfsig } from '../fixtures/pdf/pdf-test-tools.js';
import { writeLargePdf } from '../../scripts/lib/large-pdf.mjs';

let token: DemoToken;
let dir: string;

beforeAll(async () => {
  [token] = await Promise.all([createDemoToken(), kysoLauncher()]);
  dir = await mkdtemp(join(tmpdir(), 'kyso-history-hashes-'));
}, 180_000);
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

function sha256sum(path: string): string {
  return execFileSync('sha256sum', ['-b', path], { encoding: 'utf8' }).split(' ')[0]!;
}

interface Item { readonly name: string; readonly sha256?: string; readonly resultSha256?: string }

async function historyItems(): Promise<Array<{ operation: string; result: string; items: Item[] }>> {
  const folder = token.env.KYSO_DATA_DIR;
  const names = (await readdir(folder)).filter((n) => /^history-\d+\.jsonl$/.test(n)).sort();
  const lines = (await Promise.all(names.map((n) => readFile(join(folder, n), 'utf8')))).join('').split('\n').filter(Boolean);
  return lines.map((l) => JSON.parse(l) as { operation: string; result: string; items: Item[] });
}

describe('kyso sign-pdf: the history records the SHA-256 values sha256sum gives', () => {
  it('input and output, invisible, visible and with a SHA-384 signature', async () => {
    const input = join(dir, 'scan.pdf');
    // 9 MiB of random data: more than one copy chunk, none of them zeros (no holes).
    writeLargePdf(input, 9 * 1024 * 1024 + 12345, { sparse: false });
    const inputSum = sha256sum(input);
    const runs: Array<{ out: string; args: string[] }> = [
      { out: join(dir, 'invisible.pdf'), args: ['--invisible'] },
      { out: join(dir, 'visible.pdf'), args: [] },
      { out: join(dir, 'sha384.pdf'), args: ['--invisible', '--hash-alg', 'SHA-384'] },
    ];
    for (const { out, args } of runs) {
      const run = await runKyso(['sign-pdf', input, '-o', out, '--cert', 'MST:0101234567', '--pin-stdin', ...args], { env: token.env, stdin: `${token.userPin}\n`, timeoutMs: 120_000 });
      expect(run.code, run.stderr).toBe(0);
      expect((await pdfsig(out)).output).toMatch(/Signature is Valid/);
    }
    expect(sha256sum(input)).toBe(inputSum); // the input is never changed
    const signed = (await historyItems()).filter((r) => r.operation === 'sign-pdf' && r.items.some((i) => i.resultSha256));
    expect(signed).toHaveLength(runs.length);
    signed.forEach((record, k) => {
      expect(record.result).toBe('ok');
      expect(record.items).toHaveLength(1);
      expect(record.items[0]!.sha256).toBe(inputSum);
      expect(record.items[0]!.resultSha256).toBe(sha256sum(runs[k]!.out));
    });
  }, 300_000);
});
