/**
 * What the consent window parses before it can show (issue 14: warm window ≤ 60 ms): consent.html's module
 * script, the files it preloads, and everything those import STATICALLY. The Public Suffix List (tldts, ~310 KB of
 * the ~440 KB the window used to parse first) is loaded beside the request's state instead, with `import()`
 * (extension/ui/consent/consent.ts); the window renders nothing of the request until it is there, so the
 * registrable domain is still always shown (test/security/consent-display.test.ts). Checks the BUILT extension
 * (`npm run build`), development flavour. Sizes, not times: times are measured by `npm run bench` only.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const CHROMIUM = join(import.meta.dirname, '../../dist/chromium');
const CONSENT_HTML = join(CHROMIUM, 'ui/consent/consent.html');
/** The bundler's region marker of the package's code (a comment that merely names tldts does not count). */
const PSL_CODE = /node_modules\/tldts/;
/** Was ~540 KB with the Public Suffix List; ~195 KB without it. */
const FIRST_LOAD_MAX_BYTES = 256 * 1024;

/** Files reached from `file` through static `import … from "./x"` / `import "./x"` (not `import("./x")`). */
function staticClosure(files: string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"(\.{1,2}\/[^"]+)"|^import\s*"(\.{1,2}\/[^"]+)"/gm)) visit(resolve(dirname(file), (m[1] ?? m[2])!));
  };
  for (const file of files) visit(file);
  return [...seen];
}

function firstLoad(): string[] {
  if (!existsSync(CONSENT_HTML)) throw new Error('dist/chromium/ui/consent/consent.html is missing: run `npm run build` first');
  const html = readFileSync(CONSENT_HTML, 'utf8');
  const refs = [...html.matchAll(/<script[^>]+src="([^"]+\.js)"|<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g)].map((m) => resolve(dirname(CONSENT_HTML), (m[1] ?? m[2])!));
  return staticClosure(refs);
}

describe('consent window: what it parses before it can show (built extension)', () => {
  it('holds no Public Suffix List (tldts) and stays under 256 KB', () => {
    const files = firstLoad();
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(readFileSync(file, 'utf8'), file).not.toMatch(PSL_CODE);
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
    expect(bytes).toBeLessThanOrEqual(FIRST_LOAD_MAX_BYTES);
  });

  it('loads the Public Suffix List with import() from the consent script itself', () => {
    const entry = readFileSync(CONSENT_HTML, 'utf8').match(/<script[^>]+src="([^"]+\.js)"/)![1]!;
    const text = readFileSync(resolve(dirname(CONSENT_HTML), entry), 'utf8');
    const lazy = /import\("(\.\/[^"]+)"\)/g;
    const targets = [...text.matchAll(lazy)].map((m) => resolve(dirname(resolve(dirname(CONSENT_HTML), entry)), m[1]!));
    expect(targets.some((t) => PSL_CODE.test(readFileSync(t, 'utf8')))).toBe(true);
  });
});
