/**
 * How many bytes to reserve in /Contents for the CMS. Too small means signing twice; too large only wastes
 * zeros in the file. The estimate covers SignedData overhead and signed attributes, the certificates carried,
 * the signature value, and an RFC 3161 token when a TSA is used (its own certificates included).
 */
import type { Signer } from '../../token/signer.js';

const CMS_OVERHEAD_BYTES = 2048;
const SIGNATURE_VALUE_MAX_BYTES = 1024; // RSA-8192; ECDSA is far smaller
const TIMESTAMP_TOKEN_ESTIMATE_BYTES = 8192;
/** Headroom when redoing after a measured CMS (a new timestamp may be a few bytes longer). */
export const PLACEHOLDER_MARGIN_BYTES = 512;

export function estimatePlaceholderBytes(signer: Pick<Signer, 'certificate' | 'chain'>, withTimestamp: boolean): number {
  const certs = signer.certificate.length + signer.chain.reduce((n, c) => n + c.length, 0);
  return CMS_OVERHEAD_BYTES + certs + SIGNATURE_VALUE_MAX_BYTES + (withTimestamp ? TIMESTAMP_TOKEN_ESTIMATE_BYTES : 0);
}
