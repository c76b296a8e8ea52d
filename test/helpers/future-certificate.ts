/**
 * "The clock is wrong": a certificate on the demo token whose notBefore is tomorrow — what a person whose computer
 * clock runs a day (or a year) behind sees with a freshly issued certificate. Issued by the demo token's own
 * issuing CA with `openssl ca -startdate` (TEST ONLY material), key and certificate written to the token.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DemoToken } from './demo-token.js';
import { opensslDate } from './test-pki.js';

const run = promisify(execFile);

export interface FutureCertificate {
  readonly certificateId: string;
  readonly notBefore: Date;
  readonly identifier: string;
}

export async function addCertificateValidFromTomorrow(demo: DemoToken): Promise<FutureCertificate> {
  const env = { ...process.env, ...demo.env };
  const dir = await mkdtemp(join(demo.dir, 'future-'));
  const pki = join(demo.dir, 'pki');
  const identifier = 'CCCD:001077000123';
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), '7f01\n');
  await writeFile(join(dir, 'ca.cnf'), [
    '[ca]', 'default_ca = future', '[future]', `database = ${dir}/index.txt`, `new_certs_dir = ${dir}`, `serial = ${dir}/serial`,
    'default_md = sha256', 'policy = anything', 'unique_subject = no', '[anything]', 'commonName = supplied',
    '[leaf]', 'basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature, nonRepudiation',
    'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid', '[req]', 'distinguished_name = dn', '[dn]', '',
  ].join('\n'));
  const key = join(dir, 'key.pem');
  await run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key]);
  await run('openssl', ['req', '-new', '-utf8', '-config', join(dir, 'ca.cnf'), '-key', key, '-subj', `/C=VN/ST=Huế/CN=Phạm Văn Mai/UID=${identifier}`, '-out', join(dir, 'leaf.csr')]);
  const notBefore = new Date(Date.now() + 24 * 3600_000);
  notBefore.setUTCMilliseconds(0);
  await run('openssl', ['ca', '-batch', '-notext', '-utf8', '-preserveDN', '-config', join(dir, 'ca.cnf'), '-in', join(dir, 'leaf.csr'), '-out', join(dir, 'leaf.pem'),
    '-cert', join(pki, 'issuing-ca.pem'), '-keyfile', join(pki, 'issuing-ca.key.pem'), '-extensions', 'leaf',
    '-startdate', opensslDate(notBefore), '-enddate', opensslDate(new Date(notBefore.getTime() + 365 * 24 * 3600_000))]);
  const der = join(dir, 'leaf.der');
  await run('openssl', ['x509', '-in', join(dir, 'leaf.pem'), '-outform', 'DER', '-out', der]);
  const id = '7f01';
  await run('softhsm2-util', ['--import', key, '--token', demo.tokenLabel, '--label', 'Kyso future-rsa', '--id', id, '--pin', demo.userPin], { env });
  await run('pkcs11-tool', ['--module', demo.module, '--token-label', demo.tokenLabel, '--login', '--pin', demo.userPin,
    '--write-object', der, '--type', 'cert', '--id', id, '--label', 'Kyso future-rsa'], { env });
  return { certificateId: createHash('sha256').update(await readFile(der)).digest('base64url'), notBefore, identifier };
}
