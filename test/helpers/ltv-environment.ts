/**
 * TEST ONLY: everything a long-term-signature test needs, real parts only — a test PKI (openssl) whose leaf names a
 * real `openssl ocsp` responder and a CRL (and AIA caIssuers) server on loopback, whose intermediate names the root's CRL, the local
 * RFC 3161 TSA (openssl ts), a SoftHSM2 token holding only the leaf's key and certificate, and a trust directory
 * with the PKI's and the TSA's roots. Each network server can be stopped, to prove a verification is offline.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, TestPki, type IssuedCert, type OcspResponder } from './test-pki.js';
import { startTestTsa, type TestTsa } from './tsa-server.js';

const run = promisify(execFile);
const MODULE = process.env.KYSO_SOFTHSM_MODULE ?? '/usr/lib/softhsm/libsofthsm2.so';

export interface LtvEnvironment {
  readonly dir: string;
  readonly pki: TestPki;
  readonly leaf: IssuedCert;
  readonly tsa: TestTsa;
  readonly pin: string;
  /** Certificate selector for --cert. */
  readonly selector: string;
  /** For every kyso child process: token, history folder, trust directory, loopback revocation URLs allowed. */
  readonly env: Record<string, string>;
  readonly trustDir: string;
  /** How many requests the OCSP responder and the CRL server answered. */
  readonly served: { ocsp: number; crl: number };
  /** Stop the OCSP responder, the CRL server and the TSA (for offline verification). */
  stopNetwork(): Promise<void>;
  dispose(): Promise<void>;
}

export async function createLtvEnvironment(label = 'Kyso LTV Test'): Promise<LtvEnvironment> {
  const dir = await mkdtemp(join(tmpdir(), 'kyso-ltv-'));
  const ocspPort = await freePort();
  const crlPort = await freePort();
  const pki = await TestPki.create({
    label, ocspUrl: `http://127.0.0.1:${ocspPort}`, crlUrl: `http://127.0.0.1:${crlPort}/intermediate.crl`, rootCrlUrl: `http://127.0.0.1:${crlPort}/root.crl`,
    // The token holds only the leaf: the intermediate is found through AIA (served by the same loopback server).
    caIssuersUrl: `http://127.0.0.1:${crlPort}/intermediate.cer`,
  });
  const leaf = await pki.issue({ subject: '/C=VN/O=Sở Tư pháp/CN=Nguyễn Văn Lưu Trữ/UID=CCCD:001099000777' }, 'ltv-leaf');
  const served = { ocsp: 0, crl: 0 };
  const ocsp: OcspResponder = await pki.startOcspResponder({ port: ocspPort });
  const crls = new Map([
    ['/intermediate.crl', await pki.crl(pki.intermediate, 24 * 30)], ['/root.crl', await pki.crl(pki.root, 24 * 30)], ['/intermediate.cer', pki.intermediate.certDer],
  ]);
  const crlServer: Server = createServer((request, response) => {
    const body = crls.get(request.url ?? '');
    served.crl++;
    if (!body) { response.writeHead(404).end(); return; }
    response.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(Buffer.from(body));
  });
  await new Promise<void>((resolve) => crlServer.listen(crlPort, '127.0.0.1', resolve));
  const tsa = await startTestTsa();

  const pin = '135790';
  const tokens = join(dir, 'tokens');
  await mkdir(tokens);
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const trustDir = join(dir, 'trust');
  await mkdir(trustDir);
  await writeFile(join(trustDir, 'root.pem'), pki.root.certPem);
  await writeFile(join(trustDir, 'tsa-root.pem'), readFileSync(tsa.caPem));
  const env = {
    SOFTHSM2_CONF: conf, KYSO_PKCS11_MODULE: MODULE, KYSO_DATA_DIR: join(dir, 'data'), KYSO_TRUST_DIR: trustDir,
    // The OCSP responder and CRL server are on loopback, which the host refuses by default (SSRF rule).
    KYSO_ALLOW_PRIVATE_REVOCATION_URLS: '1',
  };
  const processEnv = { ...process.env, ...env };
  const tokenLabel = 'Lưu trữ';
  await run('softhsm2-util', ['--init-token', '--free', '--label', tokenLabel, '--pin', pin, '--so-pin', '12345678'], { env: processEnv });
  await run('softhsm2-util', ['--import', leaf.keyPath, '--token', tokenLabel, '--label', leaf.name, '--id', 'c1', '--pin', pin], { env: processEnv });
  const der = join(dir, 'leaf.der');
  await writeFile(der, leaf.certDer);
  await run('pkcs11-tool', ['--module', MODULE, '--token-label', tokenLabel, '--login', '--pin', pin, '--write-object', der, '--type', 'cert', '--id', 'c1', '--label', leaf.name], { env: processEnv });

  let stopped = false;
  const stopNetwork = async () => {
    if (stopped) return;
    stopped = true;
    await ocsp.stop();
    await new Promise<void>((resolve) => { crlServer.closeAllConnections(); crlServer.close(() => resolve()); });
    await tsa.close();
  };
  // The CRL server counts itself; the OCSP responder keeps one request file per answer in its work directory.
  Object.defineProperty(served, 'ocsp', { get: () => countOcspRequests(pki.dir) });
  return {
    dir, pki, leaf, tsa, pin, selector: 'CCCD:001099000777', env, trustDir, served, stopNetwork,
    dispose: async () => { await stopNetwork(); await pki.dispose(); await rm(dir, { recursive: true, force: true }); },
  };
}

function countOcspRequests(pkiDir: string): number {
  try {
    return readdirSync(join(pkiDir, 'ocsp')).filter((n) => /^q\d+\.der$/.test(n)).length;
  } catch {
    return 0;
  }
}
