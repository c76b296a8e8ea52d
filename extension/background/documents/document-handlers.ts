/**
 * Background handlers of document signing (page operations kyso.documentBegin / documentChunk / documentRead /
 * signDocuments). Each upload and each signed result is a host handle BOUND to the frame origin that created it:
 * another site cannot add chunks to, sign, or read it even if it learned the handle. Chunks are forwarded to the
 * host one by one (never joined here); the consent window gets name, size, SHA-256, an XML summary and, for a
 * PDF preview, the bytes on request. The whole batch is ONE consent and ONE host.signDocuments (one login).
 *
 * Site question BEFORE any upload [security.md "Uploads before consent and disk exhaustion"]: when the policy
 * says "ask" (an unlisted site the person may allow), kyso.documentBegin first puts the same "allow this site?"
 * question the signing operation would, and nothing reaches the host until the person allowed it — an unlisted
 * site learns nothing (is the host installed?) and fills no disk. "Allow once" is then remembered for THAT frame
 * (its page port, `context.frame`) until its kyso.signDocuments ends, so the batch's signing window does not ask
 * again: signPdf from an unlisted site = one site question, then the certificate + PIN window. "Allow always" is
 * stored by the broker and the next decision is simply "allow". Chunks and reads need no question: they act on
 * a handle, which only exists after the person allowed the site (upload) or signed (result).
 *
 * Fair bounds: each origin may hold DOCUMENTS_PER_ORIGIN_OPEN_MAX handles and DOCUMENTS_PER_ORIGIN_MAX_BYTES
 * announced (half the host's totals), so one site cannot fill the host's bounds for every other portal; the map
 * is bounded per origin (a full origin is refused, never another origin's handle evicted); idle handles are swept
 * on a timer and discarded at the host.
 */
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { base64ToBytes, bytesToHex } from '../../../shared/domain/base64.js';
import {
  DOCUMENT_IDLE_TTL_MS, DOCUMENT_SWEEP_INTERVAL_MS, DOCUMENTS_PER_ORIGIN_MAX_BYTES, DOCUMENTS_PER_ORIGIN_OPEN_MAX, HOST_QUICK_REQUEST_TIMEOUT_MS,
  HOST_SIGN_TIMEOUT_MS, MAX_PENDING_REQUESTS_PER_PAGE,
} from '../../../shared/limits.js';
import type { PageOperation, PageRequest, PageRequestPayload, PageResult } from '../../../shared/protocol/page-messages.js';
import type { DocumentKind } from '../../../shared/protocol/document-schemas.js';
import type { PageDocumentItem } from '../../../shared/protocol/document-page-operations.js';
import { SerializedErrorSchema, type SignatureResult } from '../../../shared/protocol/common.js';
import type { AccessDecision, AccessRequest } from '../access/access-policy.js';
import type { NativeHostClient } from '../native/host-client.js';
import type { SignConsent } from '../consent/consent-broker.js';
import type { RequestContext } from '../router.js';
import { prepareSigningCertificates } from '../certificates/signing-candidates.js';
import * as v from 'valibot';
import { PDF_PREVIEW_MAX_BYTES, describeContent, type ConsentDocument } from './consent-documents.js';
import { signingRequester } from '../history/signing-requester.js';

/** The policy operation each document kind is decided as. */
const SIGN_OPERATION: Readonly<Record<DocumentKind, PageOperation>> = { pdf: 'kyso.signPdf' as PageOperation, xml: 'kyso.signXml' as PageOperation, cms: 'kyso.signCms' as PageOperation };

interface HandleOwner {
  readonly origin: string;
  readonly kind: DocumentKind;
  /** Bytes the host holds for it (announced size of an upload, size of a result): counted in the origin's quota. */
  readonly bytes: number;
  lastUsedMs: number;
  /** Next chunk index to forward; chunks that overtook it wait here (see orderChunk). */
  nextIndex: number;
  readonly waiting: Map<number, () => void>;
  /** The host process that held it stopped: the handle can never be used again (HOST_DISCONNECTED at once). */
  lost?: KysoError;
}

