/**
 * TEST ONLY: a real RFC 3161 Time-Stamp Authority on loopback. HTTP handling is node:http; the tokens are made by
 * `openssl ts -reply` (an implementation nobody here wrote) with a TSA certificate this helper issues from its own
 * throw-away CA (extendedKeyUsage critical timeStamping, as RFC 3161 §2.3 requires).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';

const run = promisify(execFile);

export interface TestTsa {
  readonly url: string;
  /** The TSA's CA certificate (PEM path): trust anchor for `openssl ts -verify`. */
  readonly caPem: string;
  readonly tsaPem: string;
  /** How many requests were answered. */
  readonly requests: () => number;
  close(): Promise<void>;
}

export async function startTestTsa(): Promise<TestTsa> {
  const dir = await mkdtemp(join(tmpdir(), 'kyso-tsa-'));
  const p = (name: string) => join(dir, name);
  await writeFile(p('tsa.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '3650',
    '-subj', '/C=VN/O=Kyso Test TSA CA/CN=Kyso Test TSA Root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('tsa.key'), '-out', p('tsa.csr'), '-subj', '/C=VN/O=Kyso Test/CN=Kyso Test TSA']);
  await run('openssl', ['x509', '-req', '-in', p('tsa.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('tsa.pem'), '-days', '3650', '-extfile', p('tsa.ext')]);
  await writeFile(p('serial'), '01\n');
  await writeFile(p('ts.cnf'), [
    '[ tsa ]', 'default_tsa = tsa_config', '[ tsa_config ]',
    `serial = ${p('serial')}`, 'crypto_device = builtin', `signer_cert = ${p('tsa.pem')}`, `certs = ${p('ca.pem')}`,
    `signer_key = ${p('tsa.key')}`, 'signer_digest = sha256', 'default_policy = 1.3.6.1.4.1.99999.1.1',
    'digests = sha256, sha384, sha512', 'accuracy = secs:1', 'ordering = yes', 'tsa_name = yes',
    'ess_cert_id_chain = no', 'ess_cert_id_alg = sha256', '',
  ].join('\n'));

  let count = 0;
  let queue: Promise<unknown> = Promise.resolve(); // openssl ts keeps a serial file: one reply at a time
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      queue = queue.then(async () => {
        const id = ++count;
        const query = p(`q${id}.tsq`);
        const reply = p(`r${id}.tsr`);
        try {
          if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') throw new Error('bad request');
          await writeFile(query, Buffer.concat(chunks));
          await run('openssl', ['ts', '-reply', '-config', p('ts.cnf'), '-queryfile', query, '-out', reply]);
          const body = await readFile(reply);
          res.writeHead(200, { 'content-type': 'application/timestamp-reply', 'content-length': body.length });
          res.end(body);
        } catch {
          res.writeHead(400);
          res.end();
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    caPem: p('ca.pem'),
    tsaPem: p('tsa.pem'),
    requests: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
