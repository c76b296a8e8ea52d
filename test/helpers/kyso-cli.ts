/**
 * Run the BUILT `kyso` CLI (bundled by scripts/build-host.mjs into node_modules/.cache, as bin/kyso.mjs runs
 * dist/host/cli.mjs) in a child process, with the demo token's environment and optional stdin.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildTestHost } from './host-process.js';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let launcher: Promise<string> | undefined;

/** A copy of bin/kyso.mjs pointing at the test build of the CLI (run it with `node PATH ARGS`). */
export function kysoLauncher(): Promise<string> {
  launcher ??= (async () => {
    const { cliPath, outDir } = await buildTestHost();
    const path = join(outDir, 'kyso-test.mjs');
    await writeFile(path, `const { main } = await import(${JSON.stringify(`file://${cliPath}`)});\nprocess.exitCode = await main(process.argv.slice(2));\n`);
    return path;
  })();
  return launcher;
}

export async function runKyso(args: readonly string[], options: { env?: NodeJS.ProcessEnv; stdin?: string; timeoutMs?: number; keepStdinOpen?: boolean } = {}): Promise<CliResult> {
  const path = await kysoLauncher();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path, ...args], { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`kyso ${args.join(' ')} timed out\n${stderr}`)); }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    // keepStdinOpen: like a writer that never closes the pipe; the CLI must still finish.
    if (options.keepStdinOpen) child.stdin.write(options.stdin ?? '');
    else child.stdin.end(options.stdin ?? '');
  });
}
