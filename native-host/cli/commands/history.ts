/**
 * `kyso history [--json] [--since DATE] [--origin ORIGIN]` — list the signing history (oldest first).
 * `kyso history --verify` — check the hash chain; exit 0 intact, 1 with each problem named (file:line, record).
 * The data folder is KYSO_DATA_DIR or the per-user default (native-host/history/data-dir.ts).
 */
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { SigningRecord } from '../../../shared/protocol/signing-history.js';
import { kysoDataDir } from '../../history/data-dir.js';
import { readSigningRecords } from '../../history/history-reader.js';
import { verifySigningHistory } from '../../history/history-verify.js';

const USAGE = 'Usage: kyso history [--json] [--since DATE] [--origin ORIGIN] | kyso history --verify\n';

export async function run(argv: string[]): Promise<number> {
  let json = false;
  let verify = false;
  let since: Date | undefined;
  let origin: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new KysoError('BAD_REQUEST', { reason: `${arg} needs a value` });
      return next;
    };
    if (arg === '--json') json = true;
    else if (arg === '--verify') verify = true;
    else if (arg === '--since') {
      const text = value();
      since = new Date(text);
      if (Number.isNaN(since.getTime())) throw new KysoError('BAD_REQUEST', { reason: '--since needs a date such as 2026-12-01 or 2026-12-01T08:00:00Z' });
    } else if (arg === '--origin') origin = value();
    else if (arg === '--help' || arg === '-h') {
      process.stderr.write(USAGE);
      return 0;
    } else throw new KysoError('BAD_REQUEST', { reason: `unknown option ${arg.slice(0, 64)}` });
  }
  const dir = kysoDataDir();
  if (verify) {
    const check = await verifySigningHistory(dir);
    if (json) process.stdout.write(`${JSON.stringify(check)}\n`);
    else if (check.ok) process.stdout.write(`OK: ${check.records} records, chain intact (${dir})\n`);
    else process.stdout.write(`BROKEN: ${check.problems.length} problem(s) in ${dir}\n${check.problems.map((p) => `  ${p}\n`).join('')}`);
    return check.ok ? 0 : 1;
  }
  const records = await readSigningRecords(dir, { since, origin });
  if (json) {
    process.stdout.write(`${JSON.stringify(records)}\n`);
    return 0;
  }
  if (records.length === 0) process.stdout.write(`No signing records (${dir}).\n`);
  for (const record of records) process.stdout.write(`${formatRecord(record)}\n`);
  return 0;
}

function formatRecord(r: SigningRecord): string {
  const who = r.topOrigin ? `${r.origin} (in ${r.topOrigin})` : r.origin;
  const holder = r.certificate ? `${r.certificate.holder ?? '?'} [${r.certificate.identifiers.join(', ')}]` : '-';
  const what = r.items.map((i) => `${i.name ?? i.kind} ${(i.sha256 ?? '').slice(0, 16)}`).join('; ');
  const result = r.result === 'ok' ? 'OK' : `${r.result.toUpperCase()} ${r.error ?? ''}`.trim();
  return `${r.time}  #${r.seq}  ${who}  ${r.operation}  ${result}  ${holder}  ${what}${r.description ? `  "${r.description}"` : ''}`;
}
