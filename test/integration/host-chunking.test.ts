/**
 * A host reply larger than a browser accepts in one message (1 MiB) crosses as `host.chunk` frames:
 * a token holding many large certificates makes `host.listCertificates` exceed it for real.
 */
import 'reflect-metadata';
import { beforeAll, describe, expect, it } from 'vitest';
import * as x509 from '@peculiar/x509';
import { webcrypto, randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import * as v from 'valibot';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { buildTestHost, spawnHost, type BuiltHost } from '../helpers/host-process.js';
import { ChunkJoiner } from '../../shared/protocol/chunking.js';
import { HostReplySchema } from '../../shared/protocol/host-messages.js';
import { HOST_TO_BROWSER_MAX_FRAME_BYTES } from '../../shared/limits.js';

const CERT_COUNT = 48;
/** A private extension padding each certificate to ~24 KiB of DER (real certificates carry big policy texts). */
const PADDING_BYTES = 24 * 1024;

let token: DemoToken;
let built: BuiltHost;

async function writeBigCertificates(): Promise<void> {
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify']) as CryptoKeyPair;
  const lib = new pkcs11js.PKCS11();
  lib.load(token.module);
  lib.C_Initialize();
  try {
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === token.tokenLabel)!;
    const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    lib.C_Login(session, pkcs11js.CKU_USER, token.userPin);
    for (let i = 0; i < CERT_COUNT; i++) {
      const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: (0x1000 + i).toString(16),
        name: `C=VN, CN=Phạm Thị Dung ${i}`,
        notBefore: new Date(Date.now() - 86_400_000),
        notAfter: new Date(Date.now() + 86_400_000),
        keys,
        signingAlgorithm: alg,
        extensions: [new x509.Extension('1.3.6.1.4.1.55555.1', false, new Uint8Array(randomBytes(PADDING_BYTES)))],
      });
      lib.C_CreateObject(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
        { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: false },
        { type: pkcs11js.CKA_LABEL, value: `big-${i}` },
        { type: pkcs11js.CKA_ID, value: Buffer.from([0xb0, i]) },
        { type: pkcs11js.CKA_SUBJECT, value: Buffer.from(cert.subjectName.toArrayBuffer()) },
        { type: pkcs11js.CKA_VALUE, value: Buffer.from(cert.rawData) },
      ]);
    }
    lib.C_Logout(session);
    lib.C_CloseSession(session);
  } finally {
    lib.C_Finalize();
  }
}

beforeAll(async () => {
  [token, built] = await Promise.all([createDemoToken(), buildTestHost()]);
  process.env.SOFTHSM2_CONF = token.softhsm2Conf;
  await writeBigCertificates();
});

describe('host replies larger than one frame', () => {
  it('listCertificates over 1 MiB arrives as ordered host.chunk frames that join to a valid result', async () => {
    const host = spawnHost(built.hostPath, { env: token.env });
    try {
      host.send({ v: 1, id: 'big', type: 'host.listCertificates', payload: { filter: { withPrivateKey: false } } });
      const last = await host.waitFor((f) => f.id === 'big' && f.type === 'host.chunk' && f.index === (f.count ?? 0) - 1, 60_000);
      const chunks = host.frames.filter((f) => f.id === 'big');
      expect(chunks.every((f) => f.type === 'host.chunk')).toBe(true);
      expect(chunks).toHaveLength(last.count!);
      expect(chunks.length).toBeGreaterThanOrEqual(2);

      // Each frame on the wire stays within what a browser accepts.
      const bytes = host.stdoutBytes();
      for (let offset = 0; offset < bytes.length;) {
        const n = bytes.readUInt32LE(offset);
        expect(n).toBeLessThanOrEqual(HOST_TO_BROWSER_MAX_FRAME_BYTES);
        offset += 4 + n;
      }

      const joiner = new ChunkJoiner('big');
      let whole: unknown;
      for (const c of chunks) {
        expect(v.safeParse(HostReplySchema, c).success).toBe(true);
        whole = joiner.add(c as Parameters<ChunkJoiner['add']>[0]);
      }
      const reply = whole as { type: string; payload: { certificates: Array<{ subject: { commonName?: string } }> } };
      expect(reply.type).toBe('host.result');
      expect(Buffer.byteLength(JSON.stringify(reply))).toBeGreaterThan(HOST_TO_BROWSER_MAX_FRAME_BYTES);
      const names = reply.payload.certificates.map((c) => c.subject.commonName);
      for (let i = 0; i < CERT_COUNT; i++) expect(names).toContain(`Phạm Thị Dung ${i}`);

      // The host is still in step after the big reply.
      expect((await host.request('host.hello', { extensionVersion: '0.1.0' })).type).toBe('host.result');
    } finally {
      await host.close();
    }
  });
});
