/**
 * The physical floor: pkcs11js alone on the same SoftHSM2 token, no Kyso code. One session, one login, then
 * C_SignInit + C_Sign in a loop over the same DigestInfo/digest the host would send.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');

export function openBareSession(token, certName) {
  const pkcs11js = require('pkcs11js');
  const cert = token.certificates.find((c) => c.name === certName);
  const lib = new pkcs11js.PKCS11();
  lib.load(token.module);
  lib.C_Initialize();
  const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === token.tokenLabel);
  const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
  const login = () => lib.C_Login(session, pkcs11js.CKU_USER, token.userPin);
  const findKey = () => {
    lib.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, { type: pkcs11js.CKA_ID, value: Buffer.from(cert.ckaId, 'hex') }]);
    const [key] = lib.C_FindObjects(session, 1);
    lib.C_FindObjectsFinal(session);
    return key;
  };
  const mechanism = { mechanism: cert.keyType === 'EC' ? pkcs11js.CKM_ECDSA : pkcs11js.CKM_RSA_PKCS };
  const input = (digest) => (cert.keyType === 'EC' ? digest : Buffer.concat([SHA256_DIGEST_INFO_PREFIX, digest]));
  const sign = (key, digest) => {
    lib.C_SignInit(session, mechanism, key);
    return lib.C_Sign(session, input(digest), Buffer.alloc(512));
  };
  const logout = () => lib.C_Logout(session);
  const close = () => {
    lib.C_CloseSession(session);
    lib.C_Finalize();
  };
  return { login, findKey, sign, logout, close };
}

/** Per-signature times of C_SignInit + C_Sign, logged in once (ms). */
export function bareSignTimes(token, certName, n) {
  const s = openBareSession(token, certName);
  try {
    s.login();
    const key = s.findKey();
    const digest = createHash('sha256').update('bench').digest();
    for (let i = 0; i < 5; i++) s.sign(key, digest);
    const times = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      s.sign(key, digest);
      times.push(performance.now() - t);
    }
    s.logout();
    return times;
  } finally {
    s.close();
  }
}

/** Wall time of one login, `digests.length` signatures and a logout: what signHashes does, minus Kyso (ms). */
export function bareBatchMs(token, certName, digests) {
  const s = openBareSession(token, certName);
  try {
    const t = performance.now();
    s.login();
    const key = s.findKey();
    for (const d of digests) s.sign(key, d);
    s.logout();
    return performance.now() - t;
  } finally {
    s.close();
  }
}

/** CPU ms per C_SignInit + C_Sign (this process, all threads), logged in once: the token's own CPU cost. */
export function bareSignCpuMs(token, certName, n) {
  const s = openBareSession(token, certName);
  try {
    s.login();
    const key = s.findKey();
    const digest = createHash('sha256').update('bench').digest();
    for (let i = 0; i < 5; i++) s.sign(key, digest);
    const before = process.cpuUsage();
    for (let i = 0; i < n; i++) s.sign(key, digest);
    const used = process.cpuUsage(before);
    s.logout();
    return (used.user + used.system) / 1000 / n;
  } finally {
    s.close();
  }
}
