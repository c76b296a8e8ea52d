/**
 * The content script runs at document_start in every frame of every site the person opens (manifest.json), so
 * every page parses it. Issue 14: ≤ 10 KB — a filter that loads the page relay (page-relay.js) only when the page
 * posts a Kyso request; the plugin-compatibility bridge is a separate script registered only for allowed sites. Checks the BUILT extension (`npm run build`, which `npm test` runs
 * first), in the development flavour (not minified): the size a developer's build and the e2e tests load.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CHROMIUM = join(import.meta.dirname, '../../dist/chromium');
const CONTENT_SCRIPT_MAX_BYTES = 10 * 1024;

describe('content script injected into every frame (built extension)', () => {
  it('dist/chromium/content.js is at most 10 KB and holds neither the validation library, the browser polyfill nor the compat bridge', () => {
    const path = join(CHROMIUM, 'content.js');
    if (!existsSync(path)) throw new Error('dist/chromium/content.js is missing: run `npm run build` first');
    expect(statSync(path).size).toBeLessThanOrEqual(CONTENT_SCRIPT_MAX_BYTES);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toMatch(/valibot/i);
    expect(text).not.toContain('webextension-polyfill');
    expect(text).not.toContain('compat.query');
    // …while it still recognises the SDK's envelope and loads the relay for it.
    expect(text).toContain('kyso/page-request');
    expect(text).toContain('page-relay.js');
  });

  it('the manifest injects only content.js everywhere; the relay is a per-session web-accessible module; compat-bridge.js is built for the background to register', () => {
    const manifest = JSON.parse(readFileSync(join(CHROMIUM, 'manifest.json'), 'utf8')) as {
      content_scripts: Array<{ js: string[] }>;
      web_accessible_resources: Array<{ resources: string[]; use_dynamic_url?: boolean }>;
    };
    expect(manifest.content_scripts.flatMap((c) => c.js)).toEqual(['content.js']);
    // Pages cannot probe for Kyso at a fixed chrome-extension:// URL: only the per-session one serves it.
    expect(manifest.web_accessible_resources).toEqual([expect.objectContaining({ resources: ['page-relay.js'], use_dynamic_url: true })]);
    expect(readFileSync(join(CHROMIUM, 'page-relay.js'), 'utf8')).toContain('export');
    expect(readFileSync(join(CHROMIUM, 'compat-bridge.js'), 'utf8')).toContain('compat.query');
  });
});
