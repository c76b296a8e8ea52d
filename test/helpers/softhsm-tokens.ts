/**
 * SoftHSM2 tokens shaped for one test: several tokens in one SoftHSM2 configuration (several "plugged in" at
 * once), any label, and any mix of objects — key pair with certificate, certificate alone, key pair alone —
 * written with SoftHSM2's and OpenSC's own tools (softhsm2-util --import, pkcs11-tool --write-object), never by
 * Kyso. Certificates come from a TestPki (openssl). SoftHSM2 keeps one free uninitialised slot beside them.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { IssuedCert } from './test-pki.js';

const run = promisify(execFile);
export const SOFTHSM_MODULE = process.env.KYSO_SOFTHSM_MODULE ?? '/usr/lib/softhsm/libsofthsm2.so';
const SO_PIN = '12345678';

/** Kyso's certificate id: base64url SHA-256 of the DER. */
export function certificateId(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}

export interface SoftHsmToken {
  /** The label as given to softhsm2-util (padding and all). */
  readonly label: string;
  readonly userPin: string;
  /** The token's serial number as SoftHSM2 reports it. */
  readonly serialNumber: string;
  /** A key pair and its certificate under one CKA_ID. */
  addKeyAndCertificate(cert: IssuedCert, ckaId: string, objectLabel?: string): Promise<void>;
  /** A certificate object only (a CA certificate, or an end-entity certificate whose key is elsewhere). */
  addCertificate(der: Uint8Array, ckaId: string, objectLabel?: string): Promise<void>;
  /** A key pair only, no certificate. */
  addKeyPair(keyPath: string, ckaId: string, objectLabel?: string): Promise<void>;
}

export interface SoftHsmTokens {
  readonly dir: string;
  readonly module: string;
  /** For every process that must see the tokens; the signing history and driver state stay in `dir`. */
  readonly env: { SOFTHSM2_CONF: string; KYSO_PKCS11_MODULE: string; KYSO_DATA_DIR: string; KYSO_STATE_DIR: string };
  /** Initialise the next free slot as a token with this label. */
  addToken(label: string, userPin?: string): Promise<SoftHsmToken>;
}

export async function createSoftHsmTokens(): Promise<SoftHsmTokens> {
  const dir = await mkdtemp(join(tmpdir(), 'kyso-softhsm-'));
  const tokenDir = join(dir, 'tokens');
  await mkdir(tokenDir);
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const env = { SOFTHSM2_CONF: conf, KYSO_PKCS11_MODULE: SOFTHSM_MODULE, KYSO_DATA_DIR: join(dir, 'history'), KYSO_STATE_DIR: join(dir, 'state') };
  const processEnv = { ...process.env, SOFTHSM2_CONF: conf };
  let objects = 0;

  const addToken = async (label: string, userPin = '123456'): Promise<SoftHsmToken> => {
    const { stdout } = await run('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', userPin, '--so-pin', SO_PIN], { env: processEnv });
    const slot = /reassigned to slot (\d+)/.exec(stdout)?.[1];
    if (!slot) throw new Error(`softhsm2-util did not say which slot: ${stdout}`);
    const serialNumber = await serialOf(slot);
    // Objects are addressed by slot id: a label with padding or non-ASCII text need not survive a command line round trip.
    const login = ['--module', SOFTHSM_MODULE, '--slot', slot, '--login', '--pin', userPin];
    const addCertificate = async (der: Uint8Array, ckaId: string, objectLabel = `cert-${ckaId}`) => {
      const path = join(dir, `object-${++objects}.der`);
      await writeFile(path, der);
      await run('pkcs11-tool', [...login, '--write-object', path, '--type', 'cert', '--id', ckaId, '--label', objectLabel], { env: processEnv });
    };
    const addKeyPair = async (keyPath: string, ckaId: string, objectLabel = `key-${ckaId}`) => {
      // softhsm2-util --import writes the private key and its public key (a key pair), unencrypted PKCS#8 in.
      await run('softhsm2-util', ['--import', keyPath, '--serial', serialNumber, '--label', objectLabel, '--id', ckaId, '--pin', userPin], { env: processEnv });
    };
    return {
      label, userPin, serialNumber, addCertificate, addKeyPair,
      addKeyAndCertificate: async (cert, ckaId, objectLabel) => {
        await addKeyPair(cert.keyPath, ckaId, objectLabel);
        await addCertificate(cert.certDer, ckaId, objectLabel);
      },
    };
  };

  const serialOf = async (slot: string): Promise<string> => {
    const { stdout } = await run('softhsm2-util', ['--show-slots'], { env: processEnv });
    const block = stdout.split(/^Slot /m).find((b) => b.startsWith(`${slot}\n`));
    const serial = block ? /Serial number:\s*(\S+)/.exec(block)?.[1] : undefined;
    if (!serial) throw new Error(`no serial for slot ${slot}`);
    return serial;
  };

  return { dir, module: SOFTHSM_MODULE, env, addToken };
}
