/**
 * Attack class: revocation fetches as a network probe (SSRF). A page asks Kyso to verify a document (kyso.verify →
 * host.verifyDocument, no consent) signed with a certificate IT made, whose AIA / OCSP / CRL URLs point wherever it
 * likes: the router's admin page, a printer at 10.x, the cloud metadata service at 169.254.169.254, a service on
 * the person's own loopback. Before the fix the host fetched them all — even for untrusted chains — and echoed each
 * network error ("connection refused", "HTTP 404") back to the page: a port scanner behind the firewall.
 *
 * Guarantees tested here, through the REAL host process spoken to as the extension does (test/helpers/host-process):
 *  - no revocation fetch for a chain that does not reach a root of the HOST's trust store (a root the page names in
 *    `trustRoots` does not count);
 *  - never to loopback, private or link-local addresses, checked AFTER name resolution, unless the admin allows it
 *    (KYSO_ALLOW_PRIVATE_REVOCATION_URLS=1 or /etc/kyso/config.json {"allowPrivateRevocationUrls": true});
 *  - the report a page gets has no per-URL network errors.
 * Private and link-local ranges are checked by the address classifier and by a resolver that answers with them:
 * no packet is ever sent to 10.x / 169.254.x from this test (the workplace forbids such traffic).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as http from 'node:http';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestPki, freePort, openssl, type IssuedCert } from '../helpers/test-pki.js';
import { buildTestHost, spawnHost, type HostProcess } from '../helpers/host-process.js';
import { fetchHttp } from '../../native-host/trust/http-fetch.js';
import { isForbiddenRevocationAddress } from '../../native-host/trust/network-destination.js';
import { allowPrivateRevocationUrls, readAdminConfig } from '../../native-host/config.js';

/** A loopback HTTP server that records every request it gets (path and Host header) and answers 404. */
let probe: http.Server;
let probePort: number;
const hits: Array<{ path: string; host: string }> = [];

let hostPath: string;
let work: string;
let untrusted: TestPki;
let trustedLoopback: TestPki;
let trustedLocalhostName: TestPki;
let trustedV6: TestPki;
let trustedDown: TestPki;
const signed: Record<string, { document: string; content: string }> = {};
const hosts: HostProcess[] = [];

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const pemToDer = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

async function signCms(pki: TestPki, leaf: IssuedCert, name: string): Promise<void> {
  const doc = join(work, `${name}.txt`);
  await writeFile(doc, `Công văn ${name}\n`);
  await openssl(['cms', '-sign', '-binary', '-outform', 'DER', '-in', doc, '-signer', leaf.certPath, '-inkey', leaf.keyPath,
    '-certfile', pki.intermediate.certPath, '-md', 'sha256', '-out', `${doc}.p7s`]);
  signed[name] = { document: b64(await readFile(`${doc}.p7s`)), content: b64(await readFile(doc)) };
}

/** A host whose trust store holds `roots`; `allowPrivate` is the admin opt-in. */
async function startHost(roots: readonly TestPki[], allowPrivate: boolean): Promise<HostProcess> {
  const trustDir = await mkdtemp(join(work, 'trust-'));
  for (const [i, pki] of roots.entries()) await writeFile(join(trustDir, `root-${i}.pem`), pki.root.certPem);
  const host = spawnHost(hostPath, { env: { KYSO_TRUST_DIR: trustDir, KYSO_ALLOW_PRIVATE_REVOCATION_URLS: allowPrivate ? '1' : '' } });
  hosts.push(host);
  return host;
}

async function verify(host: HostProcess, name: string, extra: Record<string, unknown> = {}) {
  const reply = await host.request('host.verifyDocument', { document: signed[name]!.document, content: signed[name]!.content, checkRevocation: true, ...extra });
  expect(reply.type).toBe('host.result');
  return reply.payload as { signatures: Array<{ chain: { status: string }; revocation: { status: string; why?: string; attempts?: unknown[] }; reasons: Array<{ code: string; detail?: string }> }> };
}

