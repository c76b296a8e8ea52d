/**
 * What the browser's first message costs: the built host's entry and everything it imports STATICALLY is what Node
 * parses before `host.hello` can be answered (and likewise for `kyso --help`). The heavy libraries must sit behind
 * a dynamic import() (docs/benchmarks.md "Host cold start"); this guards against one static import pulling the
 * 9 MB back in. Sizes, not times: the machine is shared, times are measured by `npm run bench` only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildTestHost, spawnHost } from '../helpers/host-process.js';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';

/** Files reached from `entry` through static `import … from "./x"` / `import "./x"` (esbuild's ESM output). */
function staticClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+"(\.\/[^"]+)"|^import\s+"(\.\/[^"]+)"/gms)) visit(join(dirname(file), (m[1] ?? m[2])!));
  };
  visit(entry);
  return [...seen];
}

const HEAVY = ['node_modules/pdfjs-dist/', 'node_modules/pdf-lib/', 'node_modules/@pdf-lib/fontkit/', 'node_modules/xmldsigjs/', 'node_modules/@peculiar/x509/', 'node_modules/pkijs/', 'node_modules/@xmldom/'];

describe('start-up bundle', () => {
  it.each([['kyso-host.mjs (host.hello)', 'hostPath'], ['cli.mjs (kyso --help)', 'cliPath']] as const)(
    '%s loads under 512 KB statically and none of pdf.js, pdf-lib, fontkit, xmldsigjs, xmldom, x509, pkijs', async (_name, key) => {
      const built = await buildTestHost();
      const files = staticClosure(built[key]);
      const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
      expect(bytes).toBeLessThan(512 * 1024);
      const loaded = files.map((f) => readFileSync(f, 'utf8')).join('\n');
      for (const library of HEAVY) expect(loaded, library).not.toContain(library);
      // …and they are in the build, behind dynamic imports: the markers looked for above are really there to find.
      const all = readdirSync(built.outDir).filter((f) => f.endsWith('.mjs')).map((f) => readFileSync(join(built.outDir, f), 'utf8')).join('\n');
      for (const library of HEAVY) expect(all, library).toContain(library);
    });
});

/**
 * How many files Node's ESM loader reads before the host can answer `host.hello`: each costs a resolution and a
 * compilation (~3 ms on this machine), and the start-up was spread over 16 (esbuild splits modules by which set of
 * entry points reaches them, and each lazy handler is an entry point). scripts/build-host.mjs now puts the whole
 * start-up in one shared chunk: the entry, that chunk and esbuild's runtime helpers. Counts, not times: times are
 * measured by `npm run bench` only (docs/benchmarks.md "Host cold start").
 */
describe('host start-up files', () => {
  it('kyso-host.mjs loads at most 3 files of its own before host.hello (entry, start-up chunk, runtime helpers)', async () => {
    const built = await buildTestHost();
    expect(staticClosure(built.hostPath).length).toBeLessThanOrEqual(3);
  });

  it('a lazily loaded handler shares the start-up chunk instead of bringing its own copy of the token layer', async () => {
    const built = await buildTestHost();
    const startup = new Set(staticClosure(built.hostPath));
    const host = readFileSync(built.hostPath, 'utf8');
    // The chunk the dispatcher's import('./handlers/sign-digest.js') became: found through the start-up files.
    const lazy = [...startup].flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/import\("(\.\/chunk-[^"]+)"\)/g)].map((m) => join(built.outDir, m[1]!)));
    expect(lazy.length).toBeGreaterThan(0);
    for (const chunk of lazy) {
      for (const file of staticClosure(chunk)) {
        if (startup.has(file)) continue;
        // No lazy chunk defines the token service again: there is one per process, in the start-up chunk.
        expect(readFileSync(file, 'utf8'), file).not.toMatch(/^var TokenService = class/m);
      }
    }
    expect(host).toContain('runHost');
  });
});

/**
 * Which heavy Node built-ins are compiled before the host answers `host.hello`: node:crypto, node:worker_threads and
 * node:child_process (with their internal modules) cost ~14 ms of a ~85 ms start, and hello needs none of them; the
 * token layer loads them where first used (native-host/token/lazy-builtins.ts). A preload (NODE_OPTIONS --require)
 * records process.moduleLoadList at the host's first write to stdout, which is the hello reply. A static import of
 * one of them anywhere on the start-up path makes this fail. Module names, not times.
 */
