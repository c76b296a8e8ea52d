/**
 * Issue 13 §2, quirk: a token that shows its certificates only after login (before it, only its keys). Through the
 * built host (and the CLI) with the quirks module over the real SoftHSM2 token: the token says so, and a request
 * naming the certificate with the PIN is served by logging in first — with one PIN try when the PIN is wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { DemoToken } from '../helpers/demo-token.js';
import { runKyso } from '../helpers/kyso-cli.js';
import { openQuirksHosts, opensslVerifies, userLogins, type QuirksHosts } from '../helpers/quirks-token.js';

const DOCUMENT = Buffer.from('Đơn xin cấp phép — đăng nhập trước');
const digest = createHash('sha256').update(DOCUMENT).digest().toString('base64');

let quirks: QuirksHosts;
let token: DemoToken;
beforeAll(async () => { ({ token } = quirks = await openQuirksHosts()); }, 120_000);
afterAll(() => quirks?.close());

describe('token-quirks: certs-after-login', () => {
  it('the token is marked certificatesAfterLogin and lists no certificate before login; naming one with the PIN signs (RSA and EC)', async () => {
    const { host: h, setup } = quirks.start(['certs-after-login']);
    const tokens = await h.request('host.listTokens', {});
    expect(tokens.payload.tokens).toMatchObject([{ label: token.tokenLabel, certificatesAfterLogin: true }]);
    const listed = await h.request('host.listCertificates', {});
    expect(listed.payload.certificates).toEqual([]);
    for (const certificateId of [token.cert('person-ec').certificateId, token.cert('org-rsa').certificateId]) {
      const signed = await h.request('host.signDigest', { certificateId, digest, hashAlgorithm: 'SHA-256', pin: token.userPin });
      expect(signed.type, JSON.stringify(signed.error)).toBe('host.result');
      expect(opensslVerifies(signed.payload.certificate, DOCUMENT, signed.payload.signature)).toBe(true);
    }
    // Twice per signature, both with the PIN the person typed: once to see the certificates, once to sign.
    expect(userLogins(setup)).toHaveLength(4);
  }, 60_000);

  it('a wrong PIN is one try: PIN_INCORRECT at the login that would show the certificates', async () => {
    const { host: h, setup } = quirks.start(['certs-after-login']);
    const failed = await h.request('host.signDigest', { certificateId: token.cert('org-rsa').certificateId, digest, hashAlgorithm: 'SHA-256', pin: '999999' });
    expect(failed.error.code).toBe('PIN_INCORRECT');
    expect(userLogins(setup)).toHaveLength(1);
  }, 60_000);

  it('kyso list says the certificates show only after login', async () => {
    const setup = quirks.setup(['certs-after-login']);
    const list = await runKyso(['list'], { env: setup.env as Record<string, string> });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('chứng thư số chỉ hiện sau khi đăng nhập bằng PIN');
    expect(list.stdout).toContain('certificates show only after login with the PIN');
  }, 60_000);
});
