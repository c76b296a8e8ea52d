/**
 * Host session: started by the browser for the Kyso extension, speaks framed JSON over
 * stdin/stdout, signs digests with the PKCS#11 token. stdout carries frames only; logs go to stderr.
 */
import { PROTOCOL_VERSION } from '../shared/limits.js';
import { KysoError, serializeError } from '../shared/errors/kyso-error.js';
import { allowedExtensionIds, identifyCaller, isCallerAllowed } from './caller-check.js';
import { dispatch, errorReply } from './protocol/dispatcher.js';
import type { HandlerContext } from './protocol/handler-context.js';
import { TokenService } from './token/token-service.js';
import { endIfTokenCallStuck } from './token/token-call-thread.js';
import { driverCallMarker, enableDriverCallMarkers } from './token/drivers/driver-call-marker.js';
import { createFrameWriter, readFrames } from './transport/stdio-transport.js';
import { createLogger } from './transport/logger.js';
import { HOST_VERSION } from './config.js';
import { removeDeadHostDirectories } from './documents/private-temp-dir.js';

/** How long a host whose browser end closed waits for requests still running before it exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

export async function runHost(args: readonly string[] = process.argv.slice(2)): Promise<number> {
  const logger = createLogger();
  // The browser closed its end (EPIPE): nobody can read a reply any more; stop quietly instead of crashing.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    logger.log('warn', 'stdout closed', { code: error.code ?? 'unknown' });
    process.exit(0);
  });
  const writer = createFrameWriter(process.stdout);
  const caller = identifyCaller(args);
  if (!isCallerAllowed(caller, allowedExtensionIds())) {
    logger.log('warn', 'caller refused', { browser: caller.browser, extensionId: caller.extensionId.slice(0, 64) });
    await writer.send({ v: PROTOCOL_VERSION, id: '', type: 'host.error', error: serializeError(new KysoError('CALLER_NOT_ALLOWED')) });
    return 1;
  }
  logger.log('info', 'host started', { version: HOST_VERSION, browser: caller.browser, pid: process.pid });
  // Uploads and half-written results of a host that was killed are removed at the next start (issue 15 §2).
  removeDeadHostDirectories();

  // While inside a driver the host names it in a marker, so a driver that crashes the host is skipped at the next
  // start (driver-call-marker.ts). Ends the host makes itself are not crashes: they clear it first (below, and
  // SIGTERM, which the browser sends when it stops the host).
  enableDriverCallMarkers();
  process.once('SIGTERM', () => {
    driverCallMarker()?.clear();
    // No listener left: the signal's default action (end at once) applies again, as if never caught.
    process.kill(process.pid, 'SIGTERM');
  });

  let service: TokenService | undefined;
  const context: HandlerContext = {
    logger,
    // Loaded on first use: a hello-less connection that only probes the host costs no driver load.
    tokens: () => (service ??= new TokenService()),
  };

  const inFlight = new Set<Promise<void>>();
  const send = (reply: Parameters<typeof writer.send>[0]) => writer.send(reply).catch((error: unknown) => {
    logger.log('error', 'write failed', { cause: error instanceof Error ? error.message : String(error) });
  });
  await readFrames(process.stdin, (event) => {
    if (event.kind === 'error') {
      logger.log('warn', 'bad frame', { code: event.error.code, fatal: event.fatal });
      const p = send(errorReply('', event.error));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      return;
    }
    const p = dispatch(context, event.value).then(send);
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  });
  // stdin closed (the extension disconnected) or unrecoverable: finish what was asked, then leave — but a driver call
  // that never returns (a hung C_Sign; the extension drops such a host) must not keep this process and the token.
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const finished = await Promise.race([
    Promise.allSettled([...inFlight]).then(() => true),
    new Promise<false>((resolve) => { graceTimer = setTimeout(() => resolve(false), SHUTDOWN_GRACE_MS); }),
  ]);
  clearTimeout(graceTimer);
  if (!finished) {
    // Node waits for a worker thread stuck in a driver even on process.exit, and finalising a module under a call
    // that never returned could block too (token-call-thread.ts): the replies written are all there is to keep.
    logger.log('warn', 'requests still running at exit; ending without waiting for them', { count: inFlight.size });
    driverCallMarker()?.clear();
    process.kill(process.pid, 'SIGKILL');
  }
  // A driver thread that never returned (bounded and abandoned) would keep the host from exiting too.
  driverCallMarker()?.clear();
  endIfTokenCallStuck((message) => logger.log('warn', message));
  service?.close();
  logger.log('info', 'host stopped');
  return 0;
}
