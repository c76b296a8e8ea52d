/**
 * Issue 13 §2, quirks: a slow C_Login (2.5 s) and a slow C_Sign (1.2 s), like real RSA-2048 tokens, and a C_Login /
 * C_Sign that never returns. Through the built host and the quirks module over the real SoftHSM2 token: the host
 * answers other requests meanwhile (the calls run on worker threads), a hung call is bounded and becomes a typed
 * error, and the host keeps working and still exits when the browser disconnects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { DemoToken } from '../helpers/demo-token.js';
import type { HostProcess } from '../helpers/host-process.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKyso } from '../helpers/kyso-cli.js';
import { openQuirksHosts, opensslVerifies, type QuirksHosts } from '../helpers/quirks-token.js';

const DOCUMENT = Buffer.from('Hợp đồng số 42/2026 — chậm');
const digest = createHash('sha256').update(DOCUMENT).digest().toString('base64');
/** The bound on a hung call, shortened for the test (the default is 30–120 s, token-call-thread.ts). */
const BOUND_MS = 3000;

let quirks: QuirksHosts;
let token: DemoToken;
beforeAll(async () => { ({ token } = quirks = await openQuirksHosts()); }, 120_000);
afterAll(() => quirks?.close());

const indexOfReply = (h: HostProcess, id: string) => h.frames.findIndex((f) => f.id === id);

