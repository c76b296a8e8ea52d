/**
 * openSigner starts a token-call worker ahead of the login (TokenCallThreads.prewarm) so its start-up overlaps the
 * certificate lookup. A worker started that way has no caller listening yet: if it cannot start (its pkcs11js addon
 * does not load) it must neither crash the process (a Worker 'error' with no listener is thrown) nor be handed the
 * next call, which would then wait out its whole timeout for a thread that is gone. Real worker threads, a real
 * failing dlopen; no driver is needed for that path.
 */
import { describe, expect, it } from 'vitest';
import { TokenCallThreads } from '../../native-host/token/token-call-thread.js';

const LOGIN = { op: 'login', modulePath: '/nonexistent/driver.so', session: Buffer.alloc(8), userType: 1, pin: '1234' } as const;

describe('TokenCallThreads.prewarm', () => {
  it('a pre-started worker whose addon fails to load is dropped: the next call fails at once with TOKEN_ERROR, not after its timeout', async () => {
    const threads = new TokenCallThreads('/nonexistent/pkcs11.node');
    threads.prewarm();
    // Let the pre-started worker fail (dlopen of a missing file) with nobody waiting on it.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const started = Date.now();
    const call = threads.run(LOGIN, 15_000);
    await expect(call).rejects.toMatchObject({ code: 'TOKEN_ERROR' });
    // A structural bound, not a speed figure: the dead worker would have made this wait the full 15 s.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(threads.abandoned).toBe(0);
    threads.close();
  }, 30_000);
});
