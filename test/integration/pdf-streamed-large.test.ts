/**
 * Issue 14 "PDF streamed": `kyso sign-pdf` reads only what signing needs from a large PDF (xref/file-image.ts:
 * the trailer, the xref and the objects it touches; stream data stays in the file) and copies + hashes the rest
 * in one streaming pass (write-signed-copy.ts). A 1 GB PDF — made SPARSE (test/fixtures/pdf/sparse-pdf.ts: a
 * form XObject whose data is a file hole), so the test costs no disk and little time — is signed by the built CLI
 * on the SoftHSM token, and checked as a user would: pdfsig says valid and the total document is signed, the
 * input is unchanged. Its peak memory, measured by /usr/bin/time on the CLI process, is compared with signing a
 * 1 MB file of the same shape: memory must not grow with the file (before: the file was read whole, > 1 GB).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { kysoLauncher } from '../helpers/kyso-cli.js';
import { pdfsig } from '../fixtures/pdf/pdf-test-tools.js';
import { writeSparsePdf } from '../fixtures/pdf/sparse-pdf.js';

const GIB = 1024 ** 3;
/** Memory a 1 GB file may cost beyond a 1 MB one (allocator and GC noise; the file itself would be 1024 MB). */
const GROWTH_ALLOWED_KB = 64 * 1024;

let token: DemoToken;
let dir: string;

beforeAll(async () => {
  [token] = await Promise.all([createDemoToken(), kysoLauncher()]);
  dir = await mkdtemp(join(tmpdir(), 'kyso-streamed-'));
}, 180_000);
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

/** Run `kyso sign-pdf` under /usr/bin/time; its peak resident memory (kB) and exit code. */
async function signMeasured(input: string, output: string): Promise<{ code: number | null; stderr: string; peakKb: number }> {
  const launcher = await kysoLauncher();
  const timeFile = `${output}.time`;
  const code = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%M', process.execPath, launcher, 'sign-pdf', input, '-o', output, '--cert', 'MST:0101234567', '--pin-stdin'],
      { env: { ...process.env, ...token.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stderr }));
    child.stdin.end(`${token.userPin}\n`);
  });
  const peakKb = Number((await readFile(timeFile, 'utf8')).trim().split('\n').pop());
  return { ...code, peakKb };
}

describe('PDF signing streams large files', () => {
  it('a 1 GB PDF (sparse) signs with the CLI: pdfsig valid over the total document, input unchanged, peak memory independent of the size', async () => {
    const small = join(dir, 'small.pdf');
    const large = join(dir, 'large.pdf');
    writeSparsePdf(small, 1024 * 1024);
    const largeSize = writeSparsePdf(large, GIB);
    const before = await stat(large);

    const smallRun = await signMeasured(small, join(dir, 'small-signed.pdf'));
    expect(smallRun.code, smallRun.stderr).toBe(0);
    const largeRun = await signMeasured(large, join(dir, 'large-signed.pdf'));
    expect(largeRun.code, largeRun.stderr).toBe(0);

    const report = await pdfsig(join(dir, 'large-signed.pdf'));
    expect(report.signatures.map((s) => s.valid)).toEqual([true]);
    expect(report.signatures[0]!.totalDocumentSigned).toBe(true);
    const after = await stat(large);
    expect([after.size, after.mtimeMs]).toEqual([largeSize, before.mtimeMs]);
    expect((await stat(join(dir, 'large-signed.pdf'))).size).toBeGreaterThan(largeSize);

    // Reported for the figures (kB): the CLI's peak for 1 MB and for 1 GB.
    console.info(`kyso sign-pdf peak RSS: 1 MB file ${smallRun.peakKb} kB, 1 GB file ${largeRun.peakKb} kB`);
    expect(largeRun.peakKb - smallRun.peakKb, `1 MB: ${smallRun.peakKb} kB, 1 GB: ${largeRun.peakKb} kB`).toBeLessThan(GROWTH_ALLOWED_KB);
  }, 300_000);
});
