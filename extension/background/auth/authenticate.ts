/**
 * `kyso.authenticate`: sign in to a site with the token [after Web eID]. The consent window says "Sign in to
 * <origin>" (operation kyso.authenticate); the person picks a certificate and types the PIN; the token signs
 * H(H(origin) ‖ H(challenge)) through host.signDigest. `origin` is the frame's origin from the browser
 * (RequestContext), never anything the page wrote. The token format is in shared/protocol/auth-token.ts.
 *
 * Which certificate: when the token holds an authentication certificate (keyUsage digitalSignature without
 * nonRepudiation, or EKU clientAuth) beside its signing one, only the authentication certificate is offered
 * (the signing one is greyed out, `notForSignIn`), so sign-in and document signing use different keys. A token
 * with one certificate signs in with it (shared/certificates/certificate-purpose.ts).
 */
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { bytesToBase64, bytesToHex } from '../../../shared/domain/base64.js';
import { HOST_QUICK_REQUEST_TIMEOUT_MS, HOST_SIGN_TIMEOUT_MS } from '../../../shared/limits.js';
import { prepareSigningCertificates } from '../certificates/signing-candidates.js';
import { AUTH_TOKEN_FORMAT, authDigestToSign, authHashAlgorithmFor, type AuthToken } from '../../../shared/protocol/auth-token.js';
import type { PageOperation, PageRequestPayload } from '../../../shared/protocol/page-messages.js';
import type { SignatureResult } from '../../../shared/protocol/common.js';
import type { NativeHostClient } from '../native/host-client.js';
import type { SignConsent } from '../consent/consent-broker.js';
import type { RequestContext } from '../router.js';
import { signingRequester } from '../history/signing-requester.js';

export interface AuthenticateDependencies {
  readonly host: Pick<NativeHostClient, 'request'>;
  /** The router's consent step (site question first for unlisted sites, then certificate + PIN). */
  consentToSign(operation: PageOperation, context: RequestContext, askOrigins: readonly string[], prepareSign: () => Promise<SignConsent>): Promise<SignatureResult | undefined>;
}

export async function authenticate(
  payload: PageRequestPayload<'kyso.authenticate'>, context: RequestContext, askOrigins: readonly string[], deps: AuthenticateDependencies,
): Promise<AuthToken> {
  const origin = context.frameOrigin;
  // An opaque or missing origin cannot be bound into a token the server could check.
  if (!/^https?:\/\/[^/]+$/.test(origin)) throw new KysoError('ORIGIN_NOT_ALLOWED', { origin: origin.slice(0, 255) });
  const quick = { timeoutMs: HOST_QUICK_REQUEST_TIMEOUT_MS, signal: context.signal };

  const prepareSign = async (): Promise<SignConsent> => {
    // The portal's filter greys out (with reasons) like every signing request; so does the purpose rule above.
    const choice = await prepareSigningCertificates(deps.host, { filter: payload.filter, use: 'signIn', signal: context.signal });
    // Shown for reference only; the window presents this as "sign in to <origin>", not as a document.
    const shown = await authDigestToSign(origin, payload.challenge, 'SHA-256');
    let latest = choice.certificates; // the hash depends on the chosen key: look it up in the newest listing
    return {
      hashAlgorithm: 'SHA-256',
      digestHex: bytesToHex(shown),
      certificates: choice.certificates,
      tokens: choice.tokens,
      exclusions: choice.exclusions,
      refreshCertificates: async () => {
        const now = await choice.refreshCertificates();
        latest = now.certificates;
        return now;
      },
      approve: choice.guardApprove(async (certificateId, pin) => {
        const certificate = latest.find((c) => c.id === certificateId);
        if (!certificate) throw new KysoError('CERTIFICATE_NOT_FOUND');
        const hashAlgorithm = authHashAlgorithmFor(certificate.keyType, certificate.namedCurve);
        const digest = await authDigestToSign(origin, payload.challenge, hashAlgorithm);
        return deps.host.request('host.signDigest', {
          certificateId, digest: bytesToBase64(digest), hashAlgorithm, ...(pin !== undefined ? { pin } : {}),
          ...(payload.filter?.expectedSigner ? { expectedSigner: payload.filter.expectedSigner } : {}),
          ...signingRequester(context, 'kyso.authenticate'),
        }, { timeoutMs: HOST_SIGN_TIMEOUT_MS, signal: context.signal });
      }),
      refreshTokens: () => deps.host.request('host.listTokens', {}, quick).then((r) => r.tokens),
    };
  };

  const result = await deps.consentToSign('kyso.authenticate', context, askOrigins, prepareSign);
  if (!result) throw new KysoError('INTERNAL_ERROR', { reason: 'consent ended without a signature' });
  return {
    format: AUTH_TOKEN_FORMAT,
    origin,
    challenge: payload.challenge,
    certificate: result.certificate,
    chain: result.chain,
    signatureAlgorithm: result.signatureAlgorithm,
    hashAlgorithm: result.hashAlgorithm,
    signature: result.signature,
  };
}
