/**
 * TokenService (the facade the CLI and host share) against a fresh SoftHSM2 demo token, in process.
 * Every CKR mapping asserted here is provoked on the real token, not simulated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pkcs11js from 'pkcs11js';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { TokenService } from '../../native-host/token/token-service.js';
import { CKR_TO_ERROR_CODE, ckrName, pinTokenStateFromFlags, toKysoError } from '../../native-host/token/pkcs11-errors.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { rawEcdsaToDer } from '../../native-host/token/ecdsa-der.js';

let token: DemoToken;
let service: TokenService;
const digest = createHash('sha256').update('tài liệu').digest();

beforeAll(async () => {
  token = await createDemoToken();
  // The module reads SOFTHSM2_CONF when it is initialised: set it before the service loads it.
  process.env.SOFTHSM2_CONF = token.softhsm2Conf;
  service = new TokenService({ modulePaths: [token.module] });
});

afterAll(() => service?.close());

describe('TokenService', () => {
  it('finds a certificate by id, by MST and by CCCD', async () => {
    const org = token.cert('org-rsa');
    expect((await service.findCertificate(org.certificateId)).subject.identifiers.mst).toBe('0101234567');
    expect((await service.findCertificate('MST:0101234567')).id).toBe(org.certificateId);
    expect((await service.findCertificate('mst: 0101234567')).id).toBe(org.certificateId);
    expect((await service.findCertificate('CCCD:001099012345')).id).toBe(token.cert('person-ec').certificateId);
  });

  it('says CERTIFICATE_NOT_FOUND for an unknown selector', async () => {
    await expect(service.findCertificate('MST:9999999999')).rejects.toMatchObject({ code: 'CERTIFICATE_NOT_FOUND' });
    await expect(service.findCertificate('no-such-id-0000000000')).rejects.toMatchObject({ code: 'CERTIFICATE_NOT_FOUND' });
  });

  it('one login serves many signatures (batch), each verifiable', async () => {
    const signer = await service.openSigner('MST:0101234567', token.userPin);
    try {
      const cert = new X509Certificate(Buffer.from(signer.certificate));
      expect(signer.chain).toHaveLength(1);
      const docs = Array.from({ length: 20 }, (_, i) => Buffer.from(`hoá đơn số ${i}`));
      const sigs = await Promise.all(docs.map((d) => signer.signDigest(createHash('sha256').update(d).digest(), 'SHA-256')));
      sigs.forEach((s, i) => expect(verify('sha256', docs[i]!, cert.publicKey, s)).toBe(true));
    } finally {
      await signer.close();
    }
    await expect(signer.signDigest(digest, 'SHA-256')).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
  });

  it('serialises signers on one token: the second waits for the first to close, and its PIN is checked', async () => {
    const first = await service.openSigner('MST:0101234567', token.userPin);
    let secondOpened = false;
    const second = service.openSigner('CCCD:079199000001', 'Zq9-wrong').then((s) => { secondOpened = true; return s; });
    await new Promise((r) => setTimeout(r, 100));
    expect(secondOpened).toBe(false);
    await first.close();
    // Had the first login been reused, a wrong PIN would have "worked".
    await expect(second).rejects.toMatchObject({ code: 'PIN_INCORRECT' });
    const third = await service.openSigner('CCCD:079199000001', token.userPin);
    await third.close();
  });

  it('refuses the expired certificate unless explicitly allowed (for verifier tests)', async () => {
    await expect(service.openSigner('CCCD:001088000009', token.userPin)).rejects.toMatchObject({ code: 'CERTIFICATE_NOT_USABLE' });
    const signer = await service.openSigner('CCCD:001088000009', token.userPin, { allowUnusable: true });
    const sig = await signer.signDigest(digest, 'SHA-256');
    await signer.close();
    expect(verify('sha256', Buffer.from('tài liệu'), new X509Certificate(readFileSync(token.cert('expired-rsa').certPem)).publicKey, sig)).toBe(true);
  });

  it('a certificate without a key (the issuing CA) gives KEY_NOT_FOUND', async () => {
    const all = await service.listCertificates({ withPrivateKey: false });
    const ca = all.find((c) => c.subject.commonName === 'Kyso Test Issuing CA');
    expect(ca?.unusableReasons).toContain('noPrivateKey');
    await expect(service.openSigner(ca!.id, token.userPin, { allowUnusable: true })).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
  });

  it('two services in one process share the module; closing one leaves the other working', async () => {
    const second = new TokenService({ modulePaths: [token.module] });
    expect(second.modules()).toEqual([{ path: token.module, loaded: true }]);
    second.close();
    expect((await service.listTokens()).map((t) => t.label)).toEqual([token.tokenLabel]);
  });

  it('a module that does not exist is reported, not thrown', () => {
    const other = new TokenService({ modulePaths: ['/nonexistent/libnothing.so'] });
    expect(other.modules()).toEqual([{ path: '/nonexistent/libnothing.so', loaded: false, error: 'PKCS11_MODULE_NOT_FOUND' }]);
    return expect(other.listTokens()).rejects.toMatchObject({ code: 'PKCS11_MODULE_NOT_FOUND' });
  });
});

describe('CKR → catalogue mapping, provoked on the real token', () => {
  it('wrong PIN → PIN_INCORRECT with tokenState from the token flags', async () => {
    const error = await service.openSigner('MST:0101234567', 'Zq9-wrong').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KysoError);
    expect(error).toMatchObject({ code: 'PIN_INCORRECT', details: { ckr: 'CKR_PIN_INCORRECT', tokenState: 'countLow' } });
  });

  // SoftHSM2 answers CKR_PIN_INCORRECT for any PIN length, so CKR_PIN_LEN_RANGE is covered by the table below only.

  it('a mechanism the key cannot do → MECHANISM_NOT_SUPPORTED', async () => {
    // SoftHSM 2.6.1 has no CKM_ECDSA_SHA256 (E2E-RECIPE): a real CKR_MECHANISM_INVALID from the token.
    const lib = new pkcs11js.PKCS11();
    lib.load(token.module);
    // Same library as the service's: already initialised in this process, and it must not be finalised here.
    try { lib.C_Initialize(); } catch (e) { expect((e as { code: number }).code).toBe(pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED); }
    {
      const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === token.tokenLabel)!;
      const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      lib.C_Login(session, pkcs11js.CKU_USER, token.userPin);
      lib.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, { type: pkcs11js.CKA_ID, value: Buffer.from(token.cert('person-ec').ckaId, 'hex') }]);
      const [key] = lib.C_FindObjects(session, 1);
      lib.C_FindObjectsFinal(session);
      let thrown: unknown;
      try { lib.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA_SHA256 }, key!); } catch (e) { thrown = e; }
      const mapped = toKysoError(thrown, { operation: 'C_SignInit' });
      expect(mapped.details?.ckr).toBe('CKR_MECHANISM_INVALID');
      expect(mapped.code).toBe('MECHANISM_NOT_SUPPORTED');
      lib.C_Logout(session);
      lib.C_CloseSession(session);
    }
  });

  it('maps the table by code, and anything else to TOKEN_ERROR with the CKR name', () => {
    const cases: Array<[number, string]> = [
      [pkcs11js.CKR_PIN_INCORRECT, 'PIN_INCORRECT'], [pkcs11js.CKR_PIN_LOCKED, 'PIN_LOCKED'],
      [pkcs11js.CKR_PIN_LEN_RANGE, 'PIN_INVALID_FORMAT'], [pkcs11js.CKR_PIN_EXPIRED, 'PIN_EXPIRED'],
      [pkcs11js.CKR_TOKEN_NOT_PRESENT, 'TOKEN_REMOVED'], [pkcs11js.CKR_DEVICE_REMOVED, 'TOKEN_REMOVED'],
      [pkcs11js.CKR_SESSION_HANDLE_INVALID, 'TOKEN_REMOVED'], [pkcs11js.CKR_MECHANISM_INVALID, 'MECHANISM_NOT_SUPPORTED'],
    ];
    for (const [ckr, code] of cases) {
      expect(CKR_TO_ERROR_CODE.get(ckr)).toBe(code);
      // Simulated: pkcs11js errors for faults SoftHSM cannot produce on demand (a pulled-out token).
      const mapped = toKysoError(new pkcs11js.Pkcs11Error(`${ckrName(ckr)}:${ckr}`, ckr, 'C_Sign'));
      expect(mapped.code).toBe(code);
      expect(mapped.details?.ckr).toBe(ckrName(ckr));
    }
    const other = toKysoError(new pkcs11js.Pkcs11Error(`CKR_DEVICE_MEMORY:${pkcs11js.CKR_DEVICE_MEMORY}`, pkcs11js.CKR_DEVICE_MEMORY));
    expect(other).toMatchObject({ code: 'TOKEN_ERROR', details: { ckr: 'CKR_DEVICE_MEMORY' } });
    // A non-PKCS#11 error does not leak its text (it may hold paths).
    const plain = toKysoError(new Error('/home/secret/path exploded'));
    expect(plain.code).toBe('TOKEN_ERROR');
    expect(JSON.stringify(plain.details)).not.toContain('secret');
    expect(pinTokenStateFromFlags(pkcs11js.CKF_USER_PIN_FINAL_TRY | pkcs11js.CKF_USER_PIN_COUNT_LOW)).toBe('finalTry');
    expect(pinTokenStateFromFlags(0)).toBe('ok');
  });
});

describe('rawEcdsaToDer', () => {
  it('adds a zero byte to high-bit integers and strips leading zeros', () => {
    const raw = new Uint8Array(64);
    raw[0] = 0x80; raw[31] = 1; // r = 0x80…01 (needs a 0x00 pad)
    raw[63] = 5; // s = 5 (31 leading zeros stripped)
    const der = Buffer.from(rawEcdsaToDer(raw));
    expect(der.subarray(0, 4).toString('hex')).toBe('30260221');
    expect(der.subarray(4, 5).toString('hex')).toBe('00');
    expect(der.subarray(-3).toString('hex')).toBe('020105');
  });
});
