/**
 * A fresh SoftHSM2 demo token per test file: runs `scripts/token-demo.mjs` into a new temp dir.
 * Use it once in `beforeAll`; pass `env` to every child process (host, CLI, browser) that must see the token.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type DemoCertificateName = 'org-rsa' | 'person-ec' | 'person2-rsa' | 'expired-rsa';

export interface DemoCertificate {
  readonly name: DemoCertificateName;
  /** CKA_LABEL of the key and certificate objects. */
  readonly label: string;
  /** CKA_ID (hex) shared by key and certificate: the certificate's subjectKeyIdentifier. */
  readonly ckaId: string;
  /** Kyso certificate id: base64url SHA-256 of the DER (what `host.listCertificates` returns as `id`). */
  readonly certificateId: string;
  /** Absolute path of the certificate PEM. */
  readonly certPem: string;
  /** Absolute path of the private key PEM (PKCS#8, unencrypted, TEST ONLY). */
  readonly keyPem: string;
  readonly keyType: 'RSA' | 'EC';
  /** Subject identifier, e.g. "MST:0101234567" or "CCCD:001099012345". */
  readonly identifier: string;
  /** The subject as given to openssl (`/C=VN/…/CN=…`). */
  readonly subject: string;
}

export interface DemoToken {
  /** Absolute path of the SoftHSM2 PKCS#11 module. */
  readonly module: string;
  readonly softhsm2Conf: string;
  readonly tokenLabel: string;
  readonly userPin: string;
  readonly soPin: string;
  /** Absolute paths of the root and issuing CA certificate PEMs. */
  readonly rootPem: string;
  readonly intermediatePem: string;
  readonly certificates: readonly DemoCertificate[];
  /** The directory holding everything. */
  readonly dir: string;
  /** Environment for processes that must see the token; the signing history goes to the token's own folder. */
  readonly env: { SOFTHSM2_CONF: string; KYSO_PKCS11_MODULE: string; KYSO_DATA_DIR: string };
  /** Look up a certificate by name (throws when absent, so tests fail loudly). */
  cert(name: DemoCertificateName): DemoCertificate;
}

const SCRIPT = resolve(import.meta.dirname, '../../scripts/token-demo.mjs');

export async function createDemoToken(dir?: string): Promise<DemoToken> {
  const target = dir ?? await mkdtemp(join(tmpdir(), 'kyso-token-'));
  await run(process.execPath, [SCRIPT, '--dir', target], { timeout: 60_000 });
  const parsed = JSON.parse(await readFile(join(target, 'token.json'), 'utf8')) as Omit<DemoToken, 'dir' | 'env' | 'cert'>;
  return {
    ...parsed,
    dir: target,
    // KYSO_DATA_DIR: each test's signing history stays in its temp folder, never in the runner's ~/.local/share.
    env: { SOFTHSM2_CONF: parsed.softhsm2Conf, KYSO_PKCS11_MODULE: parsed.module, KYSO_DATA_DIR: join(target, 'history') },
    cert(name) {
      const found = parsed.certificates.find((c) => c.name === name);
      if (!found) throw new Error(`demo token has no certificate "${name}"`);
      return found;
    },
  };
}
