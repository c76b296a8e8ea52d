/**
 * Sites on made-up https names, as real portals (and their look-alike phishing sites) are: each has a TLS identity
 * of its own (makeTestTlsIdentity) and serves the same pages at / and the built SDK at /sdk/. Launch the browser
 * with `chromiumArgs`: they map every name to 127.0.0.1 and let Chromium accept the test certificates.
 */
import { join } from 'node:path';
import { ROOT, makeTestTlsIdentity } from './browser.js';
import { startStaticServer, type StaticServer } from '../../demo/serve.mjs';

export interface HttpsSites {
  /** One server a host name, in the order the names were given. */
  readonly servers: StaticServer[];
  readonly chromiumArgs: string[];
}

export async function startHttpsSites(pages: string, hostNames: readonly string[]): Promise<HttpsSites> {
  const routes = { '/': pages, '/sdk/': join(ROOT, 'dist/sdk') };
  const identities = await Promise.all(hostNames.map((name) => makeTestTlsIdentity(name)));
  const servers = await Promise.all(hostNames.map((publicHost, i) => startStaticServer({ routes, tls: identities[i]!, publicHost })));
  const mapped = hostNames.map((name) => `MAP ${name} 127.0.0.1`).join(', ');
  return { servers, chromiumArgs: [`--host-resolver-rules=${mapped}`, '--ignore-certificate-errors'] };
}
