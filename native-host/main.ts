/**
 * Entry of the native messaging host (bundled to dist/host/kyso-host.mjs): the browser starts it for the
 * Kyso extension. Exits when the extension disconnects (stdin ends).
 */
import { runHost } from './host.js';

runHost().then(
  (code) => {
    // Every reply was written (runHost awaits them); exit even if a driver left a handle open.
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`kyso-host: fatal: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