export interface DocumentHandlerDependencies {
  /** onConnectionLost: the handles of a host that stopped are dead (absent in unit tests that never lose the host). */
  readonly host: Pick<NativeHostClient, 'request'> & Partial<Pick<NativeHostClient, 'onConnectionLost'>>;
  decideAccess(request: AccessRequest): Promise<AccessDecision>;
  consentToSign(operation: PageOperation, context: RequestContext, askOrigins: readonly string[], prepareSign: () => Promise<SignConsent>): Promise<SignatureResult | undefined>;
  /**
   * Put the site question alone ("allow this site?"); resolves once allowed, throws (ORIGIN_BLOCKED,
   * USER_CANCELLED…) otherwise. Absent: an unlisted site's upload is refused with ORIGIN_NOT_ALLOWED.
   */
  askSite?(operation: PageOperation, context: RequestContext, askOrigins: readonly string[]): Promise<void>;
}

type DocumentOperation = 'kyso.documentBegin' | 'kyso.documentChunk' | 'kyso.documentRead' | 'kyso.signDocuments';
type Handler<T extends PageOperation> = (payload: PageRequestPayload<T>, context: RequestContext, askOrigins: readonly string[]) => Promise<PageResult<T>>;

export interface DocumentHandlers {
  /** The operation the access policy decides a document request as (the signing operation it serves). */
  accessOperation(request: PageRequest): PageOperation;
  readonly handlers: { [K in DocumentOperation]: Handler<K> };
}