beforeAll(async () => {
  probePort = await freePort();
  probe = http.createServer((req, res) => { hits.push({ path: req.url ?? '', host: req.headers.host ?? '' }); res.statusCode = 404; res.end(); });
  await new Promise<void>((resolve) => probe.listen(probePort, '127.0.0.1', resolve));
  work = await mkdtemp(join(tmpdir(), 'kyso-sec-ssrf-'));
  const at = (host: string, path: string) => `http://${host}:${probePort}/${path}`;
  let built;
  [built, untrusted, trustedLoopback, trustedLocalhostName, trustedV6, trustedDown] = await Promise.all([
    buildTestHost(),
    TestPki.create({ label: 'Page Made', ocspUrl: at('127.0.0.1', 'untrusted-ocsp'), crlUrl: at('127.0.0.1', 'untrusted.crl'), caIssuersUrl: at('127.0.0.1', 'untrusted-ca.der') }),
    TestPki.create({ label: 'Trusted Loopback', ocspUrl: at('127.0.0.1', 'loopback-ocsp'), crlUrl: at('127.0.0.1', 'loopback.crl') }),
    TestPki.create({ label: 'Trusted Localhost', ocspUrl: at('localhost', 'name-ocsp') }),
    TestPki.create({ label: 'Trusted V6', ocspUrl: `http://[::1]:${probePort}/v6-ocsp` }),
    TestPki.create({ label: 'Trusted Down', ocspUrl: `http://127.0.0.1:${await freePort()}/down-ocsp` }),
  ]);
  hostPath = built.hostPath;
  for (const [name, pki] of Object.entries({ untrusted, trustedLoopback, trustedLocalhostName, trustedV6, trustedDown })) {
    await signCms(pki, await pki.issue({ subject: `/C=VN/CN=Người ký ${name}` }), name);
  }
}, 240_000);

afterAll(async () => {
  for (const host of hosts) await host.close();
  await new Promise<void>((resolve) => probe?.close(() => resolve()));
});

describe('revocation fetches as a network probe (real host process)', () => {
  it('an UNTRUSTED chain whose AIA/OCSP/CRL point at our loopback server: the server gets no request (even with the admin opt-in)', async () => {
    const host = await startHost([trustedLoopback], true);
    hits.length = 0;
    const report = await verify(host, 'untrusted');
    expect(report.signatures[0]!.chain.status).toBe('untrusted');
    expect(hits).toEqual([]);
  });

  it('a root the PAGE names in trustRoots does not make its certificates\' URLs fetchable', async () => {
    const host = await startHost([], true);
    hits.length = 0;
    const report = await verify(host, 'untrusted', { trustRoots: [b64(pemToDer(untrusted.root.certPem))] });
    expect(report.signatures[0]!.chain.status).toBe('valid'); // the page may widen its own trust for its report...
    expect(hits).toEqual([]); // ...but not make the host send requests for it
  });

  for (const [label, name] of [['127.0.0.1', 'trustedLoopback'], ['localhost (resolves to loopback)', 'trustedLocalhostName'], ['[::1]', 'trustedV6']] as const) {
    it(`a TRUSTED chain whose OCSP/CRL URL is ${label}: not fetched without the admin opt-in; no URL error reaches the page`, async () => {
      const host = await startHost([trustedLoopback, trustedLocalhostName, trustedV6], false);
      hits.length = 0;
      const report = await verify(host, name);
      expect(report.signatures[0]!.chain.status).toBe('valid');
      expect(hits).toEqual([]);
      expect(report.signatures[0]!.revocation.status).toBe('could-not-check');
      expect(report.signatures[0]!.revocation.attempts).toEqual([]);
      expect(JSON.stringify(report)).not.toMatch(/127\.0\.0\.1:\d+|localhost:\d+|\[::1\]|refused|HTTP 404|not allowed/i);
    });
  }

  it('with the admin opt-in, a trusted chain\'s loopback OCSP/CRL IS asked (the documented way existing trust tests keep working)', async () => {
    const host = await startHost([trustedLoopback], true);
    hits.length = 0;
    await verify(host, 'trustedLoopback');
    expect(hits.map((h) => h.path)).toContain('/loopback-ocsp');
  });

  it('a trusted chain whose responder is down: the page-facing report says "could not check" without per-URL errors', async () => {
    const host = await startHost([trustedDown], true);
    const report = await verify(host, 'trustedDown');
    const signature = report.signatures[0]!;
    expect(signature.revocation.status).toBe('could-not-check');
    expect(signature.revocation.attempts).toEqual([]);
    const text = JSON.stringify(report);
    expect(text).not.toMatch(/refused|ECONN|timed out|down-ocsp|127\.0\.0\.1:\d+/i);
    expect(signature.reasons.map((r) => r.code)).toContain('REVOCATION_NOT_CHECKED');
  });
});

