/**
 * Key pairs on a token that have no certificate: they cannot be offered for signing (a signature needs the
 * certificate), but a person who sees "no certificate" while the CA says the key was made wants to know the key is
 * there (`kyso list` counts them). Certificates and keys are paired as for signing (key-pairing.ts: by public key
 * first, CKA_ID only where no public value is readable); a private and a public key object of one pair count once.
 */
import type { TokenObjects } from './pkcs11-module.js';
import { pairCertificate, type TokenKeyObject } from './key-pairing.js';

export function countKeysWithoutCertificate(objects: TokenObjects): number {
  // A key pair's identity: its public value where the token shows it (on either object of the pair: EC private
  // keys have no CKA_EC_POINT), else its CKA_ID; '' → not countable.
  const valueById = new Map<string, string>();
  for (const key of [...objects.privateKeys, ...objects.publicKeys]) {
    if (key.publicValue !== '' && key.ckaId !== '') valueById.set(key.ckaId, key.publicValue);
  }
  const pairIdentity = (key: TokenKeyObject): string => {
    const value = key.publicValue !== '' ? key.publicValue : valueById.get(key.ckaId) ?? '';
    return value !== '' ? `value:${value}` : key.ckaId !== '' ? `id:${key.ckaId}` : '';
  };
  const paired = new Set<string>();
  for (const certificate of objects.certificates) {
    const pair = pairCertificate(certificate, objects);
    if (!pair) continue;
    for (const key of [...objects.privateKeys, ...objects.publicKeys]) {
      const sameValue = pair.publicValue !== '' && key.publicValue === pair.publicValue;
      const sameId = key.publicValue === '' && pair.ckaId !== '' && key.ckaId === pair.ckaId;
      if (sameValue || sameId) paired.add(pairIdentity(key));
    }
  }
  const pairs = new Set([...objects.privateKeys, ...objects.publicKeys].map(pairIdentity).filter((id) => id !== ''));
  let count = 0;
  for (const id of pairs) if (!paired.has(id)) count++;
  return count;
}
