/**
 * The consent window's script is ONE file (issue 14, warm window): built on its own (scripts/build.mjs), it no
 * longer shares chunks with the other extension pages, which made it 5 module requests (the bundler's runtime,
 * limits, document schemas, dom helpers and its own) before the window could show. What it loads later with
 * import() (the Public Suffix List beside the state, the PDF preview) stays apart on purpose
 * (test/integration/consent-page-load.test.ts). Checks the BUILT extension (`npm run build`). Files, not times:
 * times are measured by `npm run bench` only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const CONSENT_HTML = join(import.meta.dirname, '../../dist/chromium/ui/consent/consent.html');

function page(): string {
  if (!existsSync(CONSENT_HTML)) throw new Error('dist/chromium/ui/consent/consent.html is missing: run `npm run build` first');
  return readFileSync(CONSENT_HTML, 'utf8');
}

describe('consent window: one script file before it can show (built extension)', () => {
  it('has one module script, which imports nothing statically', () => {
    const html = page();
    const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    const entry = readFileSync(resolve(dirname(CONSENT_HTML), scripts[0]!), 'utf8');
    // `import … from "./x"`, `export … from "./x"` or `import "./x"`: each would be one more request before DOMContentLoaded.
    expect(entry.match(/^(?:import|export)\s[^;(]*?from\s*["'][^"']+["']|^import\s*["'][^"']+["']/gm) ?? []).toEqual([]);
  });
});
