/**
 * Vitest global setup: fail at once, naming the Debian package, when a tool the tests use is missing (e.g. when
 * `vitest` is run directly instead of `npm test`, which installs them). Nothing is skipped silently.
 */
// @ts-expect-error — plain ESM helper shared with the npm scripts (no declaration file).
import { missingPackages } from '../../scripts/lib/prerequisites.mjs';

export default function checkSystemPackages(): void {
  const missing = (missingPackages('test') as { name: string; proof: string }[]);
  if (missing.length === 0) return;
  const list = missing.map((p) => `${p.name} (for ${p.proof})`).join(', ');
  throw new Error(`tests need Debian packages that are missing: ${list}. Run \`npm test\` as root, or: apt-get install -y ${missing.map((p) => p.name).join(' ')}`);
}
