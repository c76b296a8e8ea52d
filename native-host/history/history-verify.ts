/**
 * `kyso history --verify`: walk every record of every file in order and check (1) each line still hashes to
 * the hash it carries (an edited record), (2) each record's `prev` is the hash of the record before it and its
 * `seq` the next number (a removed, inserted or reordered record — also across rotated files), (3) the last
 * record is the one `history.head` names (records removed at the end). Each problem names file, line and record.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HEAD_FILE, readHistoryLines } from './history-files.js';
import { decodeRecordLine, GENESIS_HASH } from './record-line.js';

export interface ChainCheck {
  readonly ok: boolean;
  readonly records: number;
  readonly problems: readonly string[];
}

export async function verifySigningHistory(dir: string): Promise<ChainCheck> {
  const problems: string[] = [];
  let expectedPrev: string | undefined = GENESIS_HASH;
  let expectedSeq: number | undefined = 1;
  const hashBySeq = new Map<number, string>();
  let records = 0;
  for (const { file, line, text, complete } of await readHistoryLines(dir)) {
    const where = `${file}:${line}`;
    const decoded = decodeRecordLine(text);
    if (!decoded.ok) {
      problems.push(`${where}: ${complete ? decoded.problem : 'a record cut short (partial last line)'} — edited or damaged`);
      expectedPrev = undefined; // the next link cannot be judged against a line we cannot read
      expectedSeq = undefined;
      continue;
    }
    records++;
    const { record } = decoded;
    const at = `${where} (record ${record.seq})`;
    if (!decoded.hashMatches) problems.push(`${at}: edited — its content no longer matches its hash`);
    if (expectedPrev !== undefined && record.prev !== expectedPrev) {
      if (expectedSeq !== undefined && record.seq > expectedSeq) {
        problems.push(`${at}: record ${expectedSeq}${record.seq - expectedSeq > 1 ? `–${record.seq - 1}` : ''} missing before it (removed or moved)`);
      } else if (expectedSeq !== undefined && record.seq < expectedSeq) {
        problems.push(`${at}: out of order — record ${expectedSeq} expected here (inserted or moved)`);
      } else {
        problems.push(`${at}: does not follow the record before it (inserted, replaced or reordered)`);
      }
    } else if (expectedSeq !== undefined && record.seq !== expectedSeq) {
      problems.push(`${at}: numbered ${record.seq}, record ${expectedSeq} expected`);
    }
    hashBySeq.set(record.seq, record.hash);
    expectedPrev = record.hash;
    expectedSeq = record.seq + 1;
  }
  const head = await readHead(dir);
  if (head === 'damaged') {
    problems.push(`${HEAD_FILE}: damaged`);
  } else if (head !== undefined) {
    const lastSeq = (expectedSeq ?? 1) - 1;
    if (head.seq > lastSeq) {
      problems.push(`${head.file}: record ${lastSeq + 1}${head.seq > lastSeq + 1 ? `–${head.seq}` : ''} missing at the end (the last write was record ${head.seq})`);
    } else if (hashBySeq.get(head.seq) !== head.hash) {
      // A head BEHIND the last record is a crash between the record's fsync and the head's; it must still match.
      problems.push(`${head.file} (record ${head.seq}): does not match the last record written`);
    }
  }
  return { ok: problems.length === 0, records, problems };
}

async function readHead(dir: string): Promise<{ seq: number; hash: string; file: string } | 'damaged' | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, HEAD_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const head = JSON.parse(text) as { seq?: unknown; hash?: unknown; file?: unknown };
    if (typeof head.seq === 'number' && typeof head.hash === 'string' && typeof head.file === 'string') return { seq: head.seq, hash: head.hash, file: head.file };
  } catch { /* fall through */ }
  return 'damaged';
}
