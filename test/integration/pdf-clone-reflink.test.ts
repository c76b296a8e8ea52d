/**
 * `kyso sign-pdf` on a file system that shares extents (XFS, Btrfs; APFS on a Mac): a large input is CLONED into
 * the signed copy's temp file (FICLONE) instead of copied, and the clone is read back, hashed and scanned
 * (formats/pdf/copy-input.ts). What a user checks: the signed PDF verifies in pdfsig over the whole document, it
 * starts with the input's exact bytes, the input is untouched, a wrong PIN leaves nothing behind, and a second
 * input of the same batch (not the early copy) goes the same way. That the clone path really ran is read from the
 * file system: the signed copy's data extents are shared with the input's (filefrag's `shared` flag), which a
 * written copy never has.
 *
 * This machine's own disk (ext4) cannot clone, so the test makes a small XFS file system in a sparse image and
 * mounts it through a loop device. That needs root, xfsprogs (scripts/system-packages.txt) and loop devices; where
 * any is missing the test is skipped and says why, rather than passing without having run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { runKyso } from '../helpers/kyso-cli.js';
import { pdfsig } from '../fixtures/pdf/pdf-test-tools.js';
import { makePaddedPdf } from '../fixtures/pdf/generate-fixtures.js';

/** Above copy-input.ts's CLONE_MIN_BYTES (8 MiB): smaller inputs are copied, a clone would cost more. */
const LARGE_BYTES = 12 * 1024 * 1024;

let token: DemoToken;
let work: string;
let mountPoint: string;
let mounted = false;
let whyNot: string | undefined;

/** A loop-mounted XFS with reflink, or the reason this machine cannot make one. */
function mountXfs(image: string, at: string): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: cannot mount a loop device';
  if (!existsSync('/usr/sbin/mkfs.xfs') && !existsSync('/sbin/mkfs.xfs')) return 'mkfs.xfs missing (Debian package xfsprogs)';
  try {
    execFileSync('truncate', ['-s', '320M', image]);
    execFileSync('mkfs.xfs', ['-q', '-m', 'reflink=1', image], { stdio: 'pipe' });
    execFileSync('mount', ['-o', 'loop', image, at], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `cannot make or mount a loop XFS here: ${(error as Error).message.split('\n')[0]}`;
  }
}

/** How many of `file`'s data extents are shared with another file (filefrag -v prints `shared` on each). */
function sharedExtentCount(file: string): number {
  return execFileSync('filefrag', ['-v', file], { encoding: 'utf8' }).split('\n').filter((l) => /^\s*\d+:/.test(l) && /\bshared\b/.test(l)).length;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kyso-clone-'));
  mountPoint = join(work, 'xfs');
  await mkdir(mountPoint);
  whyNot = mountXfs(join(work, 'xfs.img'), mountPoint);
  mounted = whyNot === undefined;
  if (!mounted) {
    console.warn(`pdf-clone-reflink: skipped: ${whyNot}`);
    return;
  }
  token = await createDemoToken();
}, 180_000);

afterAll(async () => {
  if (mounted) execFileSync('umount', [mountPoint]);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('kyso sign-pdf on a file system that clones (loop-mounted XFS)', () => {
  it('signs cloned copies of large inputs: pdfsig valid over the total document, input bytes kept, extents shared, inputs untouched', async (context) => {
    if (!mounted) context.skip();
    const inputs = join(mountPoint, 'in');
    const out = join(mountPoint, 'out');
    await mkdir(inputs);
    await mkdir(out);
    const files = ['Cong van 1.pdf', 'Cong van 2.pdf'];
    const originals = new Map<string, Uint8Array>();
    for (const name of files) {
      const bytes = await makePaddedPdf(LARGE_BYTES);
      originals.set(name, bytes);
      await writeFile(join(inputs, name), bytes);
    }
    // The written inputs own their extents alone: a shared flag afterwards can only come from a clone.
    for (const name of files) expect(sharedExtentCount(join(inputs, name))).toBe(0);

    const result = await runKyso(['sign-pdf', ...files.map((n) => join(inputs, n)), '-o', out, '--cert', 'MST:0101234567', '--pin-stdin', '--invisible'],
      { env: token.env, stdin: `${token.userPin}\n`, timeoutMs: 120_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(token.userPin);

    const produced = (await readdir(out)).sort();
    expect(produced).toEqual(files.map((n) => n.replace('.pdf', '-signed.pdf')).sort());
    for (const name of files) {
      const original = originals.get(name)!;
      const signedPath = join(out, name.replace('.pdf', '-signed.pdf'));
      const signed = await readFile(signedPath);
      // An incremental update: the input's bytes, unchanged, then the signature's revision.
      expect(signed.length).toBeGreaterThan(original.length);
      expect(sha256(signed.subarray(0, original.length))).toBe(sha256(original));
      const report = await pdfsig(signedPath);
      expect(report.signatures, report.output).toHaveLength(1);
      expect(report.signatures[0]!.valid, report.output).toBe(true);
      expect(report.signatures[0]!.totalDocumentSigned, report.output).toBe(true);
      // The clone path ran: the signed copy's data shares the input's extents (a written copy owns new ones).
      expect(sharedExtentCount(signedPath), `${name}: no shared extent, the input was copied, not cloned`).toBeGreaterThan(0);
      // The signed copy's permissions are a new file's, not the input's.
      expect((await stat(signedPath)).mode & 0o777).toBe(0o666 & ~process.umask());
      expect(sha256(await readFile(join(inputs, name)))).toBe(sha256(original));
    }
  }, 180_000);

  it('a wrong PIN leaves no clone behind in the output folder', async (context) => {
    if (!mounted) context.skip();
    const folder = join(mountPoint, 'wrong-pin');
    await mkdir(folder);
    const input = join(folder, 'To trinh.pdf');
    await writeFile(input, await makePaddedPdf(LARGE_BYTES));
    const before = (await readdir(folder)).sort();
    const result = await runKyso(['sign-pdf', input, '-o', join(folder, 'To trinh-signed.pdf'), '--cert', 'MST:0101234567', '--pin-stdin', '--invisible'],
      { env: token.env, stdin: '000000\n', timeoutMs: 120_000 });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('PIN_INCORRECT');
    expect((await readdir(folder)).sort()).toEqual(before);
  }, 180_000);
});
