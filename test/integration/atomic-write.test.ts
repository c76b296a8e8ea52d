/**
 * Issue 15 §2: a signed file is written atomically (temp file in the same folder, fsync, rename, fsync folder).
 * A `kyso sign-pdf` run killed mid-write leaves no output, and the next run into that folder removes the
 * temp file the dead run left. The kill is a real SIGKILL of a real CLI process on a 60 MB PDF.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { atomicTempPath, removeStaleTempFiles, writeFileAtomic } from '../../native-host/documents/atomic-write.js';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';

const MAIN = resolve(import.meta.dirname, '../../native-host/cli/main.ts');
const ENTRY = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv.slice(1));`;
const TEMP = /^\..+\.kyso-\d+-[0-9a-f]+\.tmp$/;

let token: DemoToken;
let dir: string;

/** A one-page PDF carrying `bytes` of incompressible data in an unreferenced stream (a scanned-document size). */
async function largePdf(bytes: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]);
  const data = randomBytes(bytes);
  const dict = doc.context.obj({ Length: data.length });
  doc.context.register(PDFRawStream.of(dict, data));
  doc.getPage(0).node.set(PDFName.of('Kyso-Padding'), doc.context.obj(1));
  return doc.save({ useObjectStreams: false });
}

function startKyso(args: string[], stdin: string): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ENTRY, 'sign-pdf', ...args], {
    env: { ...process.env, ...token.env }, stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.stdout!.resume();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((ok, fail) => {
    child.on('error', fail);
    child.on('close', (code, signal) => ok({ code, signal, stderr }));
  });
  child.stdin!.end(stdin);
  return { child, done };
}

beforeAll(async () => {
  token = await createDemoToken();
  dir = await mkdtemp(join(tmpdir(), 'kyso-atomic-'));
});

describe('atomic write of signed files', () => {
  it('kyso sign-pdf of a 60 MB PDF killed mid-write leaves no output; the next run removes the dead run\'s temp file', async () => {
    const input = join(dir, 'big.pdf');
    await writeFile(input, await largePdf(60 * 1024 * 1024));
    const out = join(dir, 'out');
    await mkdir(out);
    const { child, done } = startKyso([input, '-o', out, '--cert', 'MST:0101234567', '--pin-stdin', '--invisible'], `${token.userPin}\n`);
    // Kill as soon as the temp file is there and growing: a power cut mid-write.
    let seen: string | undefined;
    const deadline = Date.now() + 60_000;
    while (!seen && Date.now() < deadline) {
      seen = (await readdir(out)).find((n) => TEMP.test(n));
      if (!seen) await new Promise((r) => setTimeout(r, 2));
    }
    expect(seen, 'the CLI wrote no temp file in the output folder').toBeDefined();
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    const left = await readdir(out);
    expect(left.filter((n) => !TEMP.test(n)), 'an output file appeared from a killed run').toEqual([]);
    expect(left.filter((n) => TEMP.test(n))).toEqual([seen]);
    expect(seen).toContain(`.kyso-${child.pid}-`);

    // The next run into the same folder (a small document) signs and clears the dead run's temp file.
    const small = await PDFDocument.create();
    small.addPage();
    await writeFile(join(dir, 'small.pdf'), await small.save());
    const next = await startKyso([join(dir, 'small.pdf'), '-o', out, '--cert', 'MST:0101234567', '--pin-stdin', '--invisible'], `${token.userPin}\n`).done;
    expect(next.code, next.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['small-signed.pdf']);
    expect((await readFile(join(out, 'small-signed.pdf'))).subarray(0, 5).toString()).toBe('%PDF-');
  }, 180_000); // a 60 MB file and two CLI runs: minutes on a loaded 2-core machine

  it('keeps the temp file of a writer that is still alive, removes only dead writers\' ones', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kyso-atomic-live-'));
    const mine = atomicTempPath(join(folder, 'x.pdf'));
    await writeFile(mine, 'partial');
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    const live = join(folder, `.y.pdf.kyso-${sleeper.pid}-abcdef.tmp`);
    await writeFile(live, 'partial');
    const exited = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => exited.on('close', r));
    const dead = join(folder, `.z.pdf.kyso-${exited.pid}-abcdef.tmp`);
    await writeFile(dead, 'partial');
    await writeFile(join(folder, '.not-ours.tmp'), 'x');
    try {
      expect(await removeStaleTempFiles(folder)).toEqual([`.z.pdf.kyso-${exited.pid}-abcdef.tmp`]);
      expect([existsSync(mine), existsSync(live), existsSync(dead), existsSync(join(folder, '.not-ours.tmp'))]).toEqual([true, true, false, true]);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('writeFileAtomic leaves exactly the target (mode 0600), and on failure neither target nor temp file', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kyso-atomic-w-'));
    await writeFileAtomic(join(folder, 'r.p7s'), new Uint8Array([1, 2, 3]));
    expect(await readdir(folder)).toEqual(['r.p7s']);
    expect((await stat(join(folder, 'r.p7s'))).mode & 0o777).toBe(0o600);
    // Renaming over a non-empty directory fails: the write is refused and leaves nothing behind.
    await mkdir(join(folder, 'taken'));
    await writeFile(join(folder, 'taken', 'f'), 'x');
    await expect(writeFileAtomic(join(folder, 'taken'), new Uint8Array([1]))).rejects.toThrow();
    expect((await readdir(folder)).sort()).toEqual(['r.p7s', 'taken']);
  });
});
