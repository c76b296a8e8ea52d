/**
 * The built native host, started as a browser would start it, against a fresh SoftHSM2 demo token.
 * Signatures are checked with node:crypto against the certificate the host returned — not with our code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, verify, X509Certificate, constants } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { buildTestHost, spawnHost, frame, type BuiltHost, type HostProcess } from '../helpers/host-process.js';

let token: DemoToken;
let built: BuiltHost;
let host: HostProcess;

beforeAll(async () => {
  [token, built] = await Promise.all([createDemoToken(), buildTestHost()]);
  host = spawnHost(built.hostPath, { env: token.env });
});

afterAll(async () => {
  await host?.close();
});

const DOCUMENT = Buffer.from('Hợp đồng số 01/2026 — bên A và bên B đồng ý ký.', 'utf8');
/** A PIN that cannot occur by chance in certificates or ids (the demo PIN 123456 is inside MST 0101234567). */
const WRONG_PIN = 'Zq9-kyso-wrong';
const NODE_HASH = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const;

function certId(name: Parameters<DemoToken['cert']>[0]): string {
  return token.cert(name).certificateId;
}

describe('kyso-host over stdin/stdout', () => {
  it('answers hello with versions and the loaded module', async () => {
    const reply = await host.request('host.hello', { extensionVersion: '0.1.0' });
    expect(reply.type).toBe('host.result');
    expect(reply.payload.protocolVersion).toBe(1);
    // The driver named in KYSO_PKCS11_MODULE, recognised by its file name in the known-drivers table.
    expect(reply.payload.modules).toEqual([{ path: token.module, loaded: true, vendor: 'SoftHSM2', foundBy: 'environment' }]);
  });

  it('lists the demo token with its PIN flags', async () => {
    const reply = await host.request('host.listTokens', {});
    const tokens = reply.payload.tokens as Array<{ label: string; flags: Record<string, boolean>; id: string }>;
    expect(tokens).toHaveLength(1); // SoftHSM's spare uninitialised slot is not a token anyone can use
    expect(tokens[0]!.label).toBe('Kyso Demo');
    expect(tokens[0]!.flags).toMatchObject({ loginRequired: true, userPinInitialized: true, userPinLocked: false, protectedAuthenticationPath: false });
    // The id is stable across processes (derived from module + serial, not the slot number).
    const second = spawnHost(built.hostPath, { env: token.env });
    const again = await second.request('host.listTokens', {});
    await second.close();
    expect(again.payload.tokens[0].id).toBe(tokens[0]!.id);
  });

  it('lists certificates with Vietnamese names intact and identifiers parsed', async () => {
    const reply = await host.request('host.listCertificates', {});
    const certs = reply.payload.certificates as Array<any>;
    // The issuing CA certificate has no key on the token: not offered for signing by default.
    expect(certs.map((c) => c.id).sort()).toEqual(token.certificates.map((c) => c.certificateId).sort());
    const org = certs.find((c) => c.id === certId('org-rsa'));
    expect(org.subject.commonName).toBe('Công ty TNHH Kyso Thử Nghiệm');
    expect(org.subject.locality).toBe('Phường Cửa Nam, Quận Hoàn Kiếm');
    expect(org.subject.identifiers.mst).toBe('0101234567');
    expect(org.keyUsage).toEqual(expect.arrayContaining(['digitalSignature', 'nonRepudiation']));
    expect(org.token.label).toBe('Kyso Demo');
    const person = certs.find((c) => c.id === certId('person-ec'));
    expect(person.subject.commonName).toBe('Nguyễn Văn Ánh');
    expect(person.subject.identifiers.cccd).toBe('001099012345');
    expect(person.keyType).toBe('EC');
    expect(person.namedCurve).toBe('P-256');
    const expired = certs.find((c) => c.id === certId('expired-rsa'));
    expect(expired.unusableReasons).toContain('expired');
    // The DER the host returns is the certificate on disk.
    expect(Buffer.from(org.der, 'base64')).toEqual(Buffer.from(new X509Certificate(readFileSync(token.cert('org-rsa').certPem)).raw));
  });

  it('applies a filter: identifier and validNow', async () => {
    const byMst = await host.request('host.listCertificates', { filter: { subjectIdentifier: 'MST:0101234567' } });
    expect(byMst.payload.certificates.map((c: any) => c.id)).toEqual([certId('org-rsa')]);
    const valid = await host.request('host.listCertificates', { filter: { validNow: true } });
    expect(valid.payload.certificates.map((c: any) => c.id)).not.toContain(certId('expired-rsa'));
    const withCa = await host.request('host.listCertificates', { filter: { withPrivateKey: false } });
    expect(withCa.payload.certificates.some((c: any) => c.subject.commonName === 'Kyso Test Issuing CA')).toBe(true);
  });

  const rsaCases = [
    ['RSASSA-PKCS1-v1_5', 'SHA-256'], ['RSASSA-PKCS1-v1_5', 'SHA-384'], ['RSASSA-PKCS1-v1_5', 'SHA-512'],
    ['RSA-PSS', 'SHA-256'], ['RSA-PSS', 'SHA-512'],
  ] as const;
  for (const [scheme, hash] of rsaCases) {
    it(`signs with RSA ${scheme} ${hash}; node:crypto verifies it against the returned certificate`, async () => {
      const digest = createHash(NODE_HASH[hash]).update(DOCUMENT).digest();
      const reply = await host.request('host.signDigest', {
        certificateId: certId('org-rsa'), digest: digest.toString('base64'), hashAlgorithm: hash, signatureScheme: scheme, pin: token.userPin,
      });
      expect(reply.type).toBe('host.result');
      expect(reply.payload.signatureAlgorithm).toBe(scheme);
      const cert = new X509Certificate(Buffer.from(reply.payload.certificate, 'base64'));
      const key = scheme === 'RSA-PSS'
        ? { key: cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: digest.length }
        : cert.publicKey;
      const signature = Buffer.from(reply.payload.signature, 'base64');
      expect(signature).toHaveLength(256);
      expect(verify(NODE_HASH[hash], DOCUMENT, key, signature)).toBe(true);
      // A different document must not verify (the check above can fail).
      expect(verify(NODE_HASH[hash], Buffer.from('khác'), key, signature)).toBe(false);
      // The chain: the issuing CA certificate stored on the token, and it really issued the leaf.
      expect(reply.payload.chain).toHaveLength(1);
      const issuer = new X509Certificate(Buffer.from(reply.payload.chain[0], 'base64'));
      expect(issuer.subject).toContain('Kyso Test Issuing CA');
      expect(cert.verify(issuer.publicKey)).toBe(true);
    });
  }

  it('signs with ECDSA P-256; the signature is DER and verifies', async () => {
    const digest = createHash('sha256').update(DOCUMENT).digest();
    const reply = await host.request('host.signDigest', {
      certificateId: certId('person-ec'), digest: digest.toString('base64'), hashAlgorithm: 'SHA-256', pin: token.userPin,
    });
    expect(reply.payload.signatureAlgorithm).toBe('ECDSA');
    const signature = Buffer.from(reply.payload.signature, 'base64');
    expect(signature[0]).toBe(0x30); // DER SEQUENCE { r, s }, not raw r‖s
    const cert = new X509Certificate(Buffer.from(reply.payload.certificate, 'base64'));
    expect(verify('sha256', DOCUMENT, cert.publicKey, signature)).toBe(true);
    // Also verifiable by an independent verifier that wants IEEE P1363 only after conversion: node's DER path is it.
    expect(verify('sha256', DOCUMENT, { key: cert.publicKey, dsaEncoding: 'der' }, signature)).toBe(true);
  });

  it('refuses RSA-PSS for an EC key and a digest of the wrong length, with typed errors', async () => {
    const digest = createHash('sha256').update(DOCUMENT).digest();
    const pss = await host.request('host.signDigest', {
      certificateId: certId('person-ec'), digest: digest.toString('base64'), hashAlgorithm: 'SHA-256', signatureScheme: 'RSA-PSS', pin: token.userPin,
    });
    expect(pss.error.code).toBe('UNSUPPORTED_ALGORITHM');
    const short = await host.request('host.signDigest', {
      certificateId: certId('org-rsa'), digest: digest.toString('base64'), hashAlgorithm: 'SHA-384', pin: token.userPin,
    });
    expect(short.error.code).toBe('INVALID_HASH');
  });

  it('refuses to sign with the expired certificate', async () => {
    const digest = createHash('sha256').update(DOCUMENT).digest();
    const reply = await host.request('host.signDigest', {
      certificateId: certId('expired-rsa'), digest: digest.toString('base64'), hashAlgorithm: 'SHA-256', pin: token.userPin,
    });
    expect(reply.error.code).toBe('CERTIFICATE_NOT_USABLE');
    expect(reply.error.details.reasons).toContain('expired');
  });

  it('a wrong PIN gives PIN_INCORRECT with the token state, and the right PIN still works after', async () => {
    const digest = createHash('sha256').update(DOCUMENT).digest().toString('base64');
    const wrong = await host.request('host.signDigest', { certificateId: certId('person2-rsa'), digest, hashAlgorithm: 'SHA-256', pin: WRONG_PIN });
    expect(wrong.type).toBe('host.error');
    expect(wrong.error.code).toBe('PIN_INCORRECT');
    expect(['ok', 'countLow', 'finalTry']).toContain(wrong.error.details.tokenState);
    // SoftHSM2 raises CKF_USER_PIN_COUNT_LOW after a failed login; the host reports it.
    expect(wrong.error.details.tokenState).toBe('countLow');
    expect(JSON.stringify(wrong)).not.toContain(WRONG_PIN);
    const tokens = await host.request('host.listTokens', {});
    expect(tokens.payload.tokens[0].flags.userPinCountLow).toBe(true);
    const right = await host.request('host.signDigest', { certificateId: certId('person2-rsa'), digest, hashAlgorithm: 'SHA-256', pin: token.userPin });
    expect(right.type).toBe('host.result');
  });

  it('handles several requests in flight at once, each answered under its own id', async () => {
    const digest = createHash('sha256').update(DOCUMENT).digest().toString('base64');
    const ids = ['org-rsa', 'person-ec', 'person2-rsa', 'org-rsa', 'person-ec'] as const;
    const replies = await Promise.all(ids.map((name, i) => host.request('host.signDigest', {
      certificateId: certId(name), digest, hashAlgorithm: 'SHA-256', pin: token.userPin,
    }, `par${i}`)));
    replies.forEach((reply, i) => {
      expect(reply.id).toBe(`par${i}`);
      const cert = new X509Certificate(Buffer.from(reply.payload.certificate, 'base64'));
      expect(cert.raw).toEqual(new X509Certificate(readFileSync(token.cert(ids[i]!).certPem)).raw);
      expect(verify('sha256', DOCUMENT, cert.publicKey, Buffer.from(reply.payload.signature, 'base64'))).toBe(true);
    });
  });

  it('answers garbage with an error frame and stays alive', async () => {
    const before = host.frames.length;
    host.sendRaw(Buffer.concat([Buffer.from([7, 0, 0, 0]), Buffer.from('{nope!!')]));
    const error = await host.waitFor((f) => host.frames.indexOf(f) >= before && f.type === 'host.error' && f.id === '');
    expect(error.error.code).toBe('PROTOCOL_ERROR');
    // A request split across writes and merged with the next one in a single write still works.
    const a = frame({ v: 1, id: 'split1', type: 'host.hello', payload: { extensionVersion: 'x' } });
    const b = frame({ v: 1, id: 'split2', type: 'host.listTokens', payload: {} });
    host.sendRaw(a.subarray(0, 3));
    await new Promise((r) => setTimeout(r, 20));
    host.sendRaw(Buffer.concat([a.subarray(3), b]));
    await host.waitFor((f) => f.id === 'split1');
    await host.waitFor((f) => f.id === 'split2');
    // Schema violations are answered under the request id.
    const bad = await host.request('host.signDigest', { certificateId: certId('org-rsa'), digest: '!!', hashAlgorithm: 'MD5', pin: token.userPin });
    expect(bad.error.code).toBe('BAD_REQUEST');
    expect(JSON.stringify(bad)).not.toContain(token.userPin);
    const version = await new Promise<any>((resolve) => {
      host.send({ v: 99, id: 'ver1', type: 'host.hello', payload: { extensionVersion: 'x' } });
      void host.waitFor((f) => f.id === 'ver1').then(resolve);
    });
    expect(version.error.code).toBe('UNSUPPORTED_VERSION');
    const unknown = await host.request('host.formatDisk', {});
    expect(unknown.error.code).toBe('BAD_REQUEST');
    const hello = await host.request('host.hello', { extensionVersion: '0.1.0' });
    expect(hello.type).toBe('host.result');
  });

  it('writes nothing but frames on stdout, and never the PIN anywhere', () => {
    const bytes = host.stdoutBytes();
    let offset = 0;
    let count = 0;
    while (offset < bytes.length) {
      const n = bytes.readUInt32LE(offset);
      expect(offset + 4 + n).toBeLessThanOrEqual(bytes.length);
      JSON.parse(bytes.subarray(offset + 4, offset + 4 + n).toString('utf8'));
      offset += 4 + n;
      count++;
    }
    expect(offset).toBe(bytes.length);
    expect(count).toBe(host.frames.length);
    expect(bytes.includes(Buffer.from(WRONG_PIN))).toBe(false);
    expect(host.stderrText()).not.toContain(WRONG_PIN);
    expect(host.stderrText()).not.toContain(token.userPin);
    expect(host.stderrText()).toContain('request done');
  });

  it('exits cleanly when the extension disconnects (stdin closes); KYSO_LOG_FILE gets the log, without the PIN', async () => {
    const logFile = join(token.dir, 'host.log');
    const h = spawnHost(built.hostPath, { env: { ...token.env, KYSO_LOG_FILE: logFile } });
    await h.request('host.hello', { extensionVersion: '0.1.0' });
    const digest = createHash('sha256').update(DOCUMENT).digest().toString('base64');
    await h.request('host.signDigest', { certificateId: certId('person2-rsa'), digest, hashAlgorithm: 'SHA-256', pin: WRONG_PIN });
    expect(await h.close()).toBe(0);
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain('host started');
    expect(log).toContain('PIN_INCORRECT');
    expect(log).toContain('host stopped');
    expect(log).not.toContain(WRONG_PIN);
  });

  it('gives up on an absurd length prefix with one error frame and exits', async () => {
    const h = spawnHost(built.hostPath, { env: token.env });
    h.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    const error = await h.waitFor((f) => f.type === 'host.error');
    expect(error.error.code).toBe('FRAME_TOO_LARGE');
    h.child.stdin.end();
    expect(await h.exited).toBe(0);
  });
});

