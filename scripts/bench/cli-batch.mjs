/**
 * `kyso sign-cms` / `kyso sign-pdf` over a batch of small files: one PIN, one login, N signatures. The per-file
 * overhead is what the batch costs beyond one file, per additional file, minus the token's own C_Sign:
 *     ((T(N files) − T(1 file)) / (N − 1)) − C_Sign
 * so process start, driver load, login and certificate lookup (paid once) are not counted against each file.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { nodeArgs, reportedCpuMs } from './spawn-timed.mjs';

const require = createRequire(import.meta.url);
const RUNNER = ['--input-type=module', '-e', 'const { main } = await import(process.argv[1]); process.exitCode = await main(process.argv.slice(2));'];

/** A one-page PDF with a line of text (pdf-lib, standard font: nothing embedded), ~1 KB. */
export async function smallPdf() {
  const { PDFDocument, StandardFonts } = require('pdf-lib');
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  page.drawText('Kyso benchmark: hóa đơn'.normalize('NFD').replace(/[^\x20-\x7e]/g, ''), { x: 72, y: 760, size: 12, font: await doc.embedFont(StandardFonts.Helvetica) });
  return doc.save({ useObjectStreams: false });
}

/** `count` copies of `bytes` named <stem>-<i><extension> (distinct names: each gets its own output file). */
export function writeInputs(dir, count, stem, extension, bytes) {
  mkdirSync(dir, { recursive: true });
  const first = join(dir, `${stem}-0${extension}`);
  writeFileSync(first, bytes);
  const paths = [first];
  for (let i = 1; i < count; i++) {
    const p = join(dir, `${stem}-${i}${extension}`);
    copyFileSync(first, p);
    paths.push(p);
  }
  return paths;
}

function runCli(cliPath, args, env, pin) {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, nodeArgs([...RUNNER, cliPath, ...args]), { env: { ...process.env, ...env }, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`kyso ${args[0]} exited ${code}: ${stderr.slice(0, 400)}`));
      else resolveRun({ ms: performance.now() - started, cpuMs: reportedCpuMs(stderr) ?? NaN });
    });
    child.stdin.end(`${pin}\n`);
  });
}

/**
 * Wall ms of signing `inputs` (and of the first input alone), `rounds` times each, alternated; after each batch,
 * `reference()` (the bare C_Sign loop over as many digests), so the token's own cost is measured under the same load.
 * @returns {{ one: number[], all: number[], reference: number[], oneCpu: number[], allCpu: number[] }} wall ms, and the
 *   CPU ms each kyso process used (all threads, the token's C_Sign included)
 */
export async function timeBatch({ cliPath, command, extraArgs = [], inputs, outDir, token, certName, rounds, reference }) {
  const cert = token.certificates.find((c) => c.name === certName);
  const env = { SOFTHSM2_CONF: token.softhsm2Conf, KYSO_PKCS11_MODULE: token.module };
  const common = [`--cert=${cert.certificateId}`, '--pin-stdin', ...extraArgs];
  const one = [];
  const all = [];
  const oneCpu = [];
  const allCpu = [];
  const references = [];
  for (let r = 0; r < rounds; r++) {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const first = await runCli(cliPath, [command, inputs[0], '-o', outDir, ...common], env, token.userPin);
    one.push(first.ms);
    oneCpu.push(first.cpuMs);
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const batch = await runCli(cliPath, [command, ...inputs, '-o', outDir, ...common], env, token.userPin);
    all.push(batch.ms);
    allCpu.push(batch.cpuMs);
    references.push(reference());
  }
  return { one, all, reference: references, oneCpu, allCpu };
}
