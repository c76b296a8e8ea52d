/**
 * Check a signature over a digest against the certificate's public key, before the SDK hands it to the portal:
 * a wrong signature must never reach the portal silently. WebCrypto parses the key (importKey/exportKey) and
 * computes hashes; because WebCrypto's verify() always hashes the message itself and we only hold the digest,
 * the final public-key step is done here with BigInt arithmetic (public data only, so timing does not matter).
 */
import { DIGEST_INFO_PREFIX_HEX, type HashAlgorithm, type SignatureScheme } from '../../shared/domain/algorithms.js';
import { base64UrlToBigInt, bigIntToBytes, bytesToBigInt, ecdsaSignatureValues, subjectPublicKeyInfo } from './der.js';
import { CURVES, type Curve } from './ec-curves.js';

export interface DigestSignature {
  readonly certificate: Uint8Array;
  readonly digest: Uint8Array;
  readonly hashAlgorithm: HashAlgorithm;
  readonly scheme: SignatureScheme;
  readonly signature: Uint8Array;
}

/** True only when the signature is valid for this digest and certificate key; malformed input is false. */
export async function verifyDigestSignature(input: DigestSignature): Promise<boolean> {
  const check = await digestVerifier(input.certificate, input.hashAlgorithm, input.scheme);
  return check ? check(input.digest, input.signature) : false;
}

/**
 * A verifier for many digests signed by one certificate with one scheme (signHashes): the key is parsed once,
 * each call then costs only the public-key step. Undefined when the certificate's key cannot be read.
 */
export async function digestVerifier(certificate: Uint8Array, hashAlgorithm: HashAlgorithm, scheme: SignatureScheme):
  Promise<((digest: Uint8Array, signature: Uint8Array) => Promise<boolean>) | undefined> {
  let spki: Uint8Array;
  try {
    spki = subjectPublicKeyInfo(certificate);
  } catch {
    return undefined;
  }
  if (scheme === 'ECDSA') {
    const key = await importEcKey(spki);
    if (!key) return undefined;
    return async (digest, signature) => {
      try {
        return verifyEcdsa(key.curve, key.x, key.y, digest, signature);
      } catch {
        return false;
      }
    };
  }
  const key = await importRsaKey(spki);
  if (!key) return undefined;
  const k = Math.ceil(bitLength(key.n) / 8);
  return async (digest, signature) => {
    try {
      if (signature.length !== k) return false;
      const s = bytesToBigInt(signature);
      if (s >= key.n) return false;
      const m = modPow(s, key.e, key.n);
      return scheme === 'RSA-PSS' ? await verifyPss(m, key.n, digest, hashAlgorithm) : verifyPkcs1(m, k, digest, hashAlgorithm);
    } catch {
      return false;
    }
  };
}

// ── RSA ─────────────────────────────────────────────────────────────────────

async function importRsaKey(spki: Uint8Array): Promise<{ n: bigint; e: bigint } | undefined> {
  for (const name of ['RSASSA-PKCS1-v1_5', 'RSA-PSS']) {
    try {
      const key = await crypto.subtle.importKey('spki', spki as BufferSource, { name, hash: 'SHA-256' }, true, ['verify']);
      const jwk = await crypto.subtle.exportKey('jwk', key);
      if (jwk.n && jwk.e) return { n: base64UrlToBigInt(jwk.n), e: base64UrlToBigInt(jwk.e) };
    } catch { /* try the next algorithm */ }
  }
  return undefined;
}

/** EMSA-PKCS1-v1_5 [RFC 8017 §9.2]: 00 01 FF…FF 00 ‖ DigestInfo ‖ H, compared as a whole. */
function verifyPkcs1(m: bigint, k: number, digest: Uint8Array, hash: HashAlgorithm): boolean {
  const prefix = hexToBytes(DIGEST_INFO_PREFIX_HEX[hash]);
  const tLength = prefix.length + digest.length;
  if (k < tLength + 11) return false;
  const expected = new Uint8Array(k);
  expected[1] = 0x01;
  expected.fill(0xff, 2, k - tLength - 1);
  expected.set(prefix, k - tLength);
  expected.set(digest, k - digest.length);
  return equalBytes(bigIntToBytes(m, k), expected);
}

/** EMSA-PSS-VERIFY [RFC 8017 §9.1.2] with MGF1 over the same hash; any salt length is accepted. */
async function verifyPss(m: bigint, n: bigint, digest: Uint8Array, hash: HashAlgorithm): Promise<boolean> {
  const emBits = bitLength(n) - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = digest.length;
  if (m >= 1n << BigInt(emLen * 8)) return false;
  const em = bigIntToBytes(m, emLen);
  if (emLen < hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topBits = 8 * emLen - emBits;
  const topMask = (0xff << (8 - topBits)) & 0xff;
  if ((maskedDb[0]! & topMask) !== 0) return false;
  const dbMask = await mgf1(h, maskedDb.length, hash);
  const db = maskedDb.map((b, i) => b ^ dbMask[i]!);
  db[0] = db[0]! & ~topMask;
  const one = db.findIndex((b) => b !== 0);
  if (one < 0 || db[one] !== 0x01) return false;
  const salt = db.subarray(one + 1);
  const mPrime = new Uint8Array(8 + hLen + salt.length);
  mPrime.set(digest, 8);
  mPrime.set(salt, 8 + hLen);
  const hPrime = new Uint8Array(await crypto.subtle.digest(hash, mPrime));
  return equalBytes(h, hPrime);
}

async function mgf1(seed: Uint8Array, length: number, hash: HashAlgorithm): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let filled = 0;
  for (let counter = 0; filled < length; counter++) {
    const block = new Uint8Array(seed.length + 4);
    block.set(seed);
    new DataView(block.buffer).setUint32(seed.length, counter);
    const digest = new Uint8Array(await crypto.subtle.digest(hash, block));
    out.set(digest.subarray(0, Math.min(digest.length, length - filled)), filled);
    filled += digest.length;
  }
  return out;
}

