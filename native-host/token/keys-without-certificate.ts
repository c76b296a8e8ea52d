/**
 * Key pairs on a token that have no certificate: they cannot be offered for signing (a signature needs the
 * certificate), but a person who sees "no certificate" while the CA says the key was made wants to know the key is
 * there (`kyso list` counts them). A key belongs to a certificate by the same rule TokenService pairs them
 * (key-pairing.ts: public value first, CKA_ID where no value could be read). The private and public key of one
 * pair count once; a key object with neither a public value nor a CKA_ID cannot be told apart and is not counted.
 */
import type { TokenObjects } from './pkcs11-module.js';
import { pairCertificate, type KeyReference, type TokenKeyObject } from './key-pairing.js';

function belongsTo(key: TokenKeyObject, pair: KeyReference): boolean {
  if (key.publicValue !== '' && key.publicValue === pair.publicValue) return true;
  return key.ckaId !== '' && key.ckaId === pair.ckaId && (key.publicValue === '' || pair.publicValue === '' || key.publicValue === pair.publicValue);
}

export function countKeysWithoutCertificate(objects: TokenObjects): number {
  const pairs = objects.certificates.flatMap((c) => pairCertificate(c, objects) ?? []);
  const lonely = new Set<string>();
  for (const key of [...objects.privateKeys, ...objects.publicKeys]) {
    if (pairs.some((pair) => belongsTo(key, pair))) continue;
    const identity = key.publicValue !== '' ? `value:${key.publicValue}` : key.ckaId !== '' ? `id:${key.ckaId}` : undefined;
    if (identity) lonely.add(identity);
  }
  return lonely.size;
}
