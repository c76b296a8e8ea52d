/**
 * `kyso sign-pdf` batches write the signing history's head once, after the batch (history-writer.ts
 * deferHistoryHeads), while every record is still fsync'd before its signed file appears. What a crash may cost is
 * then at most the record of the file being signed — whose output never appears. Checked by killing a real batch
 * (SIGKILL, SoftHSM token) mid-way: every signed file that exists has its record with its SHA-256, `kyso history
 * --verify` passes (a head behind the last record is accepted), and the next batch in the folder removes the dead
 * run's leftover temp files and brings the head up to its last record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { kysoLauncher, runKyso } from '../helpers/kyso-cli.js';

let token: DemoToken;
let dir: string;

beforeAll(async () => {
  [token] = await Promise.all([createDemoToken(), kysoLauncher()]);
  dir = await mkdtemp(join(tmpdir(), 'kyso-batch-crash-'));
}, 180_000);
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

async function records(): Promise<Array<{ seq: number; hash: string; items: Array<{ name: string; resultSha256?: string }> }>> {
  const folder = token.env.KYSO_DATA_DIR;
  const names = (await readdir(folder)).filter((n) => /^history-\d+\.jsonl$/.test(n)).sort();
  const text = (await Promise.all(names.map((n) => readFile(join(folder, n), 'utf8')))).join('');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { seq: number; hash: string; items: Array<{ name: string; resultSha256?: string }> });
}

/** history.head, or undefined when no batch has finished yet (the killed one was the first writer). */
async function head(): Promise<{ seq: number; hash: string } | undefined> {
  const text = await readFile(join(token.env.KYSO_DATA_DIR, 'history.head'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : JSON.parse(text) as { seq: number; hash: string };
}

describe('kyso sign-pdf batch killed mid-way', () => {
  it('every signed file has its record; the history verifies; the next batch cleans up and updates the head', async () => {
    const inputs: string[] = [];
    const doc = await PDFDocument.create();
    doc.addPage([595, 842]).drawText('Kyso batch crash test', { x: 72, y: 760, size: 12 });
    const bytes = await doc.save({ useObjectStreams: false });
    await mkdir(join(dir, 'in'));
    for (let i = 0; i < 60; i++) {
      inputs.push(join(dir, 'in', `doc-${i}.pdf`));
      await writeFile(inputs[i]!, bytes);
    }
    const out = join(dir, 'out');
    await mkdir(out);

    // Kill the batch once a few outputs exist.
    const child = spawn(process.execPath, [await kysoLauncher(), 'sign-pdf', ...inputs, '-o', out, '--cert', 'MST:0101234567', '--pin-stdin', '--invisible'],
      { env: { ...process.env, ...token.env }, stdio: ['pipe', 'ignore', 'pipe'] });
    child.stdin.end(`${token.userPin}\n`);
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    for (let waited = 0; waited < 120_000; waited += 20) {
      if ((await readdir(out)).filter((n) => n.endsWith('-signed.pdf')).length >= 5) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;

    const signed = (await readdir(out)).filter((n) => n.endsWith('-signed.pdf'));
    expect(signed.length).toBeGreaterThanOrEqual(5);
    expect(signed.length).toBeLessThan(inputs.length); // really killed mid-batch
    const all = await records();
    for (const name of signed) {
      const input = join(dir, 'in', name.replace('-signed.pdf', '.pdf'));
      const record = all.find((r) => r.items.some((i) => i.name === input.slice(-255) && i.resultSha256 !== undefined));
      expect(record, `record of ${name}`).toBeDefined();
      expect(record!.items[0]!.resultSha256).toBe(await sha256(join(out, name)));
    }
    expect((await head())?.seq ?? 0).toBeLessThanOrEqual(all.at(-1)!.seq);
    const verify = await runKyso(['history', '--verify'], { env: token.env });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);

    // The next batch into the same folder: the dead run's temp files go; the head names the last record.
    const again = await runKyso(['sign-pdf', inputs[0]!, inputs[1]!, '-o', out, '--cert', 'MST:0101234567', '--pin-stdin', '--invisible'], { env: token.env, stdin: `${token.userPin}\n`, timeoutMs: 120_000 });
    expect(again.code, again.stderr).toBe(0);
    expect((await readdir(out)).filter((n) => n.startsWith('.'))).toEqual([]);
    const last = (await records()).at(-1)!;
    expect(await head()).toMatchObject({ seq: last.seq, hash: last.hash });
    expect((await runKyso(['history', '--verify'], { env: token.env })).code).toBe(0);
  }, 300_000);
});