export function createDocumentHandlers(deps: DocumentHandlerDependencies): DocumentHandlers {
  const owners = new Map<string, HandleOwner>();
  /** Per origin: handles and bytes held, including begins still waiting for the host (reserved). */
  const usage = new Map<string, { handles: number; bytes: number }>();
  /** Per frame (page port): origins the person allowed ONCE for this frame's uploads, until its signDocuments ends. */
  const allowedOnce = new WeakMap<object, ReadonlySet<string>>();
  /** Per frame: the site question being asked now, so concurrent uploads of one frame make one question. */
  const asking = new WeakMap<object, Promise<void>>();
  let sweeper: ReturnType<typeof setInterval> | undefined;
  const quick = (signal: AbortSignal) => ({ timeoutMs: HOST_QUICK_REQUEST_TIMEOUT_MS, signal });

  const own = (handle: string, origin: string): HandleOwner => {
    const owner = owners.get(handle);
    // Same answer for "never existed" and "another site's": a handle is not an oracle.
    if (!owner || owner.origin !== origin) throw new KysoError('BAD_REQUEST', { reason: 'unknown or expired document handle' });
    if (owner.lost) throw owner.lost;
    owner.lastUsedMs = Date.now();
    return owner;
  };
  /**
   * The host stopped (killed, crashed, driver abort): every document it held is gone. Uploads still going on and
   * results still being read must fail at once with the typed error — not reach a new host that answers "unknown
   * handle", nor wait out a timeout — and signing windows showing those documents end (signDocuments below).
   */
  const hostLost = new Set<(error: KysoError) => void>();
  deps.host.onConnectionLost?.((cause) => {
    const error = new KysoError('HOST_DISCONNECTED', { reason: 'the Kyso host stopped; the documents it held are gone', ...(typeof cause.details?.['reason'] === 'string' ? { hostReason: cause.details['reason'] } : {}) });
    for (const owner of owners.values()) owner.lost ??= error;
    for (const listener of [...hostLost]) listener(error);
  });
  /**
   * The host takes chunks strictly in order, but they may reach this handler out of order: the SDK reads Blob slices
   * concurrently and the router awaits the (asynchronous) access decision before each handler. Hold a chunk until the
   * ones before it were forwarded; a gap larger than the page's pending-request limit can never close → refused.
   */
  const orderChunk = async (owner: HandleOwner, index: number, signal: AbortSignal): Promise<void> => {
    if (index <= owner.nextIndex) return;
    if (index - owner.nextIndex > MAX_PENDING_REQUESTS_PER_PAGE) throw new KysoError('BAD_REQUEST', { reason: 'chunk out of order or missing', expectedIndex: owner.nextIndex });
    await new Promise<void>((resolve, reject) => {
      owner.waiting.set(index, resolve);
      signal.addEventListener('abort', () => { owner.waiting.delete(index); reject(new KysoError('REQUEST_SUPERSEDED')); }, { once: true });
    });
  };
  const chunkForwarded = (owner: HandleOwner, index: number) => {
    if (index !== owner.nextIndex) return;
    owner.nextIndex++;
    const next = owner.waiting.get(owner.nextIndex);
    owner.waiting.delete(owner.nextIndex);
    next?.();
  };

  /** Count a document against its origin's quota; a full origin is refused (never another origin's entry evicted). */
  const reserve = (origin: string, bytes: number) => {
    const used = usage.get(origin) ?? { handles: 0, bytes: 0 };
    if (used.handles >= DOCUMENTS_PER_ORIGIN_OPEN_MAX) {
      throw new KysoError('TOO_MANY_REQUESTS', { reason: 'too many open documents for this site', limit: DOCUMENTS_PER_ORIGIN_OPEN_MAX });
    }
    if (used.bytes + bytes > DOCUMENTS_PER_ORIGIN_MAX_BYTES) {
      throw new KysoError('PAYLOAD_TOO_LARGE', { reason: 'documents held for this site would exceed its limit', limitBytes: DOCUMENTS_PER_ORIGIN_MAX_BYTES });
    }
    usage.set(origin, { handles: used.handles + 1, bytes: used.bytes + bytes });
  };
  const release = (origin: string, bytes: number) => {
    const used = usage.get(origin);
    if (!used) return;
    if (used.handles <= 1) usage.delete(origin); else usage.set(origin, { handles: used.handles - 1, bytes: Math.max(0, used.bytes - bytes) });
  };
  /** `reserved`: the quota was already counted by reserve(). */
  const register = (handle: string, owner: Pick<HandleOwner, 'origin' | 'kind' | 'bytes'>, reserved: boolean) => {
    if (!reserved) {
      try { reserve(owner.origin, owner.bytes); } catch { void discardAtHost(handle); return; } // over quota: the page cannot reach it anyway
    }
    owners.set(handle, { ...owner, lastUsedMs: Date.now(), nextIndex: 0, waiting: new Map() });
    startSweeper();
  };
  const forget = (handle: string) => {
    const owner = owners.get(handle);
    if (!owner) return;
    owners.delete(handle);
    release(owner.origin, owner.bytes);
  };
  const discardAtHost = (handle: string) =>
    deps.host.request('host.documentDiscard', { handle }, { timeoutMs: HOST_QUICK_REQUEST_TIMEOUT_MS }).catch(() => undefined);

  /**
   * Idle handles are dropped on a timer (and discarded at the host, which sweeps its own on the same TTL): a page that
   * went away mid-upload must not keep its share of the quota. The timer stops when nothing is held.
   */
  const startSweeper = () => {
    if (sweeper) return;
    sweeper = setInterval(() => {
      const limit = Date.now() - DOCUMENT_IDLE_TTL_MS;
      for (const [handle, owner] of [...owners]) {
        if (owner.lastUsedMs >= limit || owner.waiting.size > 0) continue;
        forget(handle);
        void discardAtHost(handle);
      }
      if (owners.size === 0) { clearInterval(sweeper); sweeper = undefined; }
    }, DOCUMENT_SWEEP_INTERVAL_MS);
  };

  /** The site question before an upload from an unlisted site (see the header); "allow once" kept for this frame. */
  const allowUpload = async (operation: PageOperation, context: RequestContext, askOrigins: readonly string[]): Promise<void> => {
    if (askOrigins.length === 0) return;
    const frame = context.frame;
    const covered = () => frame !== undefined && askOrigins.every((o) => allowedOnce.get(frame)?.has(o));
    if (covered()) return;
    const pending = frame ? asking.get(frame) : undefined;
    if (pending) { await pending; if (covered()) return; }
    if (!deps.askSite) throw new KysoError('ORIGIN_NOT_ALLOWED', { origin: askOrigins[0]!.slice(0, 255) });
    const question = deps.askSite(operation, context, askOrigins).then(() => {
      if (frame) allowedOnce.set(frame, new Set([...(allowedOnce.get(frame) ?? []), ...askOrigins]));
    });
    if (frame) {
      asking.set(frame, question);
      question.then(() => asking.delete(frame), () => asking.delete(frame));
    }
    await question;
  };

  const handlers: DocumentHandlers['handlers'] = {
    // Blocked or policy-refused sites were already denied by the router; an unlisted one is asked first.
    'kyso.documentBegin': async (payload, context, askOrigins) => {
      // Asked as the batch it prepares (the consent window names kyso.signDocuments: "Ký tài liệu").
      await allowUpload('kyso.signDocuments', context, askOrigins);
      reserve(context.frameOrigin, payload.size);
      let result;
      try {
        result = await deps.host.request('host.documentBegin', payload, quick(context.signal));
      } catch (error) {
        release(context.frameOrigin, payload.size);
        throw error;
      }
      register(result.handle, { origin: context.frameOrigin, kind: payload.kind, bytes: payload.size }, true);
      return result;
    },
    'kyso.documentChunk': async (payload, context) => {
      const owner = own(payload.handle, context.frameOrigin);
      await orderChunk(owner, payload.index, context.signal);
      // Posted to the host now, before the next chunk is released: the native port keeps the order.
      const reply = deps.host.request('host.documentChunk', payload, quick(context.signal));
      chunkForwarded(owner, payload.index);
      // The host drops an upload it refused a chunk of (order, size, digest): so do we, freeing the site's quota.
      return reply.catch((error: unknown) => {
        if (error instanceof KysoError && (error.code === 'BAD_REQUEST' || error.code === 'INVALID_DOCUMENT')) forget(payload.handle);
        throw error;
      });
    },
    'kyso.documentRead': async (payload, context) => {
      own(payload.handle, context.frameOrigin);
      const result = await deps.host.request('host.documentRead', payload, quick(context.signal));
      if (result.eof) forget(payload.handle); // the host deletes a result read to its end
      return result;
    },
    'kyso.signDocuments': async (payload, context, askOrigins) => {
      // Every kind in the batch must be allowed (the first one was decided by the router).
      for (const kind of new Set(payload.documents.map((d) => d.kind))) {
        const decision = await deps.decideAccess({ frameOrigin: context.frameOrigin, topOrigin: context.topOrigin, operation: SIGN_OPERATION[kind] });
        if (decision.kind === 'deny') throw new KysoError(decision.code, { origin: (decision.origin ?? context.frameOrigin).slice(0, 255) });
      }
      for (const item of payload.documents) if (item.handle !== undefined) own(item.handle, context.frameOrigin);
      // This frame's uploads were allowed once by the person: the signing window does not ask the site question again.
      const frame = context.frame;
      const allowedForUpload = frame !== undefined && askOrigins.length > 0 && askOrigins.every((o) => allowedOnce.get(frame)?.has(o));

      let outcome: PageResult<'kyso.signDocuments'> | undefined;
      const prepareSign = async (): Promise<SignConsent> => {
        const documents = await Promise.all(payload.documents.map((item) => describeForConsent(deps.host, item, context.signal)));
        const choice = await prepareSigningCertificates(deps.host, { filter: payload.filter, certificateId: payload.certificateId, signal: context.signal });
        const first = documents[0]!;
        return {
          ...(payload.description ? { description: payload.description } : {}),
          hashAlgorithm: 'SHA-256',
          digestHex: first.sha256 ?? first.digestHex ?? '',
          certificates: choice.certificates,
          tokens: choice.tokens,
          exclusions: choice.exclusions,
          refreshCertificates: choice.refreshCertificates,
          documents,
          readDocument: async (index, offset) => {
            const item = payload.documents[index];
            const shown = documents[index];
            if (!item?.handle || !(shown?.pdf?.previewable || shown?.content?.pages)) throw new KysoError('BAD_REQUEST', { reason: 'no preview for this document' });
            return deps.host.request('host.documentRead', { handle: item.handle, offset }, quick(context.signal));
          },
          approve: choice.guardApprove(async (certificateId, pin) => {
            outcome = await deps.host.request('host.signDocuments', {
              certificateId,
              ...(pin !== undefined ? { pin } : {}),
              documents: payload.documents.map(toHostItem),
              ...(payload.filter?.expectedSigner ? { expectedSigner: payload.filter.expectedSigner } : {}),
              ...signingRequester(context, 'kyso.signDocuments', { description: payload.description, documentNames: payload.documents.map((d) => d.fileName) }),
            }, { timeoutMs: HOST_SIGN_TIMEOUT_MS * payload.documents.length, signal: context.signal });
            // The broker only needs approve to settle; the documents' results are returned below, not a digest signature.
            return undefined as unknown as SignatureResult;
          }),
          refreshTokens: () => deps.host.request('host.listTokens', {}, quick(context.signal)).then((r) => r.tokens),
        };
      };
      // The window ends at once (the broker takes the abort reason) if the host holding these documents stops.
      const lostHost = new AbortController();
      const onPageGone = () => lostHost.abort(context.signal.reason);
      if (context.signal.aborted) onPageGone(); else context.signal.addEventListener('abort', onPageGone, { once: true });
      const onHostLost = (error: KysoError) => lostHost.abort(error);
      hostLost.add(onHostLost);
      try {
        await deps.consentToSign('kyso.signDocuments', { ...context, signal: lostHost.signal }, allowedForUpload ? [] : askOrigins, prepareSign);
      } finally {
        hostLost.delete(onHostLost);
        context.signal.removeEventListener('abort', onPageGone);
        if (frame) allowedOnce.delete(frame); // "allow once" ends with the batch
      }
      if (!outcome) throw new KysoError('INTERNAL_ERROR', { reason: 'consent ended without signed documents' });
      payload.documents.forEach((item) => { if (item.handle !== undefined) forget(item.handle); }); // the host deleted the uploads
      payload.documents.forEach((item, i) => {
        const result = outcome!.results[i];
        if (result?.ok) register(result.handle, { origin: context.frameOrigin, kind: item.kind, bytes: result.size }, false);
      });
      return outcome;
    },
  };

  return {
    handlers,
    accessOperation(request) {
      switch (request.type) {
        case 'kyso.documentBegin': return SIGN_OPERATION[(request.payload as PageRequestPayload<'kyso.documentBegin'>).kind];
        case 'kyso.documentChunk':
        case 'kyso.documentRead': {
          const owner = owners.get((request.payload as PageRequestPayload<'kyso.documentRead'>).handle);
          return owner ? SIGN_OPERATION[owner.kind] : request.type;
        }
        case 'kyso.signDocuments': return SIGN_OPERATION[(request.payload as PageRequestPayload<'kyso.signDocuments'>).documents[0]!.kind];
        default: return request.type;
      }
    },
  };
}

