/**
 * A page's `tsaUrl` as a network probe (issue 9 §7, same class as revocation-ssrf.test.ts): a portal names the
 * time-stamp server of the documents it asks to sign, and the HOST fetches it after the person approved. Without a
 * rule a page could make the host POST into the person's network (router, printer, a service on loopback) and read
 * reachability from the error. The built host over stdin/stdout, a real SoftHSM2 token, a real RFC 3161 TSA on
 * loopback (openssl ts): the page path reaches no loopback/private address unless the admin allows it; the
 * person's own command line (`kyso sign-cms --tsa`) still may.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { buildTestHost, spawnHost, type BuiltHost, type HostProcess } from '../helpers/host-process.js';
import { startTestTsa, type TestTsa } from '../helpers/tsa-server.js';
import { runKyso } from '../helpers/kyso-cli.js';

let token: DemoToken;
let built: BuiltHost;
let tsa: TestTsa;
let host: HostProcess | undefined;

beforeAll(async () => {
  [token, built, tsa] = await Promise.all([createDemoToken(), buildTestHost(), startTestTsa()]);
}, 120_000);
afterEach(async () => { await host?.close(); host = undefined; });
afterAll(async () => { await tsa?.close(); });

async function ok(h: HostProcess, type: string, payload: unknown): Promise<any> {
  const reply = await h.request(type, payload);
  if (reply.type !== 'host.result') throw new Error(`${type}: ${JSON.stringify(reply.error)}`);
  return reply.payload;
}

/** Upload a small document and ask for a CAdES-T signature with the page's tsaUrl, as the extension would. */
async function signWithPageTsa(h: HostProcess, tsaUrl: string): Promise<any> {
  const data = Buffer.from('Quyết định số 12/QĐ-UBND', 'utf8');
  const { handle } = await ok(h, 'host.documentBegin', { kind: 'cms', size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
  await ok(h, 'host.documentChunk', { handle, index: 0, data: data.toString('base64') });
  const signed = await ok(h, 'host.signDocuments', {
    certificateId: token.cert('org-rsa').certificateId, pin: token.userPin,
    documents: [{ kind: 'cms', handle, options: { tsaUrl } }],
  });
  return signed.results[0];
}

describe("a page's tsaUrl cannot make the host probe the person's network", () => {
  it.each([
    ['127.0.0.1', (url: string) => url],
    ['localhost (resolves to loopback)', (url: string) => url.replace('127.0.0.1', 'localhost')],
  ])('a TSA at %s named by the page: not contacted, TIMESTAMP_FAILED with a generic reason', async (_name, rewrite) => {
    host = spawnHost(built.hostPath, { env: { ...token.env } });
    const before = tsa.requests();
    const result = await signWithPageTsa(host, rewrite(tsa.url));
    expect(result.ok).toBe(false);
    expect(result.error.code).toBe('TIMESTAMP_FAILED');
    expect(JSON.stringify(result.error)).toContain('not allowed');
    expect(JSON.stringify(result.error)).not.toMatch(/ECONNREFUSED|connection refused/);
    expect(tsa.requests()).toBe(before);
  });

  it('with the admin opt-in the same page TSA is asked and the signature carries its timestamp', async () => {
    host = spawnHost(built.hostPath, { env: { ...token.env, KYSO_ALLOW_PRIVATE_REVOCATION_URLS: '1' } });
    const before = tsa.requests();
    const result = await signWithPageTsa(host, tsa.url);
    expect(result.ok, JSON.stringify(result.error)).toBe(true);
    expect(tsa.requests()).toBe(before + 1);
  });

  it("the person's own command line may name a local TSA (kyso sign-cms --tsa)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kyso-tsa-cli-'));
    await writeFile(join(dir, 'doc.txt'), 'Tờ trình');
    const before = tsa.requests();
    const r = await runKyso(['sign-cms', join(dir, 'doc.txt'), '-o', join(dir, 'doc.p7s'), '--cert', 'MST:0101234567', '--tsa', tsa.url, '--pin-stdin'], {
      env: token.env, stdin: `${token.userPin}\n`,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(tsa.requests()).toBe(before + 1);
  });
});
