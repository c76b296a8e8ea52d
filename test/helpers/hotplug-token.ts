/**
 * "Plug in" and "pull out" a second SoftHSM2 token next to a demo token (same SOFTHSM2_CONF token directory),
 * as a person would plug a second USB token while Kyso is running. The token holds one fresh EC key and a
 * self-signed certificate with a Vietnamese subject and MST (TEST ONLY material, made here with openssl).
 */
import { execFile } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DemoToken } from './demo-token.js';

const run = promisify(execFile);

export interface PluggedToken {
  readonly label: string;
  /** Kyso certificate id of its certificate (base64url SHA-256 of the DER). */
  readonly certificateId: string;
  readonly commonName: string;
  readonly identifier: string;
  /** softhsm2-util --delete-token. */
  pullOut(): Promise<void>;
}

export async function plugInSecondToken(demo: DemoToken, label = 'Kyso Hotplug'): Promise<PluggedToken> {
  const env = { ...process.env, ...demo.env };
  const dir = await mkdtemp(join(demo.dir, 'hotplug-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const der = join(dir, 'cert.der');
  const commonName = 'Phạm Thị Cắm Nóng';
  const identifier = 'MST:0309999999';
  await run('openssl', ['req', '-x509', '-utf8', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30',
    '-keyout', key, '-out', cert, '-subj', `/C=VN/ST=Cần Thơ/CN=${commonName}/UID=${identifier}`,
    '-addext', 'keyUsage=critical,digitalSignature,nonRepudiation', '-addext', 'basicConstraints=critical,CA:FALSE']);
  await run('openssl', ['x509', '-in', cert, '-outform', 'DER', '-out', der]);
  await run('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', demo.userPin, '--so-pin', demo.soPin], { env });
  await run('softhsm2-util', ['--import', key, '--token', label, '--label', label, '--id', '0a0b', '--pin', demo.userPin], { env });
  await run('pkcs11-tool', ['--module', demo.module, '--token-label', label, '--login', '--pin', demo.userPin,
    '--write-object', der, '--type', 'cert', '--id', '0a0b', '--label', label], { env });
  const bytes = await readFile(der);
  new X509Certificate(bytes); // fails loudly if openssl made something else
  return {
    label, commonName, identifier,
    certificateId: createHash('sha256').update(bytes).digest('base64url'),
    pullOut: async () => { await run('softhsm2-util', ['--delete-token', '--token', label], { env }); },
  };
}