describe('token-quirks: slow token', () => {
  it.each([['slow-login'], ['slow-sign']] as const)('%s: the host answers host.listTokens while the token works, then the signature verifies', async (quirk) => {
    const { host: h, setup } = quirks.start([quirk]);
    await h.request('host.hello', { extensionVersion: 'test' });
    const signing = h.request('host.signDigest', { certificateId: token.cert('org-rsa').certificateId, digest, hashAlgorithm: 'SHA-256', pin: token.userPin }, 'sign-1');
    // Ask once the token is inside the slow call.
    const until = Date.now() + 20_000;
    const marker = quirk === 'slow-login' ? 'C_Login user pin' : 'C_Sign';
    while (!setup.calls().includes(marker) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const listing = await h.request('host.listTokens', {}, 'list-1');
    expect(listing.type).toBe('host.result');
    // Answered while the token was still inside the slow call (the call ends 1–2.5 s after it began).
    expect(setup.calls()).not.toContain(quirk === 'slow-login' ? 'C_Login user returned' : 'C_Sign returned');
    const signed = await signing;
    expect(signed.type, JSON.stringify(signed.error)).toBe('host.result');
    // The listing was answered before the slow signature finished: the slow call did not block the host.
    expect(indexOfReply(h, 'list-1')).toBeLessThan(indexOfReply(h, 'sign-1'));
    expect(opensslVerifies(signed.payload.certificate, DOCUMENT, signed.payload.signature)).toBe(true);
    expect(setup.calls().filter((c) => c.startsWith('C_Login user') && !c.endsWith('returned'))).toHaveLength(1);
  }, 60_000);
});

describe('token-quirks: hung token', () => {
  it.each([['hung-login', 'C_Login'], ['hung-sign', 'C_Sign']] as const)('%s: bounded — TOKEN_NOT_RESPONDING naming %s; the host keeps answering and exits on disconnect', async (quirk, operation) => {
    const { host: h, setup } = quirks.start([quirk], { KYSO_TOKEN_CALL_TIMEOUT_MS: String(BOUND_MS) });
    const signing = h.request('host.signDigest', { certificateId: token.cert('org-rsa').certificateId, digest, hashAlgorithm: 'SHA-256', pin: token.userPin });
    const hello = await h.request('host.hello', { extensionVersion: 'test' });
    expect(hello.type).toBe('host.result');
    const failed = await signing;
    expect(failed.type).toBe('host.error');
    expect(failed.error.code).toBe('TOKEN_NOT_RESPONDING');
    expect(failed.error.details.operation).toBe(operation);
    expect(failed.error.message).toMatch(/Thiết bị ký không phản hồi/);
    // Other requests keep working after the bound.
    const listed = await h.request('host.listCertificates', {});
    expect(listed.payload.certificates.map((c: { id: string }) => c.id)).toContain(token.cert('org-rsa').certificateId);
    // The driver's thread is still stuck: the host must end all the same when the browser disconnects (it ends
    // itself with SIGKILL, as Node would otherwise wait for that thread for ever; see token-call-thread.ts).
    const ended = await Promise.race([h.close().then(() => 'ended'), new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
    expect(ended).toBe('ended');
    expect(h.stderrText()).toMatch(/a token call never returned/);
    setup.release();
  }, 60_000);

  it('hung-login through the CLI: kyso sign-cms prints TOKEN_NOT_RESPONDING and ends instead of waiting for the stuck driver', async () => {
    const setup = quirks.setup(['hung-login']);
    const work = mkdtempSync(join(tmpdir(), 'kyso-quirks-cli-'));
    writeFileSync(join(work, 'to-khai.txt'), DOCUMENT);
    // Rejects (timed out) if the CLI never ends: Node would wait for the stuck thread on exit.
    const result = await runKyso(['sign-cms', join(work, 'to-khai.txt'), '-o', join(work, 'out'), '--cert', token.cert('org-rsa').identifier, '--pin-stdin'], {
      env: { ...setup.env, KYSO_TOKEN_CALL_TIMEOUT_MS: String(BOUND_MS) }, stdin: `${token.userPin}\n`, timeoutMs: 40_000,
    });
    setup.release();
    expect(result.stderr).toMatch(/TOKEN_NOT_RESPONDING: Thiết bị ký không phản hồi\. \/ The token did not answer\./);
    expect(result.stderr).toMatch(/a token call never returned/);
    expect(result.code).not.toBe(0);
  }, 60_000);
});

describe('token-quirks: many digests on a slow token (host.signDigests signs them in one token call)', () => {
  const DOCUMENTS = ['Hoá đơn 1', 'Hoá đơn 2', 'Hoá đơn 3'].map((text) => Buffer.from(text));
  const digests = DOCUMENTS.map((d) => createHash('sha256').update(d).digest().toString('base64'));

  it('the bound applies to each signature, not to the batch: 3 × 1.2 s signatures under a 2 s bound all verify', async () => {
    const { host: h, setup } = quirks.start(['slow-sign'], { KYSO_TOKEN_CALL_TIMEOUT_MS: '2000' });
    const signed = await h.request('host.signDigests', { certificateId: token.cert('org-rsa').certificateId, digests, hashAlgorithm: 'SHA-256', pin: token.userPin });
    expect(signed.type, JSON.stringify(signed.error)).toBe('host.result');
    expect(signed.payload.signatures).toHaveLength(3);
    DOCUMENTS.forEach((d, i) => expect(opensslVerifies(signed.payload.certificate, d, signed.payload.signatures[i])).toBe(true));
    expect(setup.calls().filter((c) => c === 'C_Sign returned')).toHaveLength(3);
  }, 60_000);

  it('a token that hangs inside the batch: TOKEN_NOT_RESPONDING naming C_Sign within the bound, and the host keeps answering', async () => {
    const { host: h, setup } = quirks.start(['hung-sign'], { KYSO_TOKEN_CALL_TIMEOUT_MS: String(BOUND_MS) });
    const failed = await h.request('host.signDigests', { certificateId: token.cert('org-rsa').certificateId, digests, hashAlgorithm: 'SHA-256', pin: token.userPin });
    expect(failed.type).toBe('host.error');
    expect(failed.error.code).toBe('TOKEN_NOT_RESPONDING');
    expect(failed.error.details.operation).toBe('C_Sign');
    const hello = await h.request('host.hello', { extensionVersion: 'test' });
    expect(hello.type).toBe('host.result');
    const ended = await Promise.race([h.close().then(() => 'ended'), new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
    expect(ended).toBe('ended');
    setup.release();
  }, 60_000);
});
