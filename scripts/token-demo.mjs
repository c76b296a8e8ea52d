#!/usr/bin/env node
/**
 * `npm run token:demo [-- --dir DIR]`: an isolated SoftHSM2 token with a test PKI shaped like Vietnamese ones.
 *
 * DIR (default `.kyso/demo-token`) gets:
 *   softhsm2.conf            directories.tokendir = DIR/tokens (no global SoftHSM state is touched)
 *   tokens/                  the token "Kyso Demo", user PIN 123456, SO PIN 12345678
 *   pki/*.pem                root + issuing CA certificates, each leaf certificate and its key (TEST ONLY keys)
 *   token.json               what tests and demos need; paths are absolute
 *
 * Re-running recreates everything cleanly (new keys, new token). Tools used: openssl, softhsm2-util, pkcs11-tool.
 * Environment: KYSO_SOFTHSM_MODULE overrides the SoftHSM2 module path.
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const DEMO_TOKEN_LABEL = 'Kyso Demo';
export const DEMO_USER_PIN = '123456';
export const DEMO_SO_PIN = '12345678';

const MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
];

/** The leaf certificates of the demo token. Subjects follow what VGCA / VNPT-CA / Viettel-CA issue. */
const LEAVES = [
  {
    name: 'org-rsa',
    label: 'Kyso org-rsa',
    keyType: 'RSA',
    identifier: 'MST:0101234567',
    // An organisation certificate: CN and O carry the company name, UID the tax code (MST).
    subject: '/C=VN/ST=Hà Nội/L=Phường Cửa Nam, Quận Hoàn Kiếm/O=Công ty TNHH Kyso Thử Nghiệm/CN=Công ty TNHH Kyso Thử Nghiệm/UID=MST:0101234567',
  },
  {
    name: 'person-ec',
    label: 'Kyso person-ec',
    keyType: 'EC',
    identifier: 'CCCD:001099012345',
    // A personal certificate: the citizen id number (CCCD) in UID.
    subject: '/C=VN/ST=Hà Nội/CN=Nguyễn Văn Ánh/UID=CCCD:001099012345',
  },
  {
    name: 'person2-rsa',
    label: 'Kyso person2-rsa',
    keyType: 'RSA',
    identifier: 'CCCD:079199000001',
    subject: '/C=VN/ST=Hồ Chí Minh/CN=Trần Thị Bình/UID=CCCD:079199000001',
  },
  {
    name: 'expired-rsa',
    label: 'Kyso expired-rsa',
    keyType: 'RSA',
    identifier: 'CCCD:001088000009',
    subject: '/C=VN/ST=Đà Nẵng/CN=Lê Văn Cũ/UID=CCCD:001088000009',
    // Valid in the first half of 2025 only: the CA was already valid then, so only the leaf is expired.
    startDate: '20250101000000Z',
    endDate: '20250601000000Z',
  },
];

const CA_START = '20250101000000Z';
const ROOT_END = '20451231235959Z';
const ISSUING_END = '20401231235959Z';

function findModule() {
  const fromEnv = process.env.KYSO_SOFTHSM_MODULE;
  if (fromEnv) return fromEnv;
  const found = MODULE_CANDIDATES.find((p) => existsSync(p));
  if (!found) throw new Error('SoftHSM2 module not found; install softhsm2 or set KYSO_SOFTHSM_MODULE');
  return found;
}

function run(cmd, args, env) {
  try {
    return execFileSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = error.stderr ? error.stderr.toString() : '';
    throw new Error(`${cmd} ${args[0] ?? ''} failed: ${stderr || error.message}`);
  }
}

