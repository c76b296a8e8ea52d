/**
 * `kyso doctor [--browser B]… [--user-data-dir DIR] [--lang vi|en] [--json | --report]`: what works and what
 * to fix, for support calls. Vietnamese by default; English with --lang en or an English locale (LANG/LC_ALL).
 * --json: the structured list of checks (id, status, vi, en, hint, details). --report: one copy-paste block
 * for the help desk (no PIN, no document data). Exit 0 when nothing failed, 1 otherwise. Browsers without a
 * registration are skipped, not failed, unless named with --browser.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { BROWSERS, type Browser } from '../../install/host-manifest.js';
import { doctorReport, runDoctor } from '../../install/doctor.js';
import { doctorLanguage } from '../../install/doctor-check.js';
import { REPORT_MARK } from '../../../shared/doctor/report.js';
import { locateHostScript } from './install.js';
import { runningAsSingleExecutable } from '../../single-executable.js';

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        browser: { type: 'string', multiple: true }, 'user-data-dir': { type: 'string' }, json: { type: 'boolean' },
        report: { type: 'boolean' }, lang: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new KysoError('BAD_REQUEST', { problem: error instanceof Error ? error.message.slice(0, 200) : 'bad arguments' });
  }
  if (values.lang !== undefined && values.lang !== 'vi' && values.lang !== 'en') throw new KysoError('BAD_REQUEST', { field: 'lang', problem: 'one of vi, en' });
  const lang = doctorLanguage(values.lang);
  const named = values.browser ?? [];
  for (const b of named) if (!(BROWSERS as readonly string[]).includes(b)) throw new KysoError('BAD_REQUEST', { field: 'browser', problem: `one of ${BROWSERS.join(', ')}` });
  const results = await runDoctor({
    browsers: named.length ? (named as Browser[]) : BROWSERS,
    ...(values['user-data-dir'] ? { userDataDir: resolve(values['user-data-dir']) } : {}),
    // The single executable has no dist/host/kyso-host.mjs: it is the host build itself.
    hostScript: runningAsSingleExecutable() ? process.execPath : locateHostScript(),
  });
  // A browser the person named must be registered: "skip" becomes a failure.
  const final = results.map((r) => (named.length && r.status === 'skip' ? { ...r, status: 'fail' as const } : r));
  if (values.json) process.stdout.write(`${JSON.stringify({ lang, checks: final }, null, 2)}\n`);
  else if (values.report) process.stdout.write(doctorReport(final, lang));
  else {
    for (const r of final) {
      process.stdout.write(`${REPORT_MARK[r.status]} ${r[lang]}\n${r.hint && r.status !== 'ok' ? `    → ${r.hint[lang]}\n` : ''}`);
    }
  }
  return final.some((r) => r.status === 'fail') ? 1 : 0;
}
