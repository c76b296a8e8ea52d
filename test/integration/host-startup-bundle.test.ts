/**
 * What the browser's first message costs: the built host's entry and everything it imports STATICALLY is what Node
 * parses before `host.hello` can be answered (and likewise for `kyso --help`). The heavy libraries must sit behind
 * a dynamic import() (docs/benchmarks.md "Host cold start"); this guards against one static import pulling the
 * 9 MB back in. Sizes, not times: the machine is shared, times are measured by `npm run bench` only.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildTestHost } from '../helpers/host-process.js';

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
