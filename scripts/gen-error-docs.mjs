#!/usr/bin/env node
// Regenerates README's error-code table from shared/errors/catalogue.ts (the one source), between the markers
// <!-- errors:start --> and <!-- errors:end -->. `npm test` checks the table is current (test/unit/readme-errors.test.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = fileURLToPath(new URL('..', import.meta.url));
const { ERROR_CATALOGUE } = await tsImport('./shared/errors/catalogue.ts', import.meta.url.replace('scripts/gen-error-docs.mjs', ''));
const { renderErrorTable } = await tsImport('./shared/errors/render-error-table.ts', import.meta.url.replace('scripts/gen-error-docs.mjs', ''));

const readmePath = `${root}README.md`;
const readme = readFileSync(readmePath, 'utf8');
const start = '<!-- errors:start -->';
const end = '<!-- errors:end -->';
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i < 0 || j < i) throw new Error('README.md lacks the error table markers');
const next = `${readme.slice(0, i + start.length)}\n${renderErrorTable(ERROR_CATALOGUE)}\n${readme.slice(j)}`;
writeFileSync(readmePath, next);
console.log(`README.md: ${Object.keys(ERROR_CATALOGUE).length} error codes written`);
