/**
 * Start-up figures, each against a bare `node` doing the same trivial thing, alternated run by run so both
 * see the same machine load:
 *   host cold start: spawn the built host → its reply to `host.hello` (the driver configured, as in real use),
 *                    vs spawn `node` with a 3-line script that answers the first frame;
 *   kyso --help:     spawn → exit, vs `node -e 0`.
 * Both run without NODE_EXTRA_CA_CERTS, as the browser starts the host on a person's PC: with it set (as on this
 * build machine) every `node` start first parses that whole CA file (~416 M instructions for the 144 certificates of
 * /etc/ssl/certs/ca-certificates.crt, more than a bare start's own ~110 M), a fixed cost that hid the host's own
 * cost in the ratio (docs/benchmarks.md "Eighth run"). Where the variable is set, the same figures are also measured
 * with it (`asSet`), so a run can be compared with the runs before the eighth, which all carried it.
 */
import { spawn } from 'node:child_process';
import { CHROME_CALLER, frame } from './host-client.mjs';

/**
 * The environment a child starts with: this process's, less what a person's PC does not set (see above), unless
 * `keepExtraCa` asks for this machine's environment as it is.
 */
function childEnv(extra = {}, keepExtraCa = false) {
  const env = { ...process.env, ...extra };
  if (!keepExtraCa) delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** Whether this machine sets NODE_EXTRA_CA_CERTS (then the figures are measured both ways). */
export const EXTRA_CA_SET = Boolean(process.env.NODE_EXTRA_CA_CERTS);

const BARE_REPLIER = "process.stdin.once('data',()=>process.stdout.write(Buffer.from([2,0,0,0,123,125])));process.stdin.on('end',()=>process.exit(0))";

/** ms from spawn to the first byte on stdout, after sending one host.hello frame. */
function timeFirstReply(args, env, keepExtraCa = false) {
  return new Promise((resolveTime, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env: childEnv({ ...env, KYSO_LOG_LEVEL: 'warn' }, keepExtraCa), stdio: ['pipe', 'pipe', 'ignore'] });
    child.on('error', reject);
    child.stdout.once('data', () => {
      const ms = performance.now() - started;
      child.on('exit', () => resolveTime(ms));
      child.stdin.end();
    });
    child.stdin.write(frame({ v: 1, id: 'cold1', type: 'host.hello', payload: { extensionVersion: 'bench' } }));
  });
}

/** ms from spawn to exit. */
function timeExit(args, keepExtraCa = false) {
  return new Promise((resolveTime, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env: childEnv({}, keepExtraCa), stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolveTime(performance.now() - started));
  });
}

export async function coldStart(hostPath, env, runs, keepExtraCa = false) {
  const kyso = [];
  const bare = [];
  await timeFirstReply(['-e', BARE_REPLIER], {}, keepExtraCa); // warm the file cache for both
  await timeFirstReply([hostPath, CHROME_CALLER], env, keepExtraCa);
  for (let i = 0; i < runs; i++) {
    bare.push(await timeFirstReply(['-e', BARE_REPLIER], {}, keepExtraCa));
    kyso.push(await timeFirstReply([hostPath, CHROME_CALLER], env, keepExtraCa));
  }
  return { kyso, bare };
}

export async function cliHelp(cliPath, runs, keepExtraCa = false) {
  const runner = ['--input-type=module', '-e', 'const { main } = await import(process.argv[1]); process.exitCode = await main(process.argv.slice(2));'];
  const kyso = [];
  const bare = [];
  await timeExit([...runner, cliPath, '--help'], keepExtraCa);
  for (let i = 0; i < runs; i++) {
    bare.push(await timeExit(['-e', '0'], keepExtraCa));
    kyso.push(await timeExit([...runner, cliPath, '--help'], keepExtraCa));
  }
  return { kyso, bare };
}
