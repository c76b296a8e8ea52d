/**
 * The AlgorithmIdentifiers of algorithm-identifiers.ts as pkijs objects, for the structures pkijs builds
 * (enveloped or time-stamped CMS): parsed from the same DER, so both writers carry the same bytes.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { HashAlgorithm, SignatureScheme } from '../../../shared/domain/algorithms.js';
import { digestAlgorithmDer, signatureAlgorithmDer } from './algorithm-identifiers.js';

export { resolveScheme } from './algorithm-identifiers.js';

export function digestAlgorithmIdentifier(hash: HashAlgorithm): pkijs.AlgorithmIdentifier {
  return fromDer(digestAlgorithmDer(hash));
}

export function signatureAlgorithmIdentifier(scheme: SignatureScheme, hash: HashAlgorithm): pkijs.AlgorithmIdentifier {
  return fromDer(signatureAlgorithmDer(scheme, hash));
}

function fromDer(der: Uint8Array): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({ schema: asn1js.fromBER(der.slice().buffer).result });
}