// ── ECDSA [FIPS 186-4 §6.4.2 / SEC 1 §4.1.4] ───────────────────────────────

async function importEcKey(spki: Uint8Array): Promise<{ curve: Curve; x: bigint; y: bigint } | undefined> {
  for (const curve of Object.values(CURVES)) {
    try {
      const key = await crypto.subtle.importKey('spki', spki as BufferSource, { name: 'ECDSA', namedCurve: curve.name }, true, ['verify']);
      const jwk = await crypto.subtle.exportKey('jwk', key);
      if (jwk.x && jwk.y) return { curve, x: base64UrlToBigInt(jwk.x), y: base64UrlToBigInt(jwk.y) };
    } catch { /* not this curve */ }
  }
  return undefined;
}

/** Jacobian coordinates (x = X/Z², y = Y/Z³); Z = 0 is the point at infinity. No inversion until the end. */
type Jacobian = { X: bigint; Y: bigint; Z: bigint };
const INFINITY: Jacobian = { X: 1n, Y: 1n, Z: 0n };

function verifyEcdsa(curve: Curve, qx: bigint, qy: bigint, digest: Uint8Array, signature: Uint8Array): boolean {
  const { r, s } = ecdsaSignatureValues(signature);
  const { n, p } = curve;
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  // e = the leftmost bits of the digest, as many as the order has [SEC 1 §4.1.4 step 5].
  let e = bytesToBigInt(digest);
  const excess = digest.length * 8 - bitLength(n);
  if (excess > 0) e >>= BigInt(excess);
  const w = modInverse(s, n);
  const u1 = mod(e * w, n);
  const u2 = mod(r * w, n);
  // u1·G + u2·Q in one pass (Shamir's trick).
  const g: Jacobian = { X: curve.gx, Y: curve.gy, Z: 1n };
  const q: Jacobian = { X: qx, Y: qy, Z: 1n };
  const gq = addJ(p, g, q);
  let point = INFINITY;
  for (let bit = Math.max(bitLength(u1), bitLength(u2)) - 1; bit >= 0; bit--) {
    point = doubleJ(p, point);
    const b1 = (u1 >> BigInt(bit)) & 1n;
    const b2 = (u2 >> BigInt(bit)) & 1n;
    if (b1 && b2) point = addJ(p, point, gq);
    else if (b1) point = addJ(p, point, g);
    else if (b2) point = addJ(p, point, q);
  }
  if (point.Z === 0n) return false;
  const x = mod(point.X * modInverse(point.Z * point.Z, p), p);
  return mod(x, n) === r;
}

/** Doubling for a = −3 ["dbl-2001-b", Explicit-Formulas Database]. */
function doubleJ(p: bigint, a: Jacobian): Jacobian {
  if (a.Z === 0n || a.Y === 0n) return INFINITY;
  const delta = mod(a.Z * a.Z, p);
  const gamma = mod(a.Y * a.Y, p);
  const beta = mod(a.X * gamma, p);
  const alpha = mod(3n * (a.X - delta) * (a.X + delta), p);
  const X = mod(alpha * alpha - 8n * beta, p);
  const Z = mod((a.Y + a.Z) ** 2n - gamma - delta, p);
  const Y = mod(alpha * (4n * beta - X) - 8n * gamma * gamma, p);
  return { X, Y, Z };
}

/** General addition ["add-2007-bl", Explicit-Formulas Database]. */
function addJ(p: bigint, a: Jacobian, b: Jacobian): Jacobian {
  if (a.Z === 0n) return b;
  if (b.Z === 0n) return a;
  const z1z1 = mod(a.Z * a.Z, p);
  const z2z2 = mod(b.Z * b.Z, p);
  const u1 = mod(a.X * z2z2, p);
  const u2 = mod(b.X * z1z1, p);
  const s1 = mod(a.Y * b.Z * z2z2, p);
  const s2 = mod(b.Y * a.Z * z1z1, p);
  const h = mod(u2 - u1, p);
  const rr = mod(2n * (s2 - s1), p);
  if (h === 0n) return rr === 0n ? doubleJ(p, a) : INFINITY;
  const i = mod(4n * h * h, p);
  const j = mod(h * i, p);
  const v = mod(u1 * i, p);
  const X = mod(rr * rr - j - 2n * v, p);
  const Y = mod(rr * (v - X) - 2n * s1 * j, p);
  const Z = mod(((a.Z + b.Z) ** 2n - z1z1 - z2z2) * h, p);
  return { X, Y, Z };
}

// ── arithmetic ──────────────────────────────────────────────────────────────

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new Error('not invertible');
  return mod(oldS, m);
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = mod(base, modulus);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
