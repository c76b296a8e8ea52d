/**
 * sign-pdf reads its input once (native-host/formats/pdf/copy-input.ts): the copy pass also finds the object
 * headers and `startxref` marks that the reader's own whole-file scans would find, and the FileImage over the copy
 * serves those instead of scanning. A finding lost at a window boundary would hide a shadow definition or a
 * revision, so the pass must find EXACTLY what the scans find — here on a file built so that headers and marks
 * straddle every window boundary, for the whole file and for shorter ends (earlier revisions) — and the copy must
 * be the input byte for byte, with the SHA-256 sha256sum gives and zero windows left as holes.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyInput } from '../../native-host/formats/pdf/copy-input.js';
import { FileImage } from '../../native-host/formats/pdf/xref/file-image.js';
import { scanObjectHeaders } from '../../native-host/formats/pdf/xref/scan-object-headers.js';
import { listRevisions } from '../../native-host/formats/pdf/xref/list-revisions.js';

const MIB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'kyso-copy-input-'));

/**
 * Filler text with `N 0 obj` headers (even boundaries) and `startxref 9 %%EOF` marks (odd ones) across each 1 MiB
 * window boundary, at a different shift each time; then one aligned MiB of zeros.
 */
function straddlingFile(): Buffer {
  const bytes = Buffer.alloc(24 * MIB + 777, 0x41); // 'A': never part of a header
  const shifts = [12, 9, 7, 5, 4, 3, 2, 1, 0, -1, -3];
  let n = 1;
  for (let boundary = MIB, k = 0; boundary < bytes.length; boundary += MIB, k++) {
    const shift = shifts[Math.floor(k / 2) % shifts.length]!;
    const text = k % 2 === 0 ? ` ${n++} 0 obj\n` : '\nstartxref\n9\n%%EOF\n';
    Buffer.from(text, 'latin1').copy(bytes, boundary - shift);
    // One of each well inside a window too.
    Buffer.from(` ${n++} 0 obj\n`, 'latin1').copy(bytes, boundary + 300_000);
    Buffer.from('\nstartxref\n9\n%%EOF\n', 'latin1').copy(bytes, boundary + 600_000);
  }
  // A header whose digits start far before its `obj` (long white space): the lookback's edge, across a boundary.
  Buffer.from(`\n77 0${' '.repeat(4000)}obj\n`, 'latin1').copy(bytes, 4 * MIB - 4002); // `obj` 3 bytes into the next window
  bytes.fill(0, 2 * MIB, 3 * MIB); // one window of zeros: a hole in the copy
  return bytes;
}

describe('copyInput: one pass finds what the whole-file scans find', () => {
  const bytes = straddlingFile();
  const input = join(dir, 'in.pdf');
  writeFileSync(input, bytes);

  it('headers and startxref marks equal the FileImage scans, for the whole file and shorter ends', async () => {
    const out = join(dir, 'copy.pdf');
    const copied = await copyInput(input, out, 'SHA-256');
    const plain = FileImage.open(input);
    const adopted = FileImage.open(out);
    adopted.adoptScans(copied.scans);
    try {
      expect(copied.scans.headers.length).toBeGreaterThan(30);
      expect(copied.scans.startxref.length).toBeGreaterThan(30);
      expect(copied.scans.startxref).toEqual(plain.searchAll('startxref'));
      const strip = (hs: ReadonlyArray<{ objectNumber: number; generation: number; start: number }>) => hs.map(({ objectNumber, generation, start }) => ({ objectNumber, generation, start }));
      for (const end of [bytes.length, 4 * MIB, 4 * MIB - 3, MIB + 1, 1000]) {
        expect(strip(scanObjectHeaders(adopted.bytes, end)), `end ${end}`).toEqual(strip(scanObjectHeaders(plain.bytes, end)));
      }
      expect(listRevisions(adopted.bytes)).toEqual(listRevisions(plain.bytes));
    } finally {
      plain.close();
      adopted.close();
    }
  });

  it('the copy is the input, its SHA-256 is sha256sum\'s, a zero window is a hole; SHA-384 keeps its own hash', async () => {
    const out = join(dir, 'copy384.pdf');
    const copied = await copyInput(input, out, 'SHA-384');
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(copied.sha256.copy().digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(copied.rangeHash.copy().digest('hex')).toBe(createHash('sha384').update(bytes).digest('hex'));
    // 512-byte blocks allocated: at least the zero MiB fewer than the file's size.
    expect(statSync(out).blocks * 512).toBeLessThanOrEqual(bytes.length - MIB + 64 * 1024);
  });

  it('an unreadable input is BAD_REQUEST, and nothing is created', async () => {
    const out = join(dir, 'never.pdf');
    await expect(copyInput(join(dir, 'missing.pdf'), out, 'SHA-256')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(copyInput(dir, out, 'SHA-256')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(() => statSync(out)).toThrow();
  });
});
