/**
 * PAdES levels beyond B-T [ETSI EN 319 142-1 §6]: B-LT adds, in one incremental update, the validation data of
 * every signature and time-stamp the file holds (append-dss.ts); B-LTA then seals it with a document time-stamp
 * (append-document-timestamp.ts). The same steps sign at a level (`kyso sign-pdf --level`) and renew an archived
 * file (`kyso extend`); earlier signatures are never touched.
 */
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import type { TimestampOptions } from '../../timestamp/request-timestamp.js';
import type { TrustStore } from '../../../trust/trust-store.js';
import type { AiaFetcher } from '../../../trust/aia-fetcher.js';
import { writeFileAtomic } from '../../../documents/atomic-write.js';
import { ValidationDataCollector, unionOf } from '../../cms/collect-validation-data.js';
import { appendDss } from './append-dss.js';
import { appendDocumentTimestamp } from './append-document-timestamp.js';
import { pdfSignatureContents } from './pdf-signature-contents.js';

import type { LongTermLevel } from './pades-levels.js';
export { PADES_LEVELS, isLongTermLevel, type PadesLevel, type LongTermLevel } from './pades-levels.js';

export interface LongTermOptions {
  readonly level: LongTermLevel;
  /** Needed for B-LTA (the document time-stamp). */
  readonly tsa?: TimestampOptions;
  readonly trust: TrustStore;
  readonly aia?: AiaFetcher;
  readonly timeoutMs?: number;
}

/** `pdf` with a DSS for all its signatures (and, for B-LTA, a document time-stamp after it). `pdf` is not changed. */
export async function addLongTermData(pdf: Uint8Array, options: LongTermOptions): Promise<Uint8Array> {
  if (options.level === 'B-LTA' && !options.tsa) throw new KysoError('BAD_REQUEST', { reason: 'level B-LTA needs a time-stamp server (--tsa URL)' });
  const signatures = pdfSignatureContents(pdf);
  if (signatures.length === 0) throw new KysoError('INVALID_DOCUMENT', { reason: 'the PDF has no signature to keep verifiable' });
  const collector = new ValidationDataCollector({
    trust: options.trust, ...(options.aia ? { aia: options.aia } : {}), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  const entries = [];
  for (const signature of signatures) entries.push({ contents: signature.contents, material: await collector.forCms(signature.cms) });
  const withDss = await appendDss(pdf, unionOf(entries.map((e) => e.material)), entries);
  return options.level === 'B-LTA' ? appendDocumentTimestamp(withDss, options.tsa!) : withDss;
}

/** `kyso extend`: read `inputPath`, write the extended file to `outputPath` atomically; the input is only read. */
export async function extendPdfFile(inputPath: string, outputPath: string, options: LongTermOptions): Promise<void> {
  if (resolve(inputPath) === resolve(outputPath)) throw new KysoError('BAD_REQUEST', { reason: 'the output would overwrite the input (inputs are never changed in place)' });
  let input: Uint8Array;
  try {
    input = new Uint8Array(await readFile(inputPath));
  } catch (cause) {
    throw new KysoError('BAD_REQUEST', { reason: 'cannot read the input file', file: basename(inputPath) }, { cause });
  }
  const extended = await addLongTermData(input, options);
  try {
    await writeFileAtomic(outputPath, extended, 0o644);
  } catch (cause) {
    throw new KysoError('BAD_REQUEST', { reason: 'cannot write the output file', file: basename(outputPath) }, { cause });
  }
}
