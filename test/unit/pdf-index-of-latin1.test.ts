/**
 * The reader's and the copy pass's keyword search (native-host/formats/pdf/xref/index-of-latin1.ts) searches the
 * first 7 bytes of a long needle and compares the rest, because Node's own search is slow for 8 bytes and more over
 * high-entropy data. It must answer exactly what `buffer.indexOf(needle, from, 'latin1')` answers: a mark missed
 * would hide a revision, one too many would invent one.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { indexOfLatin1 } from '../../native-host/formats/pdf/xref/index-of-latin1.js';

function allHits(find: (from: number) => number): number[] {
  const out: number[] = [];
  for (let i = find(0); i >= 0; i = find(i + 1)) out.push(i);
  return out;
}

describe('indexOfLatin1', () => {
  it('finds every startxref Buffer.indexOf finds: planted, near misses, overlapping and cut at the end', () => {
    const bytes = randomBytes(256 * 1024);
    const plant = (at: number, text: string) => bytes.write(text, at, 'latin1');
    plant(0, 'startxref');
    plant(1000, 'startxre'); // a prefix only
    plant(2000, 'startxrefstartxref');
    plant(3000, 'startxrEf'); // differs after the 7 searched bytes
    plant(4000, 'startxrstartxref'); // the searched prefix twice, the second the real one
    plant(5000, 'sstartxref');
    for (let k = 1; k < 40; k++) plant(k * 6007, 'startxref');
    plant(bytes.length - 8, 'startxre'); // cut by the end of the buffer
    const ours = allHits((from) => indexOfLatin1(bytes, 'startxref', from));
    const node = allHits((from) => bytes.indexOf('startxref', from, 'latin1'));
    expect(ours).toEqual(node);
    expect(ours.length).toBeGreaterThanOrEqual(44); // 0, 2000, 2009, 4007, 5001 and 39 more
    expect(ours).not.toContain(1000);
    expect(ours).not.toContain(3000);
    expect(ours).toContain(4007);
  });

  it('answers as Buffer.indexOf for short and long needles, any start and bytes above 0x7f', () => {
    const bytes = Buffer.from('xref trailer startxref \u00e9endstream endobj startxref', 'latin1');
    for (const needle of ['xref', 'trailer', 'startxref', '\u00e9endstream', 'endstream', 'nothing-here']) {
      for (let from = 0; from <= bytes.length; from++) {
        expect(indexOfLatin1(bytes, needle, from), `${needle} from ${from}`).toBe(bytes.indexOf(needle, from, 'latin1'));
      }
    }
  });
});
