/**
 * `kyso policy --allow ORIGIN… [--block ORIGIN…] [--no-user-origins] [--operations ORIGIN=op,op…]
 *   [--force-install UPDATE_URL] [--firefox-install-url XPI_URL] [--extension-id ID]
 *   --format chromium-json|windows-reg|firefox-json|all -o DIR`
 * Writes the admin's policy files (install/admin-policy.ts). Everything is validated before anything is
 * written: one bad origin is an error naming it and leaves DIR untouched.
 */
import { parseArgs } from 'node:util';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID } from '../../config.js';
import { POLICY_FORMATS, buildAdminPolicy, policyFiles, type PolicyFormat } from '../../install/admin-policy.js';

const OPTIONS = {
  allow: { type: 'string', multiple: true },
  block: { type: 'string', multiple: true },
  'no-user-origins': { type: 'boolean' },
  operations: { type: 'string', multiple: true },
  'force-install': { type: 'string' },
  'firefox-install-url': { type: 'string' },
  'extension-id': { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

const USAGE = `Usage: kyso policy --allow ORIGIN... [options] --format chromium-json|windows-reg|firefox-json|all -o DIR
  --allow ORIGIN            a site (https://host[:port]) or pattern (https://*.gov.vn) that may ask without a prompt (repeatable)
  --block ORIGIN            a site or pattern that may never ask (repeatable)
  --no-user-origins         refuse every site not allowed here, without asking the person
  --operations ORIGIN=op,op operations a site may use: ${'signHash, signPdf, signXml, signCms, authenticate, listCertificates, verify'} (repeatable)
  --force-install URL       Chrome/Edge: install the extension from this update URL (update.xml), for every user
  --firefox-install-url URL Firefox: install the add-on from this .xpi URL
  --extension-id ID         the Chromium extension ID (default ${CHROMIUM_EXTENSION_ID})
`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (error) {
    throw new KysoError('BAD_REQUEST', { problem: error instanceof Error ? error.message.slice(0, 200) : 'bad arguments' });
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.allow?.length && !values.block?.length) throw new KysoError('BAD_REQUEST', { field: 'allow', problem: 'at least one --allow or --block origin' });
  const format = values.format;
  if (!format || !([...POLICY_FORMATS, 'all'] as string[]).includes(format)) {
    throw new KysoError('BAD_REQUEST', { field: 'format', problem: `one of ${[...POLICY_FORMATS, 'all'].join(', ')}` });
  }
  if (!values.output) throw new KysoError('BAD_REQUEST', { field: 'output', problem: '-o DIR: the folder to write the files to' });
  const extensionId = values['extension-id'] ?? CHROMIUM_EXTENSION_ID;
  if (!/^[a-p]{32}$/.test(extensionId)) throw new KysoError('BAD_REQUEST', { field: 'extension-id', problem: '32 letters a-p expected' });

  const policy = buildAdminPolicy({
    allow: values.allow ?? [],
    block: values.block ?? [],
    noUserOrigins: values['no-user-origins'] ?? false,
    operations: values.operations ?? [],
    ...(values['force-install'] !== undefined ? { forceInstallUpdateUrl: values['force-install'] } : {}),
    ...(values['firefox-install-url'] !== undefined ? { firefoxInstallUrl: values['firefox-install-url'] } : {}),
  });
  const formats = format === 'all' ? POLICY_FORMATS : [format as PolicyFormat];
  const files = policyFiles(policy, formats, { chromium: extensionId, firefox: FIREFOX_EXTENSION_ID });
  const dir = resolve(values.output);
  await mkdir(dir, { recursive: true });
  for (const file of files) {
    // Write then rename: Chromium re-reads its policy folder on change and must never see half a file.
    const target = join(dir, file.name);
    await writeFile(`${target}.tmp-${process.pid}`, file.text, { mode: 0o644 });
    await rename(`${target}.tmp-${process.pid}`, target);
    process.stdout.write(`${target}\n`);
  }
  return 0;
}
