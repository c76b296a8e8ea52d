/**
 * TEST ONLY: a Signer backed by key files and `openssl pkeyutl`, plus a tiny root → intermediate → leaf PKI made
 * with openssl. Used by unit tests of the format builders; integration tests sign with the SoftHSM2 token.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Signer } from '../../native-host/token/signer.js';
import type { HashAlgorithm, KeyType, SignatureScheme } from '../../shared/domain/algorithms.js';

export interface SoftwarePki {
  readonly dir: string;
  readonly rootPem: string;
  readonly intermediatePem: string;
  readonly rootPath: string;
  readonly intermediatePath: string;
  readonly rsa: SoftwareIdentity;
  readonly ec: SoftwareIdentity;
  /** ECDSA P-384: XML Signature pads r and s to 48 bytes. */
  readonly ec384: SoftwareIdentity;
}

export interface SoftwareIdentity {
  readonly keyPath: string;
  readonly certPath: string;
  readonly certPem: string;
  readonly signer: Signer;
}

const openssl = (args: string[], input?: Uint8Array): Buffer =>
  execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });

function pemToDer(pem: string): Uint8Array {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

/** A Signer that signs a digest with a key file through `openssl pkeyutl` (never used by product code). */
export function softwareSigner(keyPath: string, certPem: string, chainPems: string[], keyType: KeyType): Signer {
  return {
    certificate: pemToDer(certPem),
    chain: chainPems.map(pemToDer),
    keyType,
    async signDigest(digest: Uint8Array, hash: HashAlgorithm, scheme?: SignatureScheme): Promise<Uint8Array> {
      const md = hash.replace('-', '').toLowerCase();
      const args = ['pkeyutl', '-sign', '-inkey', keyPath, '-pkeyopt', `digest:${md}`];
      if (scheme === 'RSA-PSS') args.push('-pkeyopt', 'rsa_padding_mode:pss', '-pkeyopt', 'rsa_pss_saltlen:digest', '-pkeyopt', `rsa_mgf1_md:${md}`);
      return new Uint8Array(openssl(args, digest));
    },
  };
}

/** Make root CA → intermediate CA → an RSA-2048 leaf, a P-256 leaf and a P-384 leaf, in a temp dir. */
export function createSoftwarePki(): SoftwarePki {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-pki-'));
  const p = (name: string) => join(dir, name);
  const caExt = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n';
  const leafExt = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n';
  writeFileSync(p('ca.ext'), caExt);
  writeFileSync(p('leaf.ext'), leafExt);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('root.key'), '-out', p('root.pem'), '-days', '3650',
    '-subj', '/C=VN/O=Kyso Test/CN=Kyso Test Root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  issue(p, 'intermediate', ['-newkey', 'rsa:2048'], '/C=VN/O=Kyso Test/CN=Kyso Test Intermediate', 'root', 'ca.ext');
  issue(p, 'rsa', ['-newkey', 'rsa:2048'], '/C=VN/O=Công ty Thử nghiệm/CN=Nguyễn Văn A', 'intermediate', 'leaf.ext');
  issue(p, 'ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/C=VN/CN=Trần Thị B', 'intermediate', 'leaf.ext');
  issue(p, 'ec384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], '/C=VN/CN=Lê Văn C', 'intermediate', 'leaf.ext');
  const rootPem = readFileSync(p('root.pem'), 'utf8');
  const intermediatePem = readFileSync(p('intermediate.pem'), 'utf8');
  const identity = (name: string, keyType: KeyType): SoftwareIdentity => {
    const certPem = readFileSync(p(`${name}.pem`), 'utf8');
    return { keyPath: p(`${name}.key`), certPath: p(`${name}.pem`), certPem, signer: softwareSigner(p(`${name}.key`), certPem, [intermediatePem], keyType) };
  };
  return { dir, rootPem, intermediatePem, rootPath: p('root.pem'), intermediatePath: p('intermediate.pem'), rsa: identity('rsa', 'RSA'), ec: identity('ec', 'EC'), ec384: identity('ec384', 'EC') };
}

function issue(p: (n: string) => string, name: string, keyArgs: string[], subject: string, issuer: string, ext: string): void {
  openssl(['req', '-new', ...keyArgs, '-nodes', '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', subject, '-utf8']);
  openssl(['x509', '-req', '-in', p(`${name}.csr`), '-CA', p(`${issuer}.pem`), '-CAkey', p(`${issuer}.key`), '-CAcreateserial',
    '-out', p(`${name}.pem`), '-days', '825', '-extfile', p(ext)]);
}
