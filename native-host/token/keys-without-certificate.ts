/**
 * Key pairs on a token that have no certificate: they cannot be offered for signing (a signature needs the
 * certificate), but a person who sees "no certificate" while the CA says the key was made wants to know the key is
 * there (`kyso list` counts them). Paired by CKA_ID as in TokenService; keys without a CKA_ID are not counted.
 */
import type { TokenObjects } from './pkcs11-module.js';

export function countKeysWithoutCertificate(objects: TokenObjects): number {
  const withCertificate = new Set(objects.certificates.map((c) => c.ckaId).filter((id) => id !== ''));
  const keys = new Set([...objects.privateKeyIds, ...objects.publicKeyIds]);
  let count = 0;
  for (const id of keys) if (!withCertificate.has(id)) count++;
  return count;
}
