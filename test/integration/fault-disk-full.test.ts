/**
 * Issue 15 §2 "disk full while writing a signed file": the real `kyso` CLI process signs with the real SoftHSM2
 * token under a file-size limit (RLIMIT_FSIZE via util-linux `prlimit`, so every write past the limit fails with
 * EFBIG exactly as a full disk fails with ENOSPC; Node ignores SIGXFSZ, so the write error reaches Kyso). The input
 * must stay byte-identical, no half file (nor a temp file) may remain beside the output, and the person reads a
 * clear DISK_FULL message in Vietnamese and English.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, PDFRawStream } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../shared/errors/catalogue.js';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { kysoLauncher } from '../helpers/kyso-cli.js';

/** Big enough to write, small enough that the signed copy (≈ the input + a signature) cannot fit under it. */
const INPUT_BYTES = 3 * 1024 * 1024;
const FILE_SIZE_LIMIT_BYTES = 2 * 1024 * 1024;

let token: DemoToken;
let dir: string;

beforeAll(async () => {
  token = await createDemoToken();
  dir = await mkdtemp(join(tmpdir(), 'kyso-disk-full-'));
}, 120_000);

async function pdfOf(bytes: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]);
  const data = randomBytes(bytes);
  doc.context.register(PDFRawStream.of(doc.context.obj({ Length: data.length }), data));
  return doc.save({ useObjectStreams: false });
}

/** `kyso ARGS` with the PIN on stdin, its files limited to `limit` bytes. */
async function kysoWithFileSizeLimit(args: string[], limit: number): Promise<{ code: number | null; stderr: string }> {
  const launcher = await kysoLauncher();
  return new Promise((resolve, reject) => {
    const child = spawn('prlimit', [`--fsize=${limit}`, '--', process.execPath, launcher, ...args], {
      env: { ...process.env, ...token.env }, stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.end(`${token.userPin}\n`);
  });
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('disk full while writing a signed file (RLIMIT_FSIZE on the real CLI)', () => {
  for (const command of ['sign-pdf', 'sign-cms'] as const) {
    it(`kyso ${command}: input intact, nothing left in the output folder, DISK_FULL in Vietnamese and English`, async () => {
      const input = join(dir, command === 'sign-pdf' ? 'to-khai.pdf' : 'to-khai.bin');
      const original = command === 'sign-pdf' ? await pdfOf(INPUT_BYTES) : new Uint8Array(randomBytes(INPUT_BYTES));
      await writeFile(input, original);
      const out = join(dir, `out-${command}`);
      await mkdir(out);
      const extra = command === 'sign-pdf' ? ['--invisible'] : ['--attached'];
      const { code, stderr } = await kysoWithFileSizeLimit([command, input, '-o', out, '--cert', 'MST:0101234567', '--pin-stdin', ...extra], FILE_SIZE_LIMIT_BYTES);
      expect(code, stderr).not.toBe(0);
      expect(stderr).toContain('DISK_FULL');
      expect(stderr).toContain(ERROR_CATALOGUE.DISK_FULL.vi);
      expect(stderr).toContain(ERROR_CATALOGUE.DISK_FULL.en);
      expect(stderr).toContain(ERROR_CATALOGUE.DISK_FULL.hintEn);
      // No half file and no temp file: the folder is as empty as before.
      expect(await readdir(out)).toEqual([]);
      expect(sha256(await readFile(input))).toBe(sha256(original));
      // The same command without the limit signs: the fault, not the input, was the problem.
      const retry = await kysoWithFileSizeLimit([command, input, '-o', out, '--cert', 'MST:0101234567', '--pin-stdin', ...extra], 1024 * 1024 * 1024);
      expect(retry.code, retry.stderr).toBe(0);
      expect((await readdir(out)).filter((n) => !n.startsWith('.'))).toHaveLength(1);
    }, 120_000);
  }
});