describe('address rule, checked after name resolution (no packet to private ranges)', () => {
  it('classifies loopback, private, link-local, CGNAT, unspecified, multicast and IPv4-mapped forms as forbidden; public ones as allowed', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
      '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.1.2.3', '::ffff:a9fe:a9fe']) {
      expect(isForbiddenRevocationAddress(address), address).toBe(true);
    }
    for (const address of ['203.113.131.1', '8.8.8.8', '172.32.0.1', '2001:db8::1'.replace('db8', '4860'), '::ffff:8.8.8.8']) {
      expect(isForbiddenRevocationAddress(address), address).toBe(false);
    }
  });

  it('a name that RESOLVES to a private or link-local address is refused before any connection; the resolver is asked once', async () => {
    for (const answer of ['10.20.30.40', '169.254.169.254', '192.168.0.10', 'fe80::1']) {
      let asked = 0;
      const resolve = async () => { asked++; return [{ address: answer, family: answer.includes(':') ? 6 : 4 }]; };
      await expect(fetchHttp('http://ocsp.ca-that-looks-public.vn/r', { maxBytes: 1000, resolve, allowPrivateAddresses: false, timeoutMs: 2000 }))
        .rejects.toThrow(/not allowed/);
      expect(asked).toBe(1);
    }
  });

  it('a mixed answer (one public, one private address) is refused as a whole', async () => {
    const resolve = async () => [{ address: '203.113.131.1', family: 4 }, { address: '127.0.0.1', family: 4 }];
    await expect(fetchHttp('http://rebind.example.vn/r', { maxBytes: 1000, resolve, allowPrivateAddresses: false, timeoutMs: 2000 })).rejects.toThrow(/not allowed/);
  });

  it('the connection goes to the very address that was checked (no second resolution a rebinding DNS could answer differently)', async () => {
    let asked = 0;
    const resolve = async () => { asked++; return [{ address: '127.0.0.1', family: 4 }]; };
    hits.length = 0;
    await expect(fetchHttp(`http://rebind.example.vn:${probePort}/checked`, { maxBytes: 1000, resolve, allowPrivateAddresses: true, timeoutMs: 5000 })).rejects.toThrow(/HTTP 404/);
    expect(asked).toBe(1);
    expect(hits).toEqual([{ path: '/checked', host: `rebind.example.vn:${probePort}` }]);
  });
});

describe('the admin opt-in', () => {
  it('is off by default; on with KYSO_ALLOW_PRIVATE_REVOCATION_URLS=1 or {"allowPrivateRevocationUrls": true} in the admin config file; anything else is off', async () => {
    expect(allowPrivateRevocationUrls({}, {})).toBe(false);
    expect(allowPrivateRevocationUrls({ KYSO_ALLOW_PRIVATE_REVOCATION_URLS: '1' }, {})).toBe(true);
    expect(allowPrivateRevocationUrls({ KYSO_ALLOW_PRIVATE_REVOCATION_URLS: '0' }, {})).toBe(false);
    const file = join(work, 'admin-config.json');
    await writeFile(file, JSON.stringify({ allowPrivateRevocationUrls: true }));
    expect(allowPrivateRevocationUrls({}, readAdminConfig(file))).toBe(true);
    await writeFile(file, JSON.stringify({ allowPrivateRevocationUrls: 'yes' }));
    expect(allowPrivateRevocationUrls({}, readAdminConfig(file))).toBe(false);
    await writeFile(file, '{ not json');
    expect(allowPrivateRevocationUrls({}, readAdminConfig(file))).toBe(false);
    expect(allowPrivateRevocationUrls({}, readAdminConfig(join(work, 'missing.json')))).toBe(false);
  });
});
