/**
 * documents/file-steps.ts: the small file steps behave the same through the thread pool (the host) and as direct
 * system calls (a `kyso sign-*` batch) — same bytes on disk, failures as rejected promises with the same errno code
 * (callers write `.catch(() => …)` and read `.code`: a synchronous throw would escape them).
 * The direct mode is one-way for the process, so the pool's checks run first.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFolder, openFile, renamePath, statIfExists, statPath, unlinkPath, useDirectFileSteps } from '../../native-host/documents/file-steps.js';
import { writeAll } from '../../native-host/documents/write-all.js';

const dir = mkdtempSync(join(tmpdir(), 'kyso-file-steps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function behavesTheSame(mode: string): void {
  it(`${mode}: a small and a large file are written, synced, renamed and read back byte for byte`, async () => {
    for (const size of [3_000, 1_500_000]) {
      const bytes = Buffer.alloc(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 7 + size) & 0xff;
      const temp = join(dir, `${mode}-${size}.tmp`);
      const file = await openFile(temp, 'wx', 0o600);
      await writeAll(file, bytes, 0);
      await file.sync();
      expect((await file.stat()).size).toBe(size);
      await file.close();
      await file.close(); // a second close is harmless, as for a FileHandle
      await renamePath(temp, join(dir, `${mode}-${size}`));
      expect(readFileSync(join(dir, `${mode}-${size}`)).equals(bytes)).toBe(true);
      const back = Buffer.alloc(size);
      const reader = await openFile(join(dir, `${mode}-${size}`), 'r');
      let done = 0;
      while (done < size) done += (await reader.read(back, done, size - done, done)).bytesRead;
      await reader.close();
      expect(back.equals(bytes)).toBe(true);
    }
    expect(await listFolder(dir)).toEqual(expect.arrayContaining([`${mode}-3000`, `${mode}-1500000`]));
  });

  it(`${mode}: failures are rejected promises carrying the errno code, never synchronous throws`, async () => {
    writeFileSync(join(dir, `${mode}-exists`), 'x');
    const exclusive = openFile(join(dir, `${mode}-exists`), 'wx');
    expect(exclusive).toBeInstanceOf(Promise);
    await expect(exclusive).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(statPath(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(unlinkPath(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(renamePath(join(dir, 'missing'), join(dir, 'elsewhere'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await statIfExists(join(dir, 'missing'))).toBeUndefined();
    expect(await statIfExists(join(dir, `${mode}-exists`, 'below-a-file'))).toBeUndefined();
    expect((await statIfExists(join(dir, `${mode}-exists`)))?.size).toBe(1);
  });
}

describe('file steps through the thread pool (default, the host)', () => behavesTheSame('pool'));

describe('file steps as direct system calls (a CLI batch)', () => {
  it('is switched on', () => useDirectFileSteps());
  behavesTheSame('direct');
});
