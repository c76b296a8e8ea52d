/**
 * Signing through the built host over stdio:
 *   host.signDigest one after another: each request is its own consent, so it logs in, signs, logs out;
 *   host.signDigests: N digests under one login (kyso.signHashes), timed request → reply.
 */
import { createHash } from 'node:crypto';
import { resultOf, startHost } from './host-client.mjs';

export async function signDigestSequence(hostPath, token, certName, n) {
  const cert = token.certificates.find((c) => c.name === certName);
  const host = startHost(hostPath, { SOFTHSM2_CONF: token.softhsm2Conf, KYSO_PKCS11_MODULE: token.module });
  const digest = createHash('sha256').update('bench').digest('base64');
  const payload = { certificateId: cert.certificateId, digest, hashAlgorithm: 'SHA-256', pin: token.userPin };
  try {
    const times = [];
    for (let i = 0; i < n + 5; i++) {
      const t = performance.now();
      resultOf(await host.request('host.signDigest', payload));
      if (i >= 5) times.push(performance.now() - t); // the first few load the driver and describe certificates
    }
    return times;
  } finally {
    await host.close();
  }
}

export function benchDigests(count) {
  return Array.from({ length: count }, (_, i) => createHash('sha256').update(`record ${i}`).digest());
}

/**
 * Wall ms of each of `rounds` host.signDigests requests of `digests` (after one warm-up request), each round
 * preceded by `reference()` (the bare loop) so both see the same machine load; returns both series.
 */
export async function signDigestsRounds(hostPath, token, certName, digests, rounds, reference) {
  const cert = token.certificates.find((c) => c.name === certName);
  const host = startHost(hostPath, { SOFTHSM2_CONF: token.softhsm2Conf, KYSO_PKCS11_MODULE: token.module });
  const payload = { certificateId: cert.certificateId, digests: digests.map((d) => d.toString('base64')), hashAlgorithm: 'SHA-256', pin: token.userPin };
  try {
    const warm = resultOf(await host.request('host.signDigests', { ...payload, digests: payload.digests.slice(0, 2) }));
    if (warm.signatures.length !== 2) throw new Error('host.signDigests: wrong signature count');
    const times = [];
    const references = [];
    for (let i = 0; i < rounds; i++) {
      references.push(reference());
      const t = performance.now();
      const result = resultOf(await host.request('host.signDigests', payload));
      times.push(performance.now() - t);
      if (result.signatures.length !== digests.length) throw new Error('host.signDigests: wrong signature count');
    }
    return { kyso: times, bare: references };
  } catch (error) {
    if (/UNKNOWN|BAD_REQUEST/.test(String(error))) return undefined; // a host build without signDigests (baseline)
    throw error;
  } finally {
    await host.close();
  }
}
