/**
 * A throw-away PKI made with the openssl command line (not with our own code, so our readers and verifiers
 * are checked against an independent producer): root CA → intermediate CA → leaf certificates, an OCSP
 * signing certificate, revocation via `openssl ca -revoke`, CRLs via `openssl ca -gencrl`, and a real
 * `openssl ocsp` responder on loopback. Everything lives in a fresh temp directory.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile, readFile, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function openssl(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await run('openssl', args, { cwd, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, OPENSSL_CONF: '/dev/null' } });
  return stdout;
}

export interface IssuedCert {
  readonly name: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly certDer: Uint8Array;
  /** Serial as openssl writes it in index.txt (upper-case hex). */
  readonly serialHex: string;
}

export interface CaHandle extends IssuedCert {
  readonly dir: string;
  readonly configPath: string;
}

export interface LeafOptions {
  /** openssl -subj form, UTF-8 allowed: "/C=VN/CN=Nguyễn Văn An/UID=CCCD:001099012345". */
  readonly subject: string;
  readonly keyType?: 'rsa' | 'ec';
  /** keyUsage extension value; default "critical,digitalSignature,nonRepudiation". Empty string: omit. */
  readonly keyUsage?: string;
  readonly extendedKeyUsage?: string;
  readonly certificatePolicies?: string;
  /** openssl ca -startdate/-enddate: YYYYMMDDHHMMSSZ. Default: now-1d … now+365d. */
  readonly startDate?: string;
  readonly endDate?: string;
  /** Extra extension lines, e.g. "basicConstraints=critical,CA:TRUE". */
  readonly extraExtensions?: readonly string[];
  /** openssl string_mask for the request: "utf8only" (default) or "default" (T61String/BMPString chosen by content). */
  readonly stringMask?: 'utf8only' | 'default';
  /** Issue from this CA instead of the intermediate. */
  readonly issuer?: CaHandle;
}

export interface PkiOptions {
  /** URL put in the intermediate-issued certificates' AIA OCSP field. */
  readonly ocspUrl?: string;
  /** URL put in the CRL distribution point of intermediate-issued certificates. */
  readonly crlUrl?: string;
  /** URL put in AIA caIssuers of leaves (where the intermediate can be fetched). */
  readonly caIssuersUrl?: string;
  /** URL put in the intermediate CA certificate's CRL distribution point (the root's CRL). */
  readonly rootCrlUrl?: string;
  /** Label distinguishing two PKIs in one test (a "wrong root"). */
  readonly label?: string;
}

export interface OcspResponder {
  readonly url: string;
  stop(): Promise<void>;
}

