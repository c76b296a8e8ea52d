/**
 * The RFC 3161 client against a real TSA (openssl ts behind test/helpers/tsa-server.ts): a granted token that
 * openssl ts -verify accepts; a refusal by the TSA; a replayed reply (another request's token); an HTTP error and
 * an unreachable server (the last two simulated: a real TSA does not fail on demand). All → TIMESTAMP_FAILED.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestTimestamp } from '../../native-host/formats/timestamp/request-timestamp.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { startTestTsa, type TestTsa } from '../helpers/tsa-server.js';
import { opensslTsVerify } from '../fixtures/pdf/pdf-test-tools.js';

/** The test TSAs listen on loopback, which only the person's own command line (or the admin) may name (tsa-ssrf.test.ts). */
const LOOPBACK_TSA = true;

let tsa: TestTsa;
let fake: Server;
let fakeUrl: string;
let fakeReply: { status: number; body: Uint8Array } = { status: 500, body: new Uint8Array() };

beforeAll(async () => {
  tsa = await startTestTsa();
  fake = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(fakeReply.status, { 'content-type': 'application/timestamp-reply' });
      res.end(Buffer.from(fakeReply.body));
    });
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await tsa?.close();
  await new Promise<void>((r) => fake?.close(() => r()));
});

async function failure(p: Promise<unknown>): Promise<KysoError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(KysoError);
  expect((e as KysoError).code).toBe('TIMESTAMP_FAILED');
  return e as KysoError;
}

describe('requestTimestamp', () => {
  it('returns a token over the data that openssl ts -verify accepts', async () => {
    const data = new TextEncoder().encode('giá trị chữ ký');
    const token = await requestTimestamp(data, { url: tsa.url, hashAlgorithm: 'SHA-384', allowPrivateAddresses: LOOPBACK_TSA });
    const verified = await opensslTsVerify(token, data, tsa.caPem, tsa.tsaPem);
    expect(verified.ok, verified.output).toBe(true);
    expect(createHash('sha384').update(data).digest()).toHaveLength(48);
  });

  it('a policy the TSA does not accept: the TSA refuses, the client says so', async () => {
    const e = await failure(requestTimestamp(new Uint8Array([1, 2, 3]), { url: tsa.url, policy: '1.2.3.4.5.6.7', allowPrivateAddresses: LOOPBACK_TSA }));
    expect(e.details).toMatchObject({ status: 2 });
  });

  it('a replayed reply (a genuine token for another request) is refused: nonce and imprint must match', async () => {
    const genuine = await fetch(tsa.url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: new Blob([await tsQuery() as Uint8Array<ArrayBuffer>]) });
    fakeReply = { status: 200, body: new Uint8Array(await genuine.arrayBuffer()) };
    const e = await failure(requestTimestamp(new Uint8Array([9, 9, 9]), { url: fakeUrl, allowPrivateAddresses: LOOPBACK_TSA }));
    expect(String(e.details?.reason)).toMatch(/imprint or nonce/);
  });

  it('simulated faults: HTTP 500, garbage, unreachable server, timeout, bad URL', async () => {
    fakeReply = { status: 500, body: new Uint8Array() };
    expect((await failure(requestTimestamp(new Uint8Array([1]), { url: fakeUrl, allowPrivateAddresses: LOOPBACK_TSA }))).details).toMatchObject({ status: 500 });
    fakeReply = { status: 200, body: new TextEncoder().encode('<html>not a tsa</html>') };
    await failure(requestTimestamp(new Uint8Array([1]), { url: fakeUrl, allowPrivateAddresses: LOOPBACK_TSA }));
    await failure(requestTimestamp(new Uint8Array([1]), { url: 'http://127.0.0.1:1/tsa', allowPrivateAddresses: LOOPBACK_TSA }));
    const slow = createServer(() => { /* never answers */ });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    await failure(requestTimestamp(new Uint8Array([1]), { url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`, timeoutMs: 300, allowPrivateAddresses: LOOPBACK_TSA }));
    slow.closeAllConnections();
    slow.close();
    const bad = await requestTimestamp(new Uint8Array([1]), { url: 'file:///etc/passwd', allowPrivateAddresses: LOOPBACK_TSA }).catch((x: unknown) => x);
    expect((bad as KysoError).code).toBe('BAD_REQUEST');
  });
});

/** A timestamp query made by openssl itself (another client), for the replay case. */
async function tsQuery(): Promise<Uint8Array> {
  const { execFileSync } = await import('node:child_process');
  return new Uint8Array(execFileSync('openssl', ['ts', '-query', '-digest', '0'.repeat(64), '-sha256', '-cert'] ));
}