describe('caller check', () => {
  it('refuses an extension that is not Kyso with CALLER_NOT_ALLOWED and exits', async () => {
    const h = spawnHost(built.hostPath, { env: token.env, args: [`chrome-extension://${'a'.repeat(32)}/`] });
    const error = await h.waitFor((f) => f.type === 'host.error');
    expect(error.id).toBe('');
    expect(error.error.code).toBe('CALLER_NOT_ALLOWED');
    expect(await h.exited).toBe(1);
    h.send({ v: 1, id: 'late', type: 'host.listTokens', payload: {} });
    expect(h.frames).toHaveLength(1);
  });

  it('refuses a start without any caller argument', async () => {
    const h = spawnHost(built.hostPath, { env: token.env, args: [] });
    expect((await h.waitFor((f) => f.type === 'host.error')).error.code).toBe('CALLER_NOT_ALLOWED');
    expect(await h.exited).toBe(1);
  });

  it('accepts Firefox arguments (manifest path, add-on id) for kyso@kyso.vn', async () => {
    const h = spawnHost(built.hostPath, { env: token.env, args: ['/home/u/.mozilla/native-messaging-hosts/vn.kyso.host.json', 'kyso@kyso.vn'] });
    const reply = await h.request('host.hello', { extensionVersion: '0.1.0' });
    expect(reply.type).toBe('host.result');
    await h.close();
  });

  it('accepts an extra extension id given in KYSO_ALLOWED_EXTENSIONS', async () => {
    const id = 'b'.repeat(32);
    const h = spawnHost(built.hostPath, { env: { ...token.env, KYSO_ALLOWED_EXTENSIONS: `x@y.z, ${id}` }, args: [`chrome-extension://${id}/`] });
    expect((await h.request('host.hello', { extensionVersion: '0.1.0' })).type).toBe('host.result');
    await h.close();
  });
});
