/**
 * One handler per page operation. The caller's origins come from the browser (`sender`), checked by the access
 * policy before any handler runs; the page's payload was validated by PageRequestSchema.
 */
import { KysoError, serializeError } from '../../shared/errors/kyso-error.js';
import { base64ToBytes, bytesToHex } from '../../shared/domain/base64.js';
import { DIGEST_LENGTH_BYTES } from '../../shared/domain/algorithms.js';
import { HOST_QUICK_REQUEST_TIMEOUT_MS, HOST_SIGN_TIMEOUT_MS, PROTOCOL_VERSION } from '../../shared/limits.js';
import type { PageOperation, PageRequest, PageRequestPayload, PageResult } from '../../shared/protocol/page-messages.js';
import type { AccessDecision, AccessRequest } from './access/access-policy.js';
import type { NativeHostClient } from './native/host-client.js';
import type { ConsentBroker, SignConsent } from './consent/consent-broker.js';
import { prepareSigningCertificates } from './certificates/signing-candidates.js';
import { verifyForPage } from './certificates/verify-handler.js';
import { authenticate } from './auth/authenticate.js';
import { createDocumentHandlers } from './documents/document-handlers.js';
import { signHashes } from './sign-hashes/sign-hashes-handler.js';
import { signingRequester } from './history/signing-requester.js';
import { markLatest } from './timing-marks.js';

export interface RequestContext {
  /** Origin of the frame that sent the request, from the browser. */
  readonly frameOrigin: string;
  /** Origin of the tab's top-level page, from the browser, when known. */
  readonly topOrigin: string | undefined;
  /** Aborted when the page's port closes (tab closed or navigated). */
  readonly signal: AbortSignal;
  /**
   * One object per page port (one frame's connection), the same for all its requests: a key for per-frame
   * state that must not outlive the frame (an "allow once" given for an upload, see documents/). Absent: no
   * such state is kept (every request stands alone).
   */
  readonly frame?: object;
}

export interface RouterDependencies {
  readonly host: Pick<NativeHostClient, 'hello' | 'request'>;
  readonly consent: Pick<ConsentBroker, 'run'>;
  decideAccess(request: AccessRequest): Promise<AccessDecision>;
  readonly extensionVersion: string;
}

/** `askOrigins`: origins the person must allow first (the policy said "ask"); empty when allowed. */
type Handler<T extends PageOperation> = (payload: PageRequestPayload<T>, context: RequestContext, askOrigins: readonly string[]) => Promise<PageResult<T>>;