export function opensslDate(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

const DAY_MS = 86_400_000;

export class TestPki {
  private counter = 0;
  private constructor(
    readonly dir: string,
    readonly root: CaHandle,
    readonly intermediate: CaHandle,
    readonly ocspSigner: IssuedCert,
    readonly options: PkiOptions,
  ) {}

  static async create(options: PkiOptions = {}): Promise<TestPki> {
    const dir = await mkdtemp(join(tmpdir(), 'kyso-pki-'));
    const label = options.label ?? 'Kyso Test';
    const rootDir = join(dir, 'root');
    const root = await makeCa(rootDir, `/C=VN/O=Ban Cơ yếu Chính phủ (${label})/CN=${label} Root CA`, undefined, options);
    const intermediate = await makeCa(join(dir, 'intermediate'), `/C=VN/O=Ban Cơ yếu Chính phủ (${label})/CN=${label} Intermediate CA`, root, options);
    const pki = new TestPki(dir, root, intermediate, undefined as unknown as IssuedCert, options);
    const ocspSigner = await pki.issue({
      subject: `/C=VN/CN=${label} OCSP Responder`, keyUsage: 'critical,digitalSignature', extendedKeyUsage: 'critical,OCSPSigning', extraExtensions: ['noCheck=ignored'],
    }, 'ocsp-signer');
    (pki as { ocspSigner: IssuedCert }).ocspSigner = ocspSigner;
    return pki;
  }

  /** Issue a certificate (by default from the intermediate). */
  async issue(options: LeafOptions, name = `leaf-${++this.counter}`): Promise<IssuedCert> {
    const ca = options.issuer ?? this.intermediate;
    const work = join(this.dir, 'leaves');
    await mkdir(work, { recursive: true });
    const keyPath = join(work, `${name}.key`);
    const csrPath = join(work, `${name}.csr`);
    const certPath = join(work, `${name}.pem`);
    const extPath = join(work, `${name}.ext`);
    await genKey(keyPath, options.keyType ?? 'rsa');
    const reqConf = join(work, `${name}.req.cnf`);
    await writeFile(reqConf, `[req]\ndistinguished_name=dn\nstring_mask=${options.stringMask ?? 'utf8only'}\nutf8=yes\n[dn]\n`);
    await openssl(['req', '-new', '-config', reqConf, '-key', keyPath, '-out', csrPath, '-utf8', '-subj', options.subject, '-multivalue-rdn']);
    const lines = ['[ext]', 'basicConstraints=critical,CA:FALSE', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid'];
    const keyUsage = options.keyUsage ?? 'critical,digitalSignature,nonRepudiation';
    if (keyUsage) lines.push(`keyUsage=${keyUsage}`);
    if (options.extendedKeyUsage) lines.push(`extendedKeyUsage=${options.extendedKeyUsage}`);
    if (options.certificatePolicies) lines.push(`certificatePolicies=${options.certificatePolicies}`);
    const aia: string[] = [];
    if (this.options.ocspUrl) aia.push(`OCSP;URI:${this.options.ocspUrl}`);
    if (this.options.caIssuersUrl) aia.push(`caIssuers;URI:${this.options.caIssuersUrl}`);
    if (aia.length && ca === this.intermediate) lines.push(`authorityInfoAccess=${aia.join(',')}`);
    if (this.options.crlUrl && ca === this.intermediate) lines.push(`crlDistributionPoints=URI:${this.options.crlUrl}`);
    for (const extra of options.extraExtensions ?? []) lines.push(extra);
    await writeFile(extPath, lines.join('\n') + '\n');
    const now = Date.now();
    await openssl(['ca', '-batch', '-config', ca.configPath, '-in', csrPath, '-out', certPath, '-notext', '-utf8', '-preserveDN',
      '-startdate', options.startDate ?? opensslDate(new Date(now - DAY_MS)), '-enddate', options.endDate ?? opensslDate(new Date(now + 365 * DAY_MS)),
      '-extfile', extPath, '-extensions', 'ext']);
    return loadIssued(name, certPath, keyPath);
  }

  /** Revoke a certificate in the issuing CA's database (for OCSP and the next CRL). */
  async revoke(cert: IssuedCert, reason = 'keyCompromise', issuer: CaHandle = this.intermediate): Promise<void> {
    await openssl(['ca', '-batch', '-config', issuer.configPath, '-revoke', cert.certPath, '-crl_reason', reason]);
  }

  /** A CRL (DER) from the CA's database, valid from now for `hours`. */
  async crl(issuer: CaHandle = this.intermediate, hours = 24): Promise<Uint8Array> {
    const pem = join(issuer.dir, 'crl.pem');
    await openssl(['ca', '-batch', '-config', issuer.configPath, '-gencrl', '-crlhours', String(hours), '-out', pem]);
    const der = join(issuer.dir, 'crl.der');
    await openssl(['crl', '-in', pem, '-outform', 'DER', '-out', der]);
    return new Uint8Array(await readFile(der));
  }

  /**
   * An OCSP responder on 127.0.0.1: a node:http server that hands each request to the real openssl responder
   * (`openssl ocsp -index … -rsigner … -CA … -reqin -respout`), signed by the delegated OCSP signer (or `signer`).
   * Not `openssl ocsp -port`: OpenSSL 3.0 takes only a port number there and listens on every interface;
   * per-request runs also see revocations made after the start.
   */
  async startOcspResponder(options: { port?: number; signer?: IssuedCert } = {}): Promise<OcspResponder> {
    const http = await import('node:http');
    const signer = options.signer ?? this.ocspSigner;
    const work = join(this.dir, 'ocsp');
    await mkdir(work, { recursive: true });
    let count = 0;
    let queue: Promise<unknown> = Promise.resolve();
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        queue = queue.then(async () => {
          const id = ++count;
          const reqPath = join(work, `q${id}.der`);
          const respPath = join(work, `r${id}.der`);
          try {
            if (req.method !== 'POST') throw new Error('POST only');
            await writeFile(reqPath, Buffer.concat(chunks));
            await openssl(['ocsp', '-index', join(this.intermediate.dir, 'index.txt'), '-rsigner', signer.certPath, '-rkey', signer.keyPath,
              '-CA', this.intermediate.certPath, '-nmin', '60', '-reqin', reqPath, '-respout', respPath]);
            const body = await readFile(respPath);
            res.writeHead(200, { 'content-type': 'application/ocsp-response', 'content-length': body.length }).end(body);
          } catch {
            res.writeHead(500).end();
          }
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return {
      url: `http://127.0.0.1:${port}`,
      stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
    };
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function genKey(path: string, type: 'rsa' | 'ec'): Promise<void> {
  if (type === 'ec') await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
  else await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', path]);
}

async function makeCa(dir: string, subject: string, parent: CaHandle | undefined, options: PkiOptions): Promise<CaHandle> {
  await mkdir(join(dir, 'certs'), { recursive: true });
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'index.txt.attr'), 'unique_subject = no\n');
  // Random-ish serial start so two PKIs in one test never share serials.
  await writeFile(join(dir, 'serial'), `${(0x10000000 + Math.floor(Math.random() * 0x6fffffff)).toString(16).toUpperCase()}01\n`);
  await writeFile(join(dir, 'crlnumber'), '1000\n');
  const configPath = join(dir, 'ca.cnf');
  await writeFile(configPath, [
    '[ca]', 'default_ca=CA_default',
    '[CA_default]', `dir=${dir}`, 'database=$dir/index.txt', 'new_certs_dir=$dir/certs', 'serial=$dir/serial', 'crlnumber=$dir/crlnumber',
    'certificate=$dir/ca.pem', 'private_key=$dir/ca.key', 'default_md=sha256', 'default_days=365', 'default_crl_hours=24',
    'policy=policy_any', 'unique_subject=no', 'copy_extensions=none', 'email_in_dn=no', 'preserve=yes', 'string_mask=default', 'utf8=yes',
    '[policy_any]', 'countryName=optional', 'organizationName=optional', 'commonName=optional',
    '[req]', 'distinguished_name=dn', 'string_mask=utf8only', 'utf8=yes', '[dn]',
    '[v3_ca]', 'basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid',
  ].join('\n') + '\n');
  const keyPath = join(dir, 'ca.key');
  const certPath = join(dir, 'ca.pem');
  await genKey(keyPath, 'rsa');
  const now = Date.now();
  if (!parent) {
    // Self-signed through `openssl ca -selfsign` so the root, too, starts in the past (signing times a little
    // before the test ran stay inside every CA's validity).
    const csr = join(dir, 'ca.csr');
    await openssl(['req', '-new', '-config', configPath, '-key', keyPath, '-out', csr, '-utf8', '-subj', subject]);
    await openssl(['ca', '-batch', '-selfsign', '-config', configPath, '-keyfile', keyPath, '-in', csr, '-out', certPath, '-notext', '-utf8', '-preserveDN',
      '-startdate', opensslDate(new Date(now - 3 * DAY_MS)), '-enddate', opensslDate(new Date(now + 3650 * DAY_MS)), '-extfile', configPath, '-extensions', 'v3_ca']);
  } else {
    const csr = join(dir, 'ca.csr');
    await openssl(['req', '-new', '-config', configPath, '-key', keyPath, '-out', csr, '-utf8', '-subj', subject]);
    const extPath = join(dir, 'intermediate.ext');
    await writeFile(extPath, ['[v3_int]', 'basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid', ...(options.rootCrlUrl ? [`crlDistributionPoints=URI:${options.rootCrlUrl}`] : [])].join('\n') + '\n');
    await openssl(['ca', '-batch', '-config', parent.configPath, '-in', csr, '-out', certPath, '-notext', '-utf8', '-preserveDN',
      '-startdate', opensslDate(new Date(now - 2 * DAY_MS)), '-enddate', opensslDate(new Date(now + 3000 * DAY_MS)),
      '-extfile', extPath, '-extensions', 'v3_int']);
  }
  const issued = await loadIssued('ca', certPath, keyPath);
  return { ...issued, dir, configPath };
}

async function loadIssued(name: string, certPath: string, keyPath: string): Promise<IssuedCert> {
  const certPem = await readFile(certPath, 'utf8');
  const keyPem = await readFile(keyPath, 'utf8');
  const b64 = certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const certDer = new Uint8Array(Buffer.from(b64, 'base64'));
  const serial = (await openssl(['x509', '-in', certPath, '-noout', '-serial'])).trim().replace(/^serial=/, '');
  return { name, certPath, keyPath, certPem, keyPem, certDer, serialHex: serial.toUpperCase() };
}

export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