describe('host start-up built-ins', () => {
  let token: DemoToken;
  let dir: string;
  beforeAll(async () => {
    token = await createDemoToken();
    dir = mkdtempSync(join(tmpdir(), 'kyso-startup-builtins-'));
  }, 60_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(token.dir, { recursive: true, force: true });
  });

  it('loads none of node:crypto, node:worker_threads, node:child_process before the host.hello reply, and later requests still work', async () => {
    const built = await buildTestHost();
    const preload = join(dir, 'record-builtins.cjs');
    writeFileSync(preload, [
      'const write = process.stdout.write;',
      'let first = true;',
      'process.stdout.write = function (...args) {',
      "  if (first) { first = false; process.stderr.write('BUILTINS-AT-FIRST-REPLY ' + JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule '))) + '\\n'); }",
      '  return write.apply(this, args);',
      '};',
    ].join('\n'));
    const host = spawnHost(built.hostPath, { env: { ...token.env, NODE_OPTIONS: `--require ${preload}` } });
    try {
      const hello = await host.request('host.hello', { extensionVersion: 'test' });
      expect(hello.type).toBe('host.result');
      // The driver loaded before the reply as before: hello still reports what it really loaded.
      expect(hello.payload.modules.some((m: { loaded: boolean }) => m.loaded)).toBe(true);
      const line = host.stderrText().split('\n').find((l) => l.startsWith('BUILTINS-AT-FIRST-REPLY '));
      expect(line, host.stderrText()).toBeDefined();
      const loaded = JSON.parse(line!.slice('BUILTINS-AT-FIRST-REPLY '.length)) as string[];
      // The recording itself is real: the host's own start-up built-ins are in the list.
      expect(loaded).toContain('NativeModule fs');
      for (const heavy of ['crypto', 'worker_threads', 'child_process']) expect(loaded).not.toContain(`NativeModule ${heavy}`);
      // Loaded where first used: listing certificates needs node:crypto (key pairing, token ids) and gets it.
      const listed = await host.request('host.listCertificates', {});
      expect(listed.type, JSON.stringify(listed.error)).toBe('host.result');
      expect(listed.payload.certificates.length).toBeGreaterThan(0);
    } finally {
      await host.close();
    }
  }, 60_000);
});

/**
 * pkcs11js in the start-up chunk (scripts/build-host.mjs pkcs11jsByRequire): its ~660 exports are neither copied into
 * a namespace object per importing file (esbuild's __toESM) nor spread into a new object by its own index.js; each
 * copy cost ~15 M instructions, ~6 % of a host start (docs/benchmarks.md "Eighth run"). The bundled index.js must
 * still export what the package exports.
 */
describe('pkcs11js in the host bundle', () => {
  const root = resolve(import.meta.dirname, '../..');

  it('is taken without copying its exports: no namespace copy, and its index.js without the spread', async () => {
    const built = await buildTestHost();
    const loaded = staticClosure(built.hostPath).map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(loaded).toContain('pkcs11.PKCS11 = PKCS11;');
    expect(loaded).not.toContain('{ ...pkcs11, PKCS11 }');
    expect(loaded).not.toMatch(/__toESM\(require_pkcs11js/);
  });

  it('exports the same names and constants as the package, and a PKCS11 with the same wrapped calls', async () => {
    const { pkcs11jsIndexSource } = await import(pathToFileURL(join(root, 'scripts/build-host.mjs')).href) as { pkcs11jsIndexSource(): Promise<string> };
    // Inside the repository, so that its require of pkcs11js's addon resolves from node_modules as in dist/host.
    const dir = join(root, 'node_modules', '.cache', `kyso-pkcs11js-index-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(join(dir, 'index.cjs'), await pkcs11jsIndexSource());
      const require = createRequire(join(dir, 'index.cjs'));
      const bundled = require('./index.cjs') as Record<string, unknown> & { PKCS11: new () => object };
      const original = require('pkcs11js') as Record<string, unknown> & { PKCS11: new () => object };
      expect(bundled).not.toBe(original);
      expect(Object.keys(bundled)).toEqual(Object.keys(original));
      for (const [name, value] of Object.entries(original)) {
        if (typeof value === 'function') expect(typeof bundled[name], name).toBe('function');
        else expect(bundled[name], name).toEqual(value);
      }
      expect(Object.keys(bundled).length).toBeGreaterThan(600);
      expect(Object.keys(new bundled.PKCS11())).toEqual(Object.keys(new original.PKCS11()));
      expect(Object.keys(new bundled.PKCS11())).toContain('C_Initialize');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
