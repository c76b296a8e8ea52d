/** The records for `kyso history` and `host.history`: every readable record, filtered; damaged lines are skipped (--verify names them). */
import type { HistoryQuery, SigningRecord } from '../../shared/protocol/signing-history.js';
import { readHistoryLines } from './history-files.js';
import { decodeRecordLine } from './record-line.js';

export interface RecordFilter {
  /** Records at or after this time. */
  readonly since?: Date | undefined;
  /** Records whose origin or top origin is this (exact, after lower-casing). */
  readonly origin?: string | undefined;
}

/** Oldest first. */
export async function readSigningRecords(dir: string, filter: RecordFilter = {}): Promise<SigningRecord[]> {
  const origin = filter.origin?.toLowerCase().replace(/\/$/, '');
  const since = filter.since?.getTime();
  const out: SigningRecord[] = [];
  for (const line of await readHistoryLines(dir)) {
    const decoded = decodeRecordLine(line.text);
    if (!decoded.ok) continue;
    const { record } = decoded;
    if (since !== undefined && Date.parse(record.time) < since) continue;
    if (origin !== undefined && record.origin !== origin && record.topOrigin !== origin) continue;
    out.push(record);
  }
  return out;
}

/** The newest `limit` records matching a host.history query, newest first. */
export async function queryHistory(dir: string, query: HistoryQuery, maxRecords: number): Promise<{ records: SigningRecord[]; omitted: number }> {
  const all = await readSigningRecords(dir, { since: query.since ? new Date(query.since) : undefined, origin: query.origin });
  const limit = Math.min(query.limit ?? maxRecords, maxRecords);
  const records = all.slice(-limit).reverse();
  return { records, omitted: all.length - records.length };
}
