import type { SmallFile } from './file-steps.js';

/**
 * Write every byte of `bytes` at `position` (null: at the end of a file opened for appending). A single
 * `FileHandle.write` may write fewer bytes than asked and still succeed: at a file-size limit (RLIMIT_FSIZE, a
 * quota) the kernel writes up to the limit and reports the shorter count; only the NEXT write fails (EFBIG /
 * ENOSPC / EDQUOT, which the callers turn into DISK_FULL). Ignoring the count left a signed PDF cut at the limit and
 * reported as signed (test/integration/fault-disk-full.test.ts, host path).
 */
export async function writeAll(file: Pick<SmallFile, 'write'>, bytes: Uint8Array, position: number | null): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position === null ? null : position + done);
    if (bytesWritten === 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    done += bytesWritten;
  }
}