/** openssl `ca` configuration: UTF-8 subjects kept as given, no policy rewriting, extensions per kind. */
function caConfig(caDir) {
  return `
[ ca ]
default_ca = this_ca

[ this_ca ]
dir = ${caDir}
database = $dir/index.txt
serial = $dir/serial
new_certs_dir = $dir/issued
default_md = sha256
policy = policy_any
# Keep the subject exactly as requested: order and UTF8String encoding of the Vietnamese names.
preserve = yes
string_mask = utf8only
unique_subject = no
email_in_dn = no
copy_extensions = none

[ policy_any ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
userId = optional

[ req ]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes
[ req_dn ]

[ ext_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ ext_issuing ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

# Leaves: explicitly not a CA (openssl's defaults would not say so), signing usages only [RFC 5280 §4.2.1.3].
[ ext_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;
}

function newCaDatabase(caDir) {
  mkdirSync(join(caDir, 'issued'), { recursive: true });
  writeFileSync(join(caDir, 'index.txt'), '');
  // Random serial start: re-created PKIs must not reuse serials under the same issuer name.
  writeFileSync(join(caDir, 'serial'), `${createHash('sha256').update(String(Math.random()) + Date.now()).digest('hex').slice(0, 16).replace(/^0/, '1')}\n`);
  const conf = join(caDir, 'openssl.cnf');
  writeFileSync(conf, caConfig(caDir));
  return conf;
}

function genKey(path, keyType) {
  const args = keyType === 'EC'
    ? ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-pkeyopt', 'ec_param_enc:named_curve', '-out', path]
    : ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', path];
  run('openssl', args); // genpkey writes unencrypted PKCS#8, which softhsm2-util --import expects
}

function csr(conf, keyPath, subject, outPath) {
  run('openssl', ['req', '-new', '-config', conf, '-utf8', '-key', keyPath, '-subj', subject, '-out', outPath]);
}

function issue({ conf, csrPath, outPath, extensions, caCert, caKey, selfSignKey, startDate, endDate }) {
  const args = ['ca', '-batch', '-notext', '-utf8', '-config', conf, '-in', csrPath, '-out', outPath,
    '-extensions', extensions, '-startdate', startDate, '-enddate', endDate];
  if (selfSignKey) args.push('-selfsign', '-keyfile', selfSignKey);
  else args.push('-cert', caCert, '-keyfile', caKey);
  run('openssl', args);
}

function pemToDer(pemPath, derPath) {
  run('openssl', ['x509', '-in', pemPath, '-outform', 'DER', '-out', derPath]);
}

function subjectKeyIdHex(pemPath) {
  const cert = new X509Certificate(readFileSync(pemPath));
  // Node exposes no SKI getter; the extension text has it as "AA:BB:…". Parse from openssl instead.
  void cert;
  const text = run('openssl', ['x509', '-in', pemPath, '-noout', '-ext', 'subjectKeyIdentifier']).toString();
  const match = text.match(/([0-9A-F]{2}(?::[0-9A-F]{2})+)/i);
  if (!match) throw new Error(`no subjectKeyIdentifier in ${pemPath}`);
  return match[1].replace(/:/g, '').toLowerCase();
}

function certificateId(derPath) {
  return createHash('sha256').update(readFileSync(derPath)).digest('base64url');
}

/**
 * Create (or recreate) the demo token in DIR. Returns the object written to DIR/token.json.
 * @param {string} dirArg
 */
export function createDemoTokenSync(dirArg = '.kyso/demo-token') {
  const dir = resolve(dirArg);
  const module = findModule();
  // Recreate cleanly: only the paths this script makes are removed.
  for (const sub of ['tokens', 'pki', 'work', 'softhsm2.conf', 'token.json']) rmSync(join(dir, sub), { recursive: true, force: true });
  const tokensDir = join(dir, 'tokens');
  const pkiDir = join(dir, 'pki');
  const workDir = join(dir, 'work');
  for (const d of [tokensDir, pkiDir, workDir]) mkdirSync(d, { recursive: true });

  const softhsm2Conf = join(dir, 'softhsm2.conf');
  writeFileSync(softhsm2Conf, `directories.tokendir = ${tokensDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const env = { ...process.env, SOFTHSM2_CONF: softhsm2Conf };

  // ── PKI ────────────────────────────────────────────────────────────────
  const rootConf = newCaDatabase(join(workDir, 'root-ca'));
  const issuingConf = newCaDatabase(join(workDir, 'issuing-ca'));
  const rootKey = join(pkiDir, 'root-ca.key.pem');
  const rootPem = join(pkiDir, 'root-ca.pem');
  genKey(rootKey, 'RSA');
  csr(rootConf, rootKey, '/C=VN/O=Kyso Test PKI/CN=Kyso Test Root CA', join(workDir, 'root.csr'));
  issue({ conf: rootConf, csrPath: join(workDir, 'root.csr'), outPath: rootPem, extensions: 'ext_root', selfSignKey: rootKey, startDate: CA_START, endDate: ROOT_END });

  const issuingKey = join(pkiDir, 'issuing-ca.key.pem');
  const intermediatePem = join(pkiDir, 'issuing-ca.pem');
  genKey(issuingKey, 'RSA');
  csr(issuingConf, issuingKey, '/C=VN/O=Kyso Test PKI/CN=Kyso Test Issuing CA', join(workDir, 'issuing.csr'));
  issue({ conf: rootConf, csrPath: join(workDir, 'issuing.csr'), outPath: intermediatePem, extensions: 'ext_issuing', caCert: rootPem, caKey: rootKey, startDate: CA_START, endDate: ISSUING_END });

  const certificates = [];
  for (const leaf of LEAVES) {
    const keyPem = join(pkiDir, `${leaf.name}.key.pem`);
    const certPem = join(pkiDir, `${leaf.name}.pem`);
    const csrPath = join(workDir, `${leaf.name}.csr`);
    genKey(keyPem, leaf.keyType);
    csr(issuingConf, keyPem, leaf.subject, csrPath);
    const now = new Date();
    const start = leaf.startDate ?? toGeneralizedTime(new Date(now.getTime() - 24 * 3600 * 1000));
    const end = leaf.endDate ?? toGeneralizedTime(new Date(now.getTime() + 2 * 365 * 24 * 3600 * 1000));
    issue({ conf: issuingConf, csrPath, outPath: certPem, extensions: 'ext_leaf', caCert: intermediatePem, caKey: issuingKey, startDate: start, endDate: end });
    const derPath = join(workDir, `${leaf.name}.der`);
    pemToDer(certPem, derPath);
    certificates.push({
      name: leaf.name,
      label: leaf.label,
      // CKA_ID = the certificate's subjectKeyIdentifier, as CA-issued tokens usually do; key and certificate share it.
      ckaId: subjectKeyIdHex(certPem),
      certificateId: certificateId(derPath),
      certPem,
      keyPem,
      keyType: leaf.keyType,
      identifier: leaf.identifier,
      subject: leaf.subject,
      derPath,
    });
  }

  // ── token ──────────────────────────────────────────────────────────────
  run('softhsm2-util', ['--init-token', '--free', '--label', DEMO_TOKEN_LABEL, '--pin', DEMO_USER_PIN, '--so-pin', DEMO_SO_PIN], env);
  for (const c of certificates) {
    run('softhsm2-util', ['--import', c.keyPem, '--token', DEMO_TOKEN_LABEL, '--label', c.label, '--id', c.ckaId, '--pin', DEMO_USER_PIN], env);
    run('pkcs11-tool', ['--module', module, '--token-label', DEMO_TOKEN_LABEL, '--login', '--pin', DEMO_USER_PIN,
      '--write-object', c.derPath, '--type', 'cert', '--id', c.ckaId, '--label', c.label], env);
  }
  // The issuing CA certificate without a key, so the host can return the chain from the token.
  const issuingDer = join(workDir, 'issuing-ca.der');
  pemToDer(intermediatePem, issuingDer);
  run('pkcs11-tool', ['--module', module, '--token-label', DEMO_TOKEN_LABEL, '--login', '--pin', DEMO_USER_PIN,
    '--write-object', issuingDer, '--type', 'cert', '--id', subjectKeyIdHex(intermediatePem), '--label', 'Kyso Test Issuing CA'], env);

  const tokenJson = {
    module,
    softhsm2Conf,
    tokenLabel: DEMO_TOKEN_LABEL,
    userPin: DEMO_USER_PIN,
    soPin: DEMO_SO_PIN,
    rootPem,
    intermediatePem,
    certificates: certificates.map(({ derPath: _d, ...c }) => c),
  };
  writeFileSync(join(dir, 'token.json'), `${JSON.stringify(tokenJson, null, 2)}\n`);
  return tokenJson;
}

function toGeneralizedTime(date) {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

function parseArgs(argv) {
  const i = argv.indexOf('--dir');
  if (i >= 0) {
    const value = argv[i + 1];
    if (!value) throw new Error('--dir needs a value');
    return { dir: value };
  }
  return { dir: '.kyso/demo-token' };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const { dir } = parseArgs(process.argv.slice(2));
    const t0 = Date.now();
    const token = createDemoTokenSync(dir);
    process.stdout.write(`Demo token "${token.tokenLabel}" ready in ${Date.now() - t0} ms\n`
      + `  export SOFTHSM2_CONF=${token.softhsm2Conf}\n  export KYSO_PKCS11_MODULE=${token.module}\n`
      + `  user PIN ${token.userPin} (test only)\n`
      + token.certificates.map((c) => `  ${c.name.padEnd(12)} ${c.keyType.padEnd(3)} ${c.identifier}`).join('\n')
      + `\n  details: ${join(resolve(dir), 'token.json')}\n`);
  } catch (error) {
    process.stderr.write(`token-demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
