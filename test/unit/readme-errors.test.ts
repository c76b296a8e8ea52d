import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../shared/errors/catalogue.js';
import { renderErrorTable } from '../../shared/errors/render-error-table.js';

describe('README error codes', () => {
  it('documents exactly the catalogue (run `node scripts/gen-error-docs.mjs` after changing it)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('<!-- errors:start -->') + '<!-- errors:start -->'.length, readme.indexOf('<!-- errors:end -->'));
    expect(section.trim()).toBe(renderErrorTable(ERROR_CATALOGUE).trim());
  });
});
