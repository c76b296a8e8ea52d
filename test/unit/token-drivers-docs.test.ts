/**
 * docs/tokens.md shows the known-drivers table the host searches with (native-host/token/drivers/known-drivers.ts).
 * After changing the table: KYSO_UPDATE_DOCS=1 npx vitest run test/unit/token-drivers-docs.test.ts
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DOCS_SECTION_END, DOCS_SECTION_START, knownDriversMarkdown } from '../../native-host/token/drivers/known-drivers-markdown.js';
import { KNOWN_DRIVERS } from '../../native-host/token/drivers/known-drivers.js';

const DOC = resolve(import.meta.dirname, '../../docs/tokens.md');

describe('docs/tokens.md', () => {
  it('holds the driver table exactly as the host uses it', () => {
    const text = readFileSync(DOC, 'utf8');
    const start = text.indexOf(DOCS_SECTION_START);
    const end = text.indexOf(DOCS_SECTION_END);
    expect(start, 'docs/tokens.md lacks the generated section markers').toBeGreaterThanOrEqual(0);
    const current = text.slice(start, end + DOCS_SECTION_END.length);
    const expected = knownDriversMarkdown();
    if (process.env.KYSO_UPDATE_DOCS === '1' && current !== expected) {
      writeFileSync(DOC, text.slice(0, start) + expected + text.slice(end + DOCS_SECTION_END.length));
      return;
    }
    expect(current, 'run: KYSO_UPDATE_DOCS=1 npx vitest run test/unit/token-drivers-docs.test.ts').toBe(expected);
  });

  it('every driver row says where its names come from', () => {
    for (const d of KNOWN_DRIVERS) expect(d.source.length, d.vendor).toBeGreaterThan(20);
  });
});
