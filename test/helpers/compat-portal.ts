/**
 * What the plugin-compatibility e2e tests (compat-vgca, compat-vgca-extras, compat-firefox) start from: the demo
 * token with a work folder and an NSS database trusting its CA (for pdfsig), and the unlisted https portal that
 * must see no service (a made-up name the browser maps to 127.0.0.1, self-signed).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMockPortal, type MockPortal } from '../fixtures/compat/mock-portal.js';
import { nssDbWith } from '../fixtures/pdf/pdf-test-tools.js';
import { makeTestTlsIdentity } from './browser.js';
import { createDemoToken, type DemoToken } from './demo-token.js';

export interface CompatSigning {
  readonly token: DemoToken;
  /** A fresh temp folder (prefix `tempPrefix`) for the test's files. */
  readonly dir: string;
  /** NSS database trusting the token's root and intermediate: pdfsig's trust store. */
  readonly nssDir: string;
}

export async function prepareCompatSigning(tempPrefix: string): Promise<CompatSigning> {
  const token = await createDemoToken();
  const dir = await mkdtemp(join(tmpdir(), tempPrefix));
  const nssDir = await nssDbWith([token.rootPem, token.intermediatePem]);
  return { token, dir, nssDir };
}

export interface UnlistedPortal {
  readonly portal: MockPortal;
  /** Chromium flags that map the name to 127.0.0.1 and accept the self-signed certificate. */
  readonly chromiumArgs: readonly string[];
}

/** The mock portal at https://<hostName>:<port>, self-signed, serving `files`; never on any allowlist. */
export async function startUnlistedPortal(hostName: string, files: Record<string, Uint8Array>): Promise<UnlistedPortal> {
  const tls = await makeTestTlsIdentity(hostName);
  const portal = await startMockPortal({ files, tls: { key: tls.key, cert: tls.cert }, publicHost: hostName });
  return { portal, chromiumArgs: tls.chromiumArgs };
}
