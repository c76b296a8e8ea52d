#!/usr/bin/env node
/**
 * `node scripts/bench/pdf-streamed.mjs [--json] [--mb 100] [--gb 1] [--runs 3] [--host-dir DIR]`
 *
 * Issue 14 "PDF streamed", side by side in one run (only ratios mean anything on a shared machine):
 *   pdf-100mb   `kyso sign-pdf` of a 100 MB PDF (real data)  vs  `node` start + SHA-256 of the file in Node
 *               (target ≤ 1.5×), and the CLI's peak RSS (target ≤ 100 MB), both by /usr/bin/time
 *   pdf-1gb     `kyso sign-pdf` of a 1 GB SPARSE PDF (the data a file hole): wall time and peak RSS (≤ 100 MB)
 * The PDFs: one page whose resources hold a form XObject carrying the bulk (the shape of a scanned document's
 * image); the 100 MB one is written for real (a content stream of "q Q" operators), the 1 GB one as a hole.
 * Uses the built CLI (dist/host/cli.mjs, built if missing) and a fresh SoftHSM2 demo token. `benchPdfStreamed` is
 * exported for scripts/bench.mjs to include.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median, round } from './stats.mjs';
import { writeLargePdf } from '../lib/large-pdf.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RUNNER = ['--input-type=module', '-e', 'const { main } = await import(process.argv[1]); process.exitCode = await main(process.argv.slice(2));'];
const HASH_FILE = "const h=require('crypto').createHash('sha256');require('fs').createReadStream(process.argv[1],{highWaterMark:1<<20}).on('data',(c)=>h.update(c)).on('end',()=>h.digest())";

/** Wall ms and peak RSS (kB) of a command, by /usr/bin/time. */
function measured(command, args, { env = {}, stdin = '' } = {}) {
  const timeFile = join(tmpdir(), `kyso-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%M', command, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - started;
      const peakKb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
      rmSync(timeFile, { force: true });
      if (code !== 0) reject(new Error(`${args.slice(0, 4).join(' ')} exited ${code}: ${stderr.slice(0, 400)}`));
      else resolveRun({ wallMs, peakKb });
    });
    child.stdin.end(stdin);
  });
}

/**
 * @returns {Promise<Array<{ key: string, figure: string, kyso: number, reference: number, unit: string, ratio: number, target: string, meets: boolean, detail?: Record<string, number> }>>}
 */
export async function benchPdfStreamed({ cliPath, token, certName = 'org-rsa', dir, mb = 100, gb = 1, runs = 3 }) {
  const cert = token.certificates.find((c) => c.name === certName);
  const env = { SOFTHSM2_CONF: token.softhsm2Conf, KYSO_PKCS11_MODULE: token.module };
  const sign = (input, output) => measured(process.execPath, [...RUNNER, cliPath, 'sign-pdf', input, '-o', output, '--cert', cert.certificateId, '--pin-stdin'], { env, stdin: `${token.userPin}\n` });
  const rows = [];

  const real = join(dir, 'streamed-100mb.pdf');
  writeLargePdf(real, mb * 1024 * 1024, { sparse: false });
  const kyso = [];
  const reference = [];
  for (let r = 0; r < runs; r++) {
    reference.push(await measured(process.execPath, ['-e', HASH_FILE, real]));
    kyso.push(await sign(real, join(dir, `streamed-100mb-signed-${r}.pdf`)));
  }
  const kysoMs = median(kyso.map((k) => k.wallMs));
  const refMs = median(reference.map((k) => k.wallMs));
  const peakMb = Math.max(...kyso.map((k) => k.peakKb)) / 1024;
  rows.push({
    key: 'pdf-100mb', figure: `kyso sign-pdf of a ${mb} MB PDF (p50) vs node + SHA-256 of the file`, kyso: round(kysoMs), reference: round(refMs), unit: 'ms',
    ratio: round(kysoMs / refMs), target: '≤ 1.5×', meets: kysoMs / refMs <= 1.5,
    detail: { peakRssMb: round(peakMb), referencePeakRssMb: round(Math.max(...reference.map((k) => k.peakKb)) / 1024) },
  });
  rows.push({
    key: 'pdf-100mb-rss', figure: `kyso sign-pdf of a ${mb} MB PDF: peak RSS`, kyso: round(peakMb), reference: 100, unit: 'MB',
    ratio: round(peakMb / 100), target: '≤ 100 MB', meets: peakMb <= 100,
  });

  if (gb > 0) {
    const sparse = join(dir, 'streamed-1gb.pdf');
    writeLargePdf(sparse, gb * 1024 ** 3, { sparse: true });
    const run = await sign(sparse, join(dir, 'streamed-1gb-signed.pdf'));
    const peak = run.peakKb / 1024;
    rows.push({
      key: 'pdf-1gb-rss', figure: `kyso sign-pdf of a ${gb} GB (sparse) PDF: peak RSS`, kyso: round(peak), reference: 100, unit: 'MB',
      ratio: round(peak / 100), target: '≤ 100 MB', meets: peak <= 100, detail: { wallMs: round(run.wallMs) },
    });
    rmSync(join(dir, 'streamed-1gb-signed.pdf'), { force: true });
  }
  return rows;
}

async function main() {
  const { values } = parseArgs({
    options: { json: { type: 'boolean' }, mb: { type: 'string', default: '100' }, gb: { type: 'string', default: '1' }, runs: { type: 'string', default: '3' }, 'host-dir': { type: 'string' } },
  });
  const hostDir = resolve(values['host-dir'] ?? join(ROOT, 'dist/host'));
  const cliPath = join(hostDir, 'cli.mjs');
  if (!existsSync(cliPath)) {
    if (values['host-dir']) throw new Error(`${cliPath} not found`);
    const { buildHost } = await import(pathToFileURL(join(ROOT, 'scripts/build-host.mjs')).href);
    await buildHost();
  }
  const dir = mkdtempSync(join(tmpdir(), 'kyso-bench-pdf-'));
  try {
    const { createDemoTokenSync } = await import(pathToFileURL(join(ROOT, 'scripts/token-demo.mjs')).href);
    const token = createDemoTokenSync(join(dir, 'token'));
    const rows = await benchPdfStreamed({ cliPath, token, dir, mb: Number(values.mb), gb: Number(values.gb), runs: Math.max(1, Number(values.runs)) });
    if (values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else for (const r of rows) process.stdout.write(`${r.meets ? 'ok  ' : 'MISS'} ${r.figure}: ${r.kyso} ${r.unit} vs ${r.reference} (${r.ratio}×, target ${r.target})${r.detail ? ` ${JSON.stringify(r.detail)}` : ''}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
