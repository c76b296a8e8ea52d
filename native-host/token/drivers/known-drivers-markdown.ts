/**
 * The known-drivers table and the searched folders as Markdown, for docs/tokens.md. A unit test
 * (test/unit/token-drivers-docs.test.ts) checks the document holds exactly this text, so the two cannot drift;
 * run it with KYSO_UPDATE_DOCS=1 to rewrite the section.
 */
import { KNOWN_DRIVERS, type DriverPlatform, type KnownDriver } from './known-drivers.js';
import { STANDARD_FOLDERS } from './known-driver-candidates.js';

export const DOCS_SECTION_START = '<!-- known-drivers:start (generated from native-host/token/drivers/known-drivers.ts) -->';
export const DOCS_SECTION_END = '<!-- known-drivers:end -->';

const PLATFORMS: ReadonlyArray<[DriverPlatform, string]> = [['win32', 'Windows'], ['darwin', 'macOS'], ['linux', 'Linux']];

const cell = (text: string): string => text.replaceAll('|', '\\|');
const files = (names: readonly string[] | undefined): string => (names?.length ? names.map((n) => `\`${n}\``).join(', ') : '—');

export function knownDriversMarkdown(drivers: readonly KnownDriver[] = KNOWN_DRIVERS): string {
  const lines = [
    DOCS_SECTION_START,
    '',
    '| Vendor | Serves | Windows | macOS | Linux | Extra folders | Source |',
    '|---|---|---|---|---|---|---|',
    ...drivers.map((d) => {
      const folders = PLATFORMS.flatMap(([p, name]) => (d.folders?.[p] ?? []).map((f) => `${name}: \`${f}\``)).join('<br>') || '—';
      return `| ${cell(d.vendor)} | ${cell(d.serves)} | ${files(d.files.win32)} | ${files(d.files.darwin)} | ${files(d.files.linux)} | ${cell(folders)} | ${cell(d.source)} |`;
    }),
    '',
    'Folders searched for every file name above, before the extra folders:',
    '',
    ...PLATFORMS.map(([p, name]) => `- ${name}: ${STANDARD_FOLDERS[p].map((f) => `\`${f}\``).join(', ')}`),
    '',
    DOCS_SECTION_END,
  ];
  return lines.join('\n');
}