export function createRouter(deps: RouterDependencies): (request: PageRequest, context: RequestContext) => Promise<unknown> {
  const quick = (signal: AbortSignal) => ({ timeoutMs: HOST_QUICK_REQUEST_TIMEOUT_MS, signal });

  /** Non-interactive operations still need the person's "allow" when the policy says ask. */
  const askSiteOnly = async (operation: PageOperation, context: RequestContext, askOrigins: readonly string[]) => {
    if (askOrigins.length === 0) return;
    await deps.consent.run({ origin: context.frameOrigin, topOrigin: context.topOrigin, operation, askOrigins, signal: context.signal });
  };

  /**
   * Open the consent window for a signing operation. An unlisted site (askOrigins non-empty) gets the site
   * question BEFORE Kyso talks to the host: what the token holds (present? a certificate for this MST?) must
   * not be learnable without the person's "allow" [trust boundary]. Allowed sites get the lookups first, so a
   * missing token fails fast without a window.
   */
  const consentToSign = async (operation: PageOperation, context: RequestContext, askOrigins: readonly string[], prepareSign: () => Promise<SignConsent>) => {
    const base = { origin: context.frameOrigin, topOrigin: context.topOrigin, operation, askOrigins, signal: context.signal };
    return deps.consent.run(askOrigins.length > 0 ? { ...base, prepareSign } : { ...base, sign: await prepareSign() });
  };

  const documents = createDocumentHandlers({ host: deps.host, decideAccess: (r) => deps.decideAccess(r), consentToSign, askSite: askSiteOnly });

  const handlers: { [K in PageOperation]: Handler<K> } = {
    'kyso.getStatus': async (payload, context, askOrigins) => {
      await askSiteOnly('kyso.getStatus', context, askOrigins);
      // `missing` only for an SDK that asked for it: an older kyso.js refuses fields it does not know.
      const withMissing = <T extends object>(status: T, missing: 'host' | 'driver' | 'token' | null) =>
        (payload.report === 'missing' ? { ...status, missing } : status);
      let hello;
      try {
        hello = await deps.host.hello();
      } catch (error) {
        return withMissing({ extensionVersion: deps.extensionVersion, protocolVersion: PROTOCOL_VERSION, host: { installed: false as const, error: serializeError(error) }, tokens: [] }, 'host');
      }
      // A module that fails to load still leaves the host usable for status; the page sees no tokens.
      const tokens = await deps.host.request('host.listTokens', {}, quick(context.signal)).then((r) => r.tokens, () => []);
      const missing = !hello.modules.some((m) => m.loaded) ? 'driver' as const : tokens.length === 0 ? 'token' as const : null;
      return withMissing({ extensionVersion: deps.extensionVersion, protocolVersion: PROTOCOL_VERSION, host: { installed: true as const, version: hello.hostVersion }, tokens }, missing);
    },

    'kyso.listCertificates': async (payload, context, askOrigins) => {
      await askSiteOnly('kyso.listCertificates', context, askOrigins);
      return deps.host.request('host.listCertificates', payload.filter ? { filter: payload.filter } : {}, quick(context.signal));
    },

    'kyso.verify': (payload, context, askOrigins) => verifyForPage(deps.host, payload, context.signal, askOrigins),

    'kyso.signHash': async (payload, context, askOrigins) => {
      const digest = base64ToBytes(payload.hash, 'INVALID_HASH');
      const expected = DIGEST_LENGTH_BYTES[payload.hashAlgorithm];
      if (digest.length !== expected) throw new KysoError('INVALID_HASH', { expectedBytes: expected, receivedBytes: digest.length });

      const prepareSign = async (): Promise<SignConsent> => {
        // Filter applied in the background (greyed out with reasons); expected signer checked here and in the host.
        const choice = await prepareSigningCertificates(deps.host, { filter: payload.filter, certificateId: payload.certificateId, signal: context.signal });
        const expectedSigner = payload.filter?.expectedSigner;
        return {
          ...(payload.description ? { description: payload.description } : {}),
          hashAlgorithm: payload.hashAlgorithm,
          digestHex: bytesToHex(digest),
          certificates: choice.certificates,
          tokens: choice.tokens,
          exclusions: choice.exclusions,
          refreshCertificates: choice.refreshCertificates,
          approve: choice.guardApprove((certificateId, pin) => deps.host.request('host.signDigest', {
            certificateId,
            digest: payload.hash,
            hashAlgorithm: payload.hashAlgorithm,
            ...(payload.signatureScheme ? { signatureScheme: payload.signatureScheme } : {}),
            ...(pin !== undefined ? { pin } : {}),
            ...(expectedSigner ? { expectedSigner } : {}),
            ...signingRequester(context, 'kyso.signHash', { description: payload.description }),
          }, { timeoutMs: HOST_SIGN_TIMEOUT_MS, signal: context.signal })),
          refreshTokens: () => deps.host.request('host.listTokens', {}, quick(context.signal)).then((r) => r.tokens),
        };
      };
      const result = await consentToSign('kyso.signHash', context, askOrigins, prepareSign);
      if (!result) throw new KysoError('INTERNAL_ERROR', { reason: 'consent ended without a signature' });
      return result;
    },

    'kyso.signHashes': (payload, context, askOrigins) => signHashes({ host: deps.host, consentToSign }, payload, context, askOrigins),

    'kyso.authenticate': (payload, context, askOrigins) => authenticate(payload, context, askOrigins, { host: deps.host, consentToSign }),
    ...documents.handlers,
  };

  return async (request, context) => {
    markLatest('kyso:request-in');
    const decision = await deps.decideAccess({ frameOrigin: context.frameOrigin, topOrigin: context.topOrigin, operation: documents.accessOperation(request) });
    markLatest('kyso:access-decided');
    if (decision.kind === 'deny') {
      throw new KysoError(decision.code, { origin: (decision.origin ?? context.frameOrigin).slice(0, 255), ...(decision.reason ? { reason: decision.reason } : {}) });
    }
    const handler = handlers[request.type] as Handler<PageOperation>;
    const askOrigins = decision.kind === 'ask' ? decision.origins ?? [context.frameOrigin] : [];
    return handler(request.payload as never, context, askOrigins);
  };
}
