/**
 * Sign-in with the token (`kyso.authenticate`), after Web eID's authentication token [web-eid.js, "Web eID
 * authentication token format" v1.0]. The server sends a fresh random challenge; the person approves in
 * Kyso's window; the token signs
 *
 *     signedData = H(UTF-8 bytes of origin) ‖ H(ASCII bytes of the challenge string, exactly as sent)
 *
 * with the scheme `signatureAlgorithm` and hash `hashAlgorithm` H (the same H for the two inner hashes and
 * the signature's own hash; RSASSA-PKCS1-v1_5 / RSA-PSS / ECDSA over signedData as WebCrypto's verify()
 * takes it). `origin` is what the BROWSER says the requesting frame is, never what the page wrote, so a token
 * phished on another site does not verify for the real one. ECDSA signatures are DER (SEQUENCE { r, s }).
 * Shared by the extension (builds it) and sdk/server (verifies it); no DOM, no node: imports.
 */
import * as v from 'valibot';
import { Base64Schema, CertificateDerSchema, HashAlgorithmSchema, SignatureSchemeSchema } from './common.js';
import { ORIGIN_MAX_CHARS } from '../limits.js';
import type { HashAlgorithm, KeyType } from '../domain/algorithms.js';

export const AUTH_TOKEN_FORMAT = 'kyso-auth:1' as const;
/** Challenge size in bytes once base64-decoded: ≥ 32 (256 bits, Web eID's minimum) and ≤ 128. */
export const AUTH_CHALLENGE_MIN_BYTES = 32;
export const AUTH_CHALLENGE_MAX_BYTES = 128;

/** Bytes a strict base64 string decodes to. */
function decodedLength(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/** The server's nonce, standard base64 (RFC 4648 §4, padded), 32–128 bytes. */
export const AuthChallengeSchema = v.pipe(
  Base64Schema(AUTH_CHALLENGE_MAX_BYTES),
  v.check((text) => decodedLength(text) >= AUTH_CHALLENGE_MIN_BYTES, `challenge must be at least ${AUTH_CHALLENGE_MIN_BYTES} bytes`),
);

export const AuthTokenSchema = v.strictObject({
  format: v.literal(AUTH_TOKEN_FORMAT),
  /** The requesting frame's origin, from the browser (e.g. "https://dichvucong.gov.vn"). */
  origin: v.pipe(v.string(), v.minLength(1), v.maxLength(ORIGIN_MAX_CHARS)),
  /** The challenge exactly as the page passed it. */
  challenge: AuthChallengeSchema,
  /** The signer's certificate, base64 DER. */
  certificate: CertificateDerSchema,
  /** Issuer certificates found on the token, leaf's issuer first (untrusted hints for path building). */
  chain: v.pipe(v.array(CertificateDerSchema), v.maxLength(10)),
  signatureAlgorithm: SignatureSchemeSchema,
  hashAlgorithm: HashAlgorithmSchema,
  /** base64 signature over signedData (see above). */
  signature: Base64Schema(2048),
});
export type AuthToken = v.InferOutput<typeof AuthTokenSchema>;

/** Hash for a sign-in token: SHA-256, or the curve's own size for P-384/P-521 keys [RFC 5480 §4]. */
export function authHashAlgorithmFor(keyType: KeyType, namedCurve?: string): HashAlgorithm {
  if (keyType === 'EC' && namedCurve === 'P-384') return 'SHA-384';
  if (keyType === 'EC' && namedCurve === 'P-521') return 'SHA-512';
  return 'SHA-256';
}

/** signedData = H(origin) ‖ H(challenge). */
export async function authSignedData(origin: string, challenge: string, hashAlgorithm: HashAlgorithm): Promise<Uint8Array> {
  const encode = (text: string) => new TextEncoder().encode(text);
  const hash = async (bytes: Uint8Array) => new Uint8Array(await globalThis.crypto.subtle.digest(hashAlgorithm, bytes as Uint8Array<ArrayBuffer>));
  const originHash = await hash(encode(origin));
  const challengeHash = await hash(encode(challenge));
  const data = new Uint8Array(originHash.length + challengeHash.length);
  data.set(originHash, 0);
  data.set(challengeHash, originHash.length);
  return data;
}

/** The digest the token signs: H(signedData) (what host.signDigest takes). */
export async function authDigestToSign(origin: string, challenge: string, hashAlgorithm: HashAlgorithm): Promise<Uint8Array> {
  const data = await authSignedData(origin, challenge, hashAlgorithm);
  return new Uint8Array(await globalThis.crypto.subtle.digest(hashAlgorithm, data as Uint8Array<ArrayBuffer>));
}
