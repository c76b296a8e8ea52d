/**
 * A token-call worker is reused for call after call (a batch of 300 files, 1,000 digests): parking it again must not
 * add one more 'exit' listener each time. It did, and Node warned "MaxListenersExceededWarning: 11 exit listeners
 * added to [Worker]" on every batch (a listener leak that grows with the batch). Real worker threads and the real
 * pkcs11js addon; the driver path does not exist, so every call fails in the worker and the worker is parked again.
 */
import { describe, expect, it } from 'vitest';
import { TokenCallThreads } from '../../native-host/token/token-call-thread.js';

const LOGIN = { op: 'login', modulePath: '/nonexistent/driver.so', session: Buffer.alloc(8), userType: 1, pin: '1234' } as const;

describe('TokenCallThreads reuse', () => {
  it('30 calls on one reused worker: each fails with a typed error, and no listener-leak warning is emitted', async () => {
    const threads = new TokenCallThreads();
    expect(threads.available).toBe(true);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => { warnings.push(`${warning.name}: ${warning.message}`); };
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 30; i++) {
        await expect(threads.run(LOGIN, 15_000)).rejects.toBeInstanceOf(Error);
      }
      await new Promise((resolve) => setTimeout(resolve, 100)); // warnings are emitted on the next tick
      expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).toEqual([]);
      expect(threads.abandoned).toBe(0);
    } finally {
      process.off('warning', onWarning);
      threads.close();
    }
  }, 60_000);
});
