/**
 * A SoftHSM2 token shaped like a national e-ID style token: ONE person, TWO key pairs and certificates —
 * an authentication certificate (keyUsage digitalSignature, extendedKeyUsage clientAuth) and a signing
 * certificate (keyUsage digitalSignature + nonRepudiation) — plus the issuing CA certificate. Its own
 * SOFTHSM2_CONF and token directory (nothing shared with other tests). TEST ONLY material from TestPki.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { TestPki } from './test-pki.js';

const run = promisify(execFile);
const MODULE = process.env.KYSO_SOFTHSM_MODULE ?? '/usr/lib/softhsm/libsofthsm2.so';

export interface TwoCertificateToken {
  readonly label: string;
  readonly userPin: string;
  readonly env: { SOFTHSM2_CONF: string; KYSO_PKCS11_MODULE: string };
  /** Kyso certificate ids (base64url SHA-256 of the DER). */
  readonly authenticationId: string;
  readonly signingId: string;
  /** DER of the test root, for verifyAuthToken's trustedRoots. */
  readonly rootDer: Uint8Array;
  readonly pki: TestPki;
}

export async function createTwoCertificateToken(label = 'Kyso Hai Chứng Thư'): Promise<TwoCertificateToken> {
  const pki = await TestPki.create({ label: 'Kyso eID Test' });
  const subject = '/C=VN/ST=Hà Nội/CN=Nguyễn Thị Hai/UID=CCCD:001199000222';
  const auth = await pki.issue({ subject, keyType: 'ec', keyUsage: 'critical,digitalSignature', extendedKeyUsage: 'clientAuth' }, 'eid-auth');
  const sign = await pki.issue({ subject, keyType: 'rsa', keyUsage: 'critical,digitalSignature,nonRepudiation' }, 'eid-sign');

  const tokens = join(pki.dir, 'softhsm-tokens');
  await mkdir(tokens, { recursive: true });
  const conf = join(pki.dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const env = { SOFTHSM2_CONF: conf, KYSO_PKCS11_MODULE: MODULE };
  const processEnv = { ...process.env, ...env };
  const userPin = '123456';
  await run('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', userPin, '--so-pin', '12345678'], { env: processEnv });
  const put = async (der: Uint8Array, id: string, objectLabel: string, keyPath?: string) => {
    if (keyPath) await run('softhsm2-util', ['--import', keyPath, '--token', label, '--label', objectLabel, '--id', id, '--pin', userPin], { env: processEnv });
    const derPath = join(pki.dir, `${id}.der`);
    await writeFile(derPath, der);
    await run('pkcs11-tool', ['--module', MODULE, '--token-label', label, '--login', '--pin', userPin,
      '--write-object', derPath, '--type', 'cert', '--id', id, '--label', objectLabel], { env: processEnv });
  };
  // softhsm2-util --import wants unencrypted PKCS#8 (TestPki's keys are).
  await put(auth.certDer, 'a1', 'Xác thực', auth.keyPath);
  await put(sign.certDer, 'b2', 'Ký số', sign.keyPath);
  await put(pki.intermediate.certDer, 'c3', 'Kyso eID Test Intermediate CA');
  const id = (der: Uint8Array) => createHash('sha256').update(der).digest('base64url');
  return { label, userPin, env, authenticationId: id(auth.certDer), signingId: id(sign.certDer), rootDer: pki.root.certDer, pki };
}
