/**
 * `kyso extend FILE --level B-LT|B-LTA [--tsa URL] [--out FILE]` — renew an archived signed PDF
 * (issue 16 §2; PAdES [ETSI EN 319 142-1 §6.3]): add the validation data (certificates, OCSP responses, CRLs) of
 * every signature and time-stamp it holds, in a DSS, and for B-LTA a new document time-stamp over everything.
 * Earlier signatures are not touched (each step is an incremental update). The input is only read; the output
 * (default NAME-extended.pdf beside it) appears only when complete. No PIN, no token: nothing is signed by the person.
 */
import { basename, dirname, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { reportCliError } from '../main.js';
import { TrustStore } from '../../trust/trust-store.js';
import { AiaFetcher } from '../../trust/aia-fetcher.js';
import { extendPdfFile, type LongTermLevel } from '../../formats/pdf/ltv/add-long-term-data.js';

const USAGE = `Usage: kyso extend FILE.pdf --level B-LT|B-LTA [--tsa URL] [--out FILE]
  --level B-LT    add the validation data (certificates, OCSP, CRL) of every signature and time-stamp (DSS)
  --level B-LTA   the same, then a document time-stamp over the whole file (needs --tsa)
  --tsa URL       RFC 3161 time-stamp server
  --out FILE      where to write (default: NAME-extended.pdf beside the input; the input is never changed)
`;

const AIA_TIMEOUT_MS = 5_000;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: { level: { type: 'string' }, tsa: { type: 'string' }, out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new KysoError('BAD_REQUEST', { reason: error instanceof Error ? error.message : 'invalid arguments' });
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stderr.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new KysoError('BAD_REQUEST', { reason: 'give exactly one PDF file to extend' });
  const level = (values.level ?? '').toUpperCase();
  if (level !== 'B-LT' && level !== 'B-LTA') throw new KysoError('BAD_REQUEST', { reason: '--level must be B-LT or B-LTA' });
  if (level === 'B-LTA' && !values.tsa) throw new KysoError('BAD_REQUEST', { reason: '--level B-LTA needs a time-stamp server: add --tsa URL' });
  const input = positionals[0]!;
  const output = values.out ?? join(dirname(input), `${basename(input, extname(input))}-extended.pdf`);
  try {
    await extendPdfFile(input, output, {
      level: level as LongTermLevel,
      ...(values.tsa ? { tsa: { url: values.tsa, allowPrivateAddresses: true /* the person's own command line */ } } : {}),
      trust: await TrustStore.load({ useEnvironment: true }),
      aia: new AiaFetcher(AIA_TIMEOUT_MS),
    });
  } catch (error) {
    process.stdout.write(`FAILED ${input}: ${error instanceof KysoError ? error.code : 'INTERNAL_ERROR'}\n`);
    return reportCliError(error);
  }
  process.stdout.write(`OK     ${input} -> ${output} (${level})\n`);
  return 0;
}
