/**
 * What the demo and the tests need on this machine, from ONE list (scripts/system-packages.txt, also read by
 * .ci/run): Debian packages and node_modules. As root the missing packages are installed with apt; otherwise we
 * stop at once and print the exact command. `missingPackages` is also what the tests' global setup uses to fail
 * at once naming the package, instead of 27 tests failing minutes later.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** @typedef {{ name: string, proof: string, neededBy: string[] }} SystemPackage */

/** @returns {SystemPackage[]} */
export function systemPackages() {
  return readFileSync(join(ROOT, 'scripts/system-packages.txt'), 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((line) => {
      const [name, proof, ...neededBy] = line.split(/\s+/);
      return { name, proof, neededBy };
    });
}

function isPresent(proof) {
  if (proof.startsWith('/')) return existsSync(proof);
  return spawnSync('sh', ['-c', `command -v ${proof}`], { stdio: 'ignore' }).status === 0;
}

/** Packages needed for `purpose` ('demo' | 'test') whose proof is absent. */
export function missingPackages(purpose, { skip = [] } = {}) {
  return systemPackages().filter((p) => p.neededBy.includes(purpose) && !skip.includes(p.name) && !isPresent(p.proof));
}

/**
 * Install what `purpose` needs, or exit(1) with the command to run. `say` writes one progress line.
 * @param {'demo'|'test'} purpose
 */
export function ensurePrerequisites(purpose, { say = (t) => process.stderr.write(`${t}\n`), skip = [] } = {}) {
  const missing = missingPackages(purpose, { skip }).map((p) => p.name);
  if (missing.length > 0) {
    const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
    if (process.getuid?.() === 0) {
      say(`installing ${missing.join(', ')}`);
      run('sh', ['-c', `DEBIAN_FRONTEND=noninteractive ${command}`]);
      const still = missingPackages(purpose, { skip }).map((p) => p.name);
      if (still.length > 0) fail(say, `still missing after apt-get: ${still.join(', ')}`);
    } else {
      fail(say, `missing system packages: ${missing.join(', ')}. Run as root:\n  sudo sh -c '${command}'`);
    }
  }
  if (!existsSync(join(ROOT, 'node_modules/.package-lock.json'))) {
    say('node_modules missing: npm ci');
    run('npm', ['ci', '--no-audit', '--no-fund']);
  }
  // pkcs11js is a native addon built by node-gyp at install time; an install without scripts leaves it absent.
  if (!existsSync(join(ROOT, 'node_modules/pkcs11js/build/Release/pkcs11.node'))) {
    say('pkcs11js native addon missing: npm rebuild pkcs11js');
    run('npm', ['rebuild', 'pkcs11js']);
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

function fail(say, text) {
  say(text);
  process.exit(1);
}
