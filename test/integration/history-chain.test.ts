/**
 * The signing history's hash chain, checked by the BUILT `kyso history --verify`: an intact history passes;
 * an edited, removed, inserted or reordered record — in one file, across a rotation, or at the end — fails
 * with exit 1 and the file, line and record named. Records are written by the real writer (several processes
 * at once for the concurrency case).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { appendSigningRecord } from '../../native-host/history/history-writer.js';
import type { SigningRecordBody } from '../../shared/protocol/signing-history.js';
import { runKyso } from '../helpers/kyso-cli.js';

let dir: string;
const dirs: string[] = [];

beforeAll(async () => {
  await runKyso(['history', '--help']); // builds the CLI once
});

afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function body(n: number, origin = 'https://thuedientu.gdt.gov.vn'): SigningRecordBody {
  return {
    v: 1, time: new Date(Date.UTC(2026, 11, 1, 8, 0, n)).toISOString(), origin, operation: 'signDigest',
    items: [{ kind: 'digest', hashAlgorithm: 'SHA-256', digest: n.toString(16).padStart(64, '0') }],
    result: 'ok',
  };
}

async function history(count: number, rotateBytes?: number): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'kyso-history-'));
  dirs.push(dir);
  for (let n = 1; n <= count; n++) await appendSigningRecord(dir, body(n), rotateBytes ? { rotateBytes } : {});
  return dir;
}

const verify = (d: string) => runKyso(['history', '--verify'], { env: { KYSO_DATA_DIR: d } });
const FILE1 = 'history-000001.jsonl';

async function lines(name = FILE1): Promise<string[]> {
  return (await readFile(join(dir, name), 'utf8')).split('\n').slice(0, -1);
}
async function rewrite(next: string[], name = FILE1): Promise<void> {
  await writeFile(join(dir, name), `${next.join('\n')}\n`);
}

describe('kyso history --verify', () => {
  it('passes an intact history, files 0600 in a 0700 folder', async () => {
    await history(5);
    const result = await verify(dir);
    expect(result.stdout).toContain('OK: 5 records');
    expect(result.code).toBe(0);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, FILE1))).mode & 0o777).toBe(0o600);
  });

  it('names an edited record (one changed character) and exits 1', async () => {
    await history(5);
    const l = await lines();
    l[2] = l[2]!.replace('thuedientu.gdt.gov.vn', 'thuedientu.gdt.gov.vX');
    await rewrite(l);
    const result = await verify(dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${FILE1}:3 (record 3): edited`);
  });

  it('names an edited record whose hash was recomputed: the next record no longer follows it', async () => {
    await history(4);
    const { createHash } = await import('node:crypto');
    const l = await lines();
    const text = l[1]!.replace(/,"hash":"[0-9a-f]{64}"\}$/, '}').replace('"result":"ok"', '"result":"error"');
    l[1] = `${text.slice(0, -1)},"hash":"${createHash('sha256').update(text).digest('hex')}"}`;
    await rewrite(l);
    const result = await verify(dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${FILE1}:3 (record 3): does not follow the record before it`);
  });

  it('names a removed record', async () => {
    await history(5);
    const l = await lines();
    l.splice(1, 1);
    await rewrite(l);
    const result = await verify(dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${FILE1}:2 (record 3): record 2 missing before it`);
  });

  it('names records removed at the end (the head file remembers the last one)', async () => {
    await history(5);
    await rewrite((await lines()).slice(0, 3));
    const result = await verify(dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('record 4–5 missing at the end');
  });

  it('names an inserted record (a copy of another one)', async () => {
    await history(4);
    const l = await lines();
    l.splice(2, 0, l[0]!);
    await rewrite(l);
    const result = await verify(dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${FILE1}:3 (record 1): out of order`);
  });

  it('names reordered records', async () => {
    await history(5);
    const l = await lines();
    [l[1], l[2]] = [l[2]!, l[1]!];
    await rewrite(l);
    const result = await verify(dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${FILE1}:2 (record 3): record 2 missing before it`);
    expect(result.stdout).toContain(`${FILE1}:3 (record 2): out of order`);
  });

  it('names a record cut short by a crash, and the next record starts on its own line', async () => {
    await history(2);
    const text = await readFile(join(dir, FILE1), 'utf8');
    await writeFile(join(dir, FILE1), `${text}{"v":1,"time":"2026-12-01T08:00:0`); // a write torn mid-line
    await appendSigningRecord(dir, body(3));
    const l = await lines();
    expect(l).toHaveLength(4);
    expect(JSON.parse(l[3]!).seq).toBe(3);
    const result = await verify(dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${FILE1}:3: not a history record`);
  });

  it('keeps the chain across rotated files, and names a whole removed file', async () => {
    await history(12, 600); // a record is ≈ 400 bytes: a new file every two records
    const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort();
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect((await verify(dir)).code).toBe(0);
    const second = JSON.parse((await readFile(join(dir, files[1]!), 'utf8')).split('\n')[0]!);
    const firstLines = (await readFile(join(dir, files[0]!), 'utf8')).trim().split('\n');
    expect(second.prev).toBe(JSON.parse(firstLines.at(-1)!).hash); // the link crosses the file boundary
    await rm(join(dir, files[1]!));
    const result = await verify(dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`${files[2]}:1 \\(record \\d+\\): record \\d+(–\\d+)? missing before it`));
  });

  it('keeps one unbroken chain when several processes write at the same time', async () => {
    await history(0);
    const script = `const { appendSigningRecord } = await import(${JSON.stringify(new URL('../../native-host/history/history-writer.ts', import.meta.url).href)});
const [start, target] = process.argv.slice(-2);
await new Promise((r) => setTimeout(r, Number(start) - Date.now())); // all three begin at the same moment
for (let i = 0; i < 30; i++) await appendSigningRecord(target, { v: 1, time: new Date().toISOString(), origin: 'cli', operation: 'sign-cms', items: [], result: 'ok' });`;
    const startAt = Date.now() + 3000;
    const runOne = () => new Promise<number | null>((resolve) => {
      // tsx runs the TypeScript writer as it is in a separate process (no bundle needed for this check).
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, String(startAt), dir], { stdio: 'inherit' });
      child.on('exit', resolve);
    });
    expect(await Promise.all([runOne(), runOne(), runOne()])).toEqual([0, 0, 0]);
    const result = await verify(dir);
    expect(result.stdout).toContain('OK: 90 records');
    expect(result.code).toBe(0);
  });

  it('keeps one chain when batches (their history file kept open between records) and single writers interleave, across rotations', async () => {
    await history(0);
    // Two processes write as a CLI batch does (deferHistoryHeads: the file stays open from record to record), one as
    // the host does; small files, so each writer sees files rotated by the others under its open handle.
    const script = `const { appendSigningRecord, deferHistoryHeads, flushHistoryHeads } = await import(${JSON.stringify(new URL('../../native-host/history/history-writer.ts', import.meta.url).href)});
const [start, target, mode] = process.argv.slice(-3);
if (mode === 'batch') deferHistoryHeads();
await new Promise((r) => setTimeout(r, Number(start) - Date.now()));
for (let i = 0; i < 30; i++) await appendSigningRecord(target, { v: 1, time: new Date().toISOString(), origin: 'cli', operation: 'sign-cms', items: [], result: 'ok' }, { rotateBytes: 2000 });
if (mode === 'batch') await flushHistoryHeads();`;
    const startAt = Date.now() + 3000;
    const runOne = (mode: string) => new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, String(startAt), dir, mode], { stdio: 'inherit' });
      child.on('exit', resolve);
    });
    expect(await Promise.all([runOne('batch'), runOne('batch'), runOne('single')])).toEqual([0, 0, 0]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.jsonl')).length).toBeGreaterThan(3);
    const result = await verify(dir);
    expect(result.stdout).toContain('OK: 90 records');
    expect(result.code).toBe(0);
  });

  it('lists records, filtered by origin and date, as JSON', async () => {
    await history(3);
    await appendSigningRecord(dir, body(9, 'https://dichvucong.gov.vn'));
    const all = await runKyso(['history', '--json'], { env: { KYSO_DATA_DIR: dir } });
    expect(JSON.parse(all.stdout)).toHaveLength(4);
    const site = await runKyso(['history', '--json', '--origin', 'https://dichvucong.gov.vn'], { env: { KYSO_DATA_DIR: dir } });
    expect(JSON.parse(site.stdout).map((r: { seq: number }) => r.seq)).toEqual([4]);
    const since = await runKyso(['history', '--json', '--since', '2026-12-01T08:00:02Z'], { env: { KYSO_DATA_DIR: dir } });
    expect(JSON.parse(since.stdout).map((r: { seq: number }) => r.seq)).toEqual([2, 3, 4]);
    const text = await runKyso(['history'], { env: { KYSO_DATA_DIR: dir } });
    expect(text.stdout).toContain('https://dichvucong.gov.vn  signDigest  OK');
  });
});
