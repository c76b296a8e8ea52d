/**
 * A second real PKCS#11 implementation: NSS's softoken (Debian's libnss3, libsoftokn3.so) over a fresh NSS
 * database made with NSS's own tools (certutil, pk12util). The keys and certificates come from a TestPki
 * (openssl), packed into PKCS#12 files with openssl and imported with pk12util, so neither Kyso nor the test
 * writes a PKCS#11 object itself. The host reaches the token through KYSO_PKCS11_MODULE + KYSO_PKCS11_INIT_ARGS.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openssl, TestPki, type IssuedCert } from './test-pki.js';

const run = promisify(execFile);

/** Debian's path of NSS's software token (package libnss3). */
export const NSS_SOFTOKEN = process.env.KYSO_NSS_SOFTOKEN ?? '/usr/lib/x86_64-linux-gnu/libsoftokn3.so';

export interface NssTokenCertificate {
  readonly name: string;
  readonly identifier: string;
  /** Kyso certificate id: base64url SHA-256 of the DER. */
  readonly certificateId: string;
  readonly issued: IssuedCert;
}

export interface NssToken {
  readonly dir: string;
  /** The database password, which NSS's certificate-database token takes as its user PIN. */
  readonly userPin: string;
  /** The C_Initialize parameters naming the database (what KYSO_PKCS11_INIT_ARGS carries). */
  readonly initArgs: string;
  readonly env: { KYSO_PKCS11_MODULE: string; KYSO_PKCS11_INIT_ARGS: string; KYSO_DATA_DIR: string; KYSO_STATE_DIR: string };
  readonly pki: TestPki;
  /** PEM file with the root and intermediate CA, for `openssl cms -verify -CAfile`. */
  readonly caFile: string;
  readonly rsa: NssTokenCertificate;
  readonly ec: NssTokenCertificate;
}

/** NSS's parameter string for a database folder (the form NSS writes to pkcs11.txt itself). */
export function nssInitArgs(dbDir: string): string {
  return `configdir='sql:${dbDir}' certPrefix='' keyPrefix='' secmod='secmod.db' flags=`;
}

export async function createNssToken(userPin = 'Mật-khẩu-NSS-1'): Promise<NssToken> {
  const pki = await TestPki.create({ label: 'Kyso NSS Test' });
  const dir = join(pki.dir, 'nss');
  const db = join(dir, 'db');
  await mkdir(db, { recursive: true });
  const pinFile = join(dir, 'pin.txt');
  await writeFile(pinFile, `${userPin}\n`, { mode: 0o600 });
  await run('certutil', ['-N', '-d', `sql:${db}`, '-f', pinFile]);

  const put = async (name: string, subject: string, keyType: 'rsa' | 'ec', identifier: string): Promise<NssTokenCertificate> => {
    const issued = await pki.issue({ subject, keyType }, name);
    const p12 = join(dir, `${name}.p12`);
    // The PKCS#12 carries the key, the certificate and its issuer, as a CA's issuance file does.
    await openssl(['pkcs12', '-export', '-inkey', issued.keyPath, '-in', issued.certPath, '-certfile', pki.intermediate.certPath,
      '-name', name, '-out', p12, '-passout', 'pass:p12-test']);
    await run('pk12util', ['-i', p12, '-d', `sql:${db}`, '-k', pinFile, '-W', 'p12-test']);
    return { name, identifier, certificateId: createHash('sha256').update(issued.certDer).digest('base64url'), issued };
  };
  const rsa = await put('nss-org-rsa', '/C=VN/ST=Khánh Hòa/L=Nha Trang/O=Công ty Cổ phần Hải Sản Nha Trang/CN=Công ty Cổ phần Hải Sản Nha Trang/UID=MST:4200123456', 'rsa', 'MST:4200123456');
  const ec = await put('nss-person-ec', '/C=VN/ST=Đà Nẵng/CN=Trần Thị Ngọc Ánh/UID=CCCD:048199000321', 'ec', 'CCCD:048199000321');

  const caFile = join(dir, 'cas.pem');
  await writeFile(caFile, `${pki.root.certPem}\n${pki.intermediate.certPem}`);
  const initArgs = nssInitArgs(db);
  return {
    dir, userPin, initArgs, pki, caFile, rsa, ec,
    env: { KYSO_PKCS11_MODULE: NSS_SOFTOKEN, KYSO_PKCS11_INIT_ARGS: initArgs, KYSO_DATA_DIR: join(dir, 'history'), KYSO_STATE_DIR: join(dir, 'state') },
  };
}
