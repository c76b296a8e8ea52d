/**
 * `kyso.signHashes`: many digests, ONE consent, one PIN, one login (host.signDigests). Raw signing like signHash:
 * the access rule (operations.ts, rawSigning) has already refused a site that is not opted in before this runs.
 *
 * What the consent window shows, through the fields it already has (extension/ui/consent is not changed here):
 *   description  the portal's batch description, the COUNT, and the first item descriptions;
 *   digest       H(hash₁ ‖ … ‖ hashₙ) with the request's hash algorithm: one fingerprint of the exact list, which
 *                a portal can show on its own page for the person to compare (sdk/README.md "signHashes").
 */
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { signingRequester } from '../history/signing-requester.js';
import { base64ToBytes, bytesToHex } from '../../../shared/domain/base64.js';
import { DIGEST_LENGTH_BYTES } from '../../../shared/domain/algorithms.js';
import { HOST_QUICK_REQUEST_TIMEOUT_MS, HOST_SIGN_TIMEOUT_MS } from '../../../shared/limits.js';
import type { PageRequestPayload, PageResult } from '../../../shared/protocol/page-messages.js';
import type { SignatureResult } from '../../../shared/protocol/common.js';
import type { NativeHostClient } from '../native/host-client.js';
import type { SignConsent } from '../consent/consent-broker.js';
import type { RequestContext } from '../router.js';
import { prepareSigningCertificates } from '../certificates/signing-candidates.js';

/** Item descriptions quoted in the consent text; the rest are counted ("+ 290 more"). */
export const CONSENT_LISTED_DESCRIPTIONS = 10;

export interface SignHashesDependencies {
  readonly host: Pick<NativeHostClient, 'request'>;
  consentToSign(operation: 'kyso.signHashes', context: RequestContext, askOrigins: readonly string[], prepareSign: () => Promise<SignConsent>): Promise<SignatureResult | undefined>;
}

/** The fingerprint the window shows: the request's hash over the concatenated digests, in order. */
export async function listFingerprintHex(digests: readonly Uint8Array[], hashAlgorithm: PageRequestPayload<'kyso.signHashes'>['hashAlgorithm']): Promise<string> {
  const all = new Uint8Array(digests.reduce((n, d) => n + d.length, 0));
  let offset = 0;
  for (const d of digests) {
    all.set(d, offset);
    offset += d.length;
  }
  return bytesToHex(new Uint8Array(await crypto.subtle.digest(hashAlgorithm, all)));
}

/** The consent text: "<batch> — 300 mã băm / digests: HĐ 1; HĐ 2; … (+ 290)". Bounded whatever N is. */
export function consentDescription(payload: PageRequestPayload<'kyso.signHashes'>): string {
  const count = payload.hashes.length;
  const listed = payload.hashes.slice(0, CONSENT_LISTED_DESCRIPTIONS).map((h, i) => h.description ?? `#${i + 1}`);
  const more = count > listed.length ? ` (+ ${count - listed.length})` : '';
  const head = payload.description ? `${payload.description} — ` : '';
  return `${head}${count} mã băm / ${count} digests: ${listed.join('; ')}${more}`;
}

export async function signHashes(
  deps: SignHashesDependencies, payload: PageRequestPayload<'kyso.signHashes'>, context: RequestContext, askOrigins: readonly string[],
): Promise<PageResult<'kyso.signHashes'>> {
  const expected = DIGEST_LENGTH_BYTES[payload.hashAlgorithm];
  const digests = payload.hashes.map((item, index) => {
    const digest = base64ToBytes(item.hash, 'INVALID_HASH');
    if (digest.length !== expected) throw new KysoError('INVALID_HASH', { index, expectedBytes: expected, receivedBytes: digest.length });
    return digest;
  });
  const quick = { timeoutMs: HOST_QUICK_REQUEST_TIMEOUT_MS, signal: context.signal };

  let outcome: PageResult<'kyso.signHashes'> | undefined;
  const prepareSign = async (): Promise<SignConsent> => {
    const choice = await prepareSigningCertificates(deps.host, { filter: payload.filter, certificateId: payload.certificateId, signal: context.signal });
    const expectedSigner = payload.filter?.expectedSigner;
    return {
      description: consentDescription(payload),
      hashAlgorithm: payload.hashAlgorithm,
      digestHex: await listFingerprintHex(digests, payload.hashAlgorithm),
      certificates: choice.certificates,
      tokens: choice.tokens,
      exclusions: choice.exclusions,
      refreshCertificates: choice.refreshCertificates,
      approve: choice.guardApprove(async (certificateId, pin) => {
        outcome = await deps.host.request('host.signDigests', {
          certificateId,
          digests: payload.hashes.map((h) => h.hash),
          hashAlgorithm: payload.hashAlgorithm,
          ...(payload.signatureScheme ? { signatureScheme: payload.signatureScheme } : {}),
          ...(pin !== undefined ? { pin } : {}),
          ...(expectedSigner ? { expectedSigner } : {}),
          ...signingRequester(context, 'kyso.signHashes', { description: payload.description }),
          // A slow token takes ~0.5 s per RSA signature: the deadline grows with the count.
        }, { timeoutMs: HOST_SIGN_TIMEOUT_MS + digests.length * 1000, signal: context.signal });
        // The broker only needs approve to settle; the signatures are returned below.
        return undefined as unknown as SignatureResult;
      }),
      refreshTokens: () => deps.host.request('host.listTokens', {}, quick).then((r) => r.tokens),
    };
  };
  await deps.consentToSign('kyso.signHashes', context, askOrigins, prepareSign);
  if (!outcome) throw new KysoError('INTERNAL_ERROR', { reason: 'consent ended without signatures' });
  if (outcome.signatures.length !== digests.length) throw new KysoError('PROTOCOL_ERROR', { reason: 'signature count differs from digest count' });
  return outcome;
}
