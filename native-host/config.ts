import { readFileSync } from 'node:fs';

/**
 * Host configuration compiled in: which extensions may start this host.
 * Extra IDs (a development build, a re-signed store build) come from env `KYSO_ALLOWED_EXTENSIONS`.
 */

/**
 * Public half of the fixed key that pins the Chromium extension ID. The same value is the `key` field of
 * manifest.json [Chrome manifest "key"]. The private key is not in the repository: unpacked and store builds
 * only need the public key for the ID to be stable.
 */
export const CHROMIUM_EXTENSION_PUBLIC_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAySTgjfmn+Hh2pIyRgi7yeyMBAPSW31CjAroxHXhAIFwd/OWgqw69iZFDt+J6GMrLWnqxFfrb2df/7SV7BvJfmMWIyW0i25+F6VV+qCDqMx0zNuCuquBVxniN4uvsgW+Sdddqc/i81pnhlyHt4g1eSUmFyyofIHgUjR2vM1v4g5ZV+A0SAk6nwlFEUhnEMCy3eqnegTiqv5Mbu9SXYP7k1mZykoIQk2twJDKfUZFZsCA6Y3tZ2XwjanXcgoghIuLyZN+d8lpHDODDmdsxlyMWYdFIY9/1SM/4W9MfCE0OFjsa/SXkR/eu3kGw+PzEB8TLSfKv4UqqauqzX39dMlywGwIDAQAB';

/**
 * Chromium extension ID derived from the key above: first 32 hex digits of SHA-256(DER SPKI), 0-9a-f → a-p.
 * A unit test recomputes it so the two cannot drift.
 */
export const CHROMIUM_EXTENSION_ID = 'abddkodjbciaefbbillgfgplhpgfcokp';

/** Firefox add-on id (manifest browser_specific_settings.gecko.id). */
export const FIREFOX_EXTENSION_ID = 'kyso@kyso.vn';

/** Environment variable with extra allowed extension IDs, comma separated. */
export const ALLOWED_EXTENSIONS_ENV = 'KYSO_ALLOWED_EXTENSIONS';

/** Environment variable listing PKCS#11 module paths (`:` on POSIX, `;` on Windows). */
export const PKCS11_MODULE_ENV = 'KYSO_PKCS11_MODULE';

/**
 * Environment variable with the C_Initialize parameters (pReserved) of the FIRST module in KYSO_PKCS11_MODULE,
 * e.g. NSS softoken's `configdir='sql:/path' certPrefix='' keyPrefix='' secmod='secmod.db' flags=` (docs/tokens.md).
 */
export const PKCS11_INIT_ARGS_ENV = 'KYSO_PKCS11_INIT_ARGS';

/** Environment variable naming an optional log file (stderr is always used). */
export const LOG_FILE_ENV = 'KYSO_LOG_FILE';

/** Host version reported by `host.hello`. Kept in step with package.json by hand at release. */
export const HOST_VERSION = '0.1.0';

/**
 * Admin setting: may OCSP / CRL / AIA requests go to loopback, private or link-local addresses (an enterprise CA
 * whose responder is at 10.x, or a test PKI on 127.0.0.1)? Default NO: the URLs come from certificates, and a page
 * can hand the host certificates it made (security.md "Revocation fetches as a network probe").
 * Set by `"allowPrivateRevocationUrls": true` in ADMIN_CONFIG_PATH, or env KYSO_ALLOW_PRIVATE_REVOCATION_URLS=1
 * (where the host is registered: `kyso install --env KYSO_ALLOW_PRIVATE_REVOCATION_URLS=1`; tests use this).
 */
export const ALLOW_PRIVATE_REVOCATION_URLS_ENV = 'KYSO_ALLOW_PRIVATE_REVOCATION_URLS';

/** Machine-wide host settings an administrator writes (JSON object; unknown keys ignored). */
export const ADMIN_CONFIG_PATH = process.platform === 'win32'
  ? `${process.env.ProgramData ?? 'C:\\ProgramData'}\\Kyso\\config.json`
  : '/etc/kyso/config.json';

let adminConfig: Record<string, unknown> | undefined;

/** The admin config file, read once per process; missing or malformed → no settings (the safe defaults). */
export function readAdminConfig(path = ADMIN_CONFIG_PATH): Record<string, unknown> {
  if (adminConfig && path === ADMIN_CONFIG_PATH) return adminConfig;
  let parsed: unknown;
  try { parsed = JSON.parse(readFileSync(path, 'utf8')); } catch { parsed = undefined; }
  const config = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : {};
  if (path === ADMIN_CONFIG_PATH) adminConfig = config;
  return config;
}

export function allowPrivateRevocationUrls(env: Readonly<Record<string, string | undefined>> = process.env, config = readAdminConfig()): boolean {
  const flag = env[ALLOW_PRIVATE_REVOCATION_URLS_ENV]?.trim().toLowerCase();
  return flag === '1' || flag === 'true' || config.allowPrivateRevocationUrls === true;
}
