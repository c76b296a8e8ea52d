/**
 * Where the history is kept inside the data folder, and how it is read back line by line.
 *
 *   history-000001.jsonl, history-000002.jsonl …  the records, oldest file first (rotation at HISTORY_FILE_ROTATE_BYTES)
 *   history.head                                    {seq, hash} of the last record written (detects removal at the end)
 *   history.lock                                    held by the one writer appending (history-lock.ts)
 *   history.lock.<pid>-<hex>                        a writer's ticket: history.lock is made as a hard link to it
 */
import { readFile } from 'node:fs/promises';
import { listFolder as readdir, openFile as open } from '../documents/file-steps.js';
import { join } from 'node:path';

/** A new file is started once the current one reaches this size; its first record links to the last of the previous. */
export const HISTORY_FILE_ROTATE_BYTES = 5 * 1024 * 1024;
export const HEAD_FILE = 'history.head';
export const LOCK_FILE = 'history.lock';
const FILE_NAME = /^history-(\d{6})\.jsonl$/;

export function historyFileName(number: number): string {
  return `history-${String(number).padStart(6, '0')}.jsonl`;
}

/** The history files, oldest first, with their numbers. */
export async function listHistoryFiles(dir: string): Promise<Array<{ name: string; number: number }>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.flatMap((name) => {
    const match = FILE_NAME.exec(name);
    return match ? [{ name, number: Number(match[1]) }] : [];
  }).sort((a, b) => a.number - b.number);
}

export interface HistoryLine {
  readonly file: string;
  /** 1-based line number in its file. */
  readonly line: number;
  readonly text: string;
  /** False for a last line without its "\n" (a write cut short). */
  readonly complete: boolean;
}

/** Every line of every history file, in order. */
export async function readHistoryLines(dir: string): Promise<HistoryLine[]> {
  const out: HistoryLine[] = [];
  for (const { name } of await listHistoryFiles(dir)) {
    const text = await readFile(join(dir, name), 'utf8');
    const lines = text.split('\n');
    const endsWithNewline = text.endsWith('\n');
    if (endsWithNewline || text === '') lines.pop();
    lines.forEach((line, i) => out.push({ file: name, line: i + 1, text: line, complete: endsWithNewline || i < lines.length - 1 }));
  }
  return out;
}

/**
 * The last complete line of a file, read from its end (a history file can be megabytes; a record is small).
 * `endsWithNewline` false: the file ends in a partial line (a write cut short), which the writer steps past.
 */
export async function readLastLine(path: string): Promise<{ line: string | undefined; size: number; endsWithNewline: boolean }> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size === 0) return { line: undefined, size, endsWithNewline: true };
    let window = 64 * 1024;
    for (;;) {
      const start = Math.max(0, size - window);
      const buffer = Buffer.alloc(size - start);
      await file.read(buffer, 0, buffer.length, start);
      const text = buffer.toString('utf8');
      const endsWithNewline = text.endsWith('\n');
      const body = endsWithNewline ? text.slice(0, -1) : text;
      // The last complete line: if the file ends in a partial line, the complete one before it.
      const end = endsWithNewline ? body.length : body.lastIndexOf('\n');
      if (end < 0 && start === 0) return { line: undefined, size, endsWithNewline };
      const lineStart = end < 0 ? -1 : body.lastIndexOf('\n', end - 1);
      if (lineStart >= 0 || start === 0) {
        const line = body.slice(lineStart + 1, end);
        return { line: line === '' ? undefined : line, size, endsWithNewline };
      }
      window *= 4;
    }
  } finally {
    await file.close();
  }
}