function toHostItem(item: PageDocumentItem) {
  const { fileName: _name, ...rest } = item;
  return rest;
}

export async function describeForConsent(host: DocumentHandlerDependencies['host'], item: PageDocumentItem, signal: AbortSignal): Promise<ConsentDocument> {
  const base = { kind: item.kind, ...(item.fileName ? { fileName: item.fileName } : {}) };
  if (item.kind === 'cms' && item.digest !== undefined) {
    return { ...base, digestHex: bytesToHex(base64ToBytes(item.digest, 'INVALID_HASH')), digestAlgorithm: item.options?.hashAlgorithm ?? 'SHA-256' };
  }
  if (item.handle === undefined) throw new KysoError('BAD_REQUEST', { reason: 'a CMS item needs a document or a digest' });
  // The XML summary must describe the element that will be signed (options.ref), not the first match in the file;
  // the PDF stamp box is placed by the host with the code that signs (options' placement, anchors included).
  const ref = item.kind === 'xml' ? item.options?.ref : undefined;
  const placement = item.kind === 'pdf' ? { placement: item.options ?? {} } : {};
  const info = await host.request('host.documentInfo', { handle: item.handle, ...(ref ? { ref } : {}), ...placement }, { timeoutMs: HOST_QUICK_REQUEST_TIMEOUT_MS, signal });
  if (info.kind !== item.kind) throw new KysoError('BAD_REQUEST', { reason: 'document kind differs from its upload' });
  const shown: ConsentDocument = { ...base, size: info.size, sha256: info.sha256, ...(info.xml ? { xml: info.xml } : {}) };
  if (item.kind === 'cms') {
    // The window shows what the content is and an excerpt: the person sees more than a name and a hash.
    const head = info.size === 0 ? new Uint8Array() : base64ToBytes((await host.request('host.documentRead', { handle: item.handle, offset: 0 }, { timeoutMs: HOST_QUICK_REQUEST_TIMEOUT_MS, signal })).data, 'BAD_REQUEST');
    return { ...shown, content: describeContent(head.subarray(0, 4096), info.size) };
  }
  if (item.kind !== 'pdf') return shown;
  const o = item.options ?? {};
  const { pdf: hostPdf, pdfError } = info;
  return {
    ...shown,
    ...(pdfError ? { error: pdfError } : {}),
    pdf: {
      invisible: o.invisible === true,
      previewable: info.size <= PDF_PREVIEW_MAX_BYTES,
      ...(o.visible?.page !== undefined ? { page: o.visible.page } : {}),
      ...(o.visible?.rect ? { rect: o.visible.rect } : {}),
      ...(o.visible?.anchor ? { anchorText: o.visible.anchor.text } : {}),
      ...(hostPdf ? { pageCount: hostPdf.pageCount, warnings: hostPdf.warnings, ...(hostPdf.stamp && o.invisible !== true ? { stamp: hostPdf.stamp } : {}) } : {}),
    },
  };
}

