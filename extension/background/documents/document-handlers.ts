/**
 * Background handlers of document signing (page operations kyso.documentBegin / documentChunk / documentRead /
 * signDocuments). Each upload and each signed result is a host handle BOUND to the frame origin that created it:
 * another site cannot add chunks to, sign, or read it even if it learned the handle. Chunks are forwarded to the
 * host one by one (never joined here); the consent window gets name, size, SHA-256, an XML summary and, for a
 * PDF preview, the bytes on request. The whole batch is ONE consent and ONE host.signDocuments (one login).
 */
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { base64ToBytes, bytesToHex } from '../../../shared/domain/base64.js';
import { HOST_QUICK_REQUEST_TIMEOUT_MS, HOST_SIGN_TIMEOUT_MS, DOCUMENTS_OPEN_MAX, MAX_PENDING_REQUESTS_PER_PAGE } from '../../../shared/limits.js';
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
import { HostPdfInfoSchema, PDF_PREVIEW_MAX_BYTES, describeContent, type ConsentDocument } from './consent-documents.js';

/** The policy operation each document kind is decided as. */
const SIGN_OPERATION: Readonly<Record<DocumentKind, PageOperation>> = { pdf: 'kyso.signPdf' as PageOperation, xml: 'kyso.signXml' as PageOperation, cms: 'kyso.signCms' as PageOperation };

interface HandleOwner {
  readonly origin: string;
  readonly kind: DocumentKind;
  /** Next chunk index to forward; chunks that overtook it wait here (see orderChunk). */
  nextIndex: number;
  readonly waiting: Map<number, () => void>;
}

export interface DocumentHandlerDependencies {
  readonly host: Pick<NativeHostClient, 'request'>;
  decideAccess(request: AccessRequest): Promise<AccessDecision>;
  consentToSign(operation: PageOperation, context: RequestContext, askOrigins: readonly string[], prepareSign: () => Promise<SignConsent>): Promise<SignatureResult | undefined>;
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
  const quick = (signal: AbortSignal) => ({ timeoutMs: HOST_QUICK_REQUEST_TIMEOUT_MS, signal });

  const own = (handle: string, origin: string): HandleOwner => {
    const owner = owners.get(handle);
    // Same answer for "never existed" and "another site's": a handle is not an oracle.
    if (!owner || owner.origin !== origin) throw new KysoError('BAD_REQUEST', { reason: 'unknown or expired document handle' });
    return owner;
  };
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
  const register = (handle: string, owner: Pick<HandleOwner, 'origin' | 'kind'>) => {
    // The host bounds open documents too; this keeps the map from growing if a page never reads its results.
    if (owners.size >= DOCUMENTS_OPEN_MAX * 4) owners.delete(owners.keys().next().value!);
    owners.set(handle, { ...owner, nextIndex: 0, waiting: new Map() });
  };

  const handlers: DocumentHandlers['handlers'] = {
    // The site's "ask" is not put to the person here: uploading shows nothing and signs nothing; the consent
    // window comes with kyso.signDocuments. Blocked or policy-refused sites were already denied.
    'kyso.documentBegin': async (payload, context) => {
      const result = await deps.host.request('host.documentBegin', payload, quick(context.signal));
      register(result.handle, { origin: context.frameOrigin, kind: payload.kind });
      return result;
    },
    'kyso.documentChunk': async (payload, context) => {
      const owner = own(payload.handle, context.frameOrigin);
      await orderChunk(owner, payload.index, context.signal);
      // Posted to the host now, before the next chunk is released: the native port keeps the order.
      const reply = deps.host.request('host.documentChunk', payload, quick(context.signal));
      chunkForwarded(owner, payload.index);
      return reply;
    },
    'kyso.documentRead': async (payload, context) => {
      own(payload.handle, context.frameOrigin);
      const result = await deps.host.request('host.documentRead', payload, quick(context.signal));
      if (result.eof) owners.delete(payload.handle); // the host deletes a result read to its end
      return result;
    },
    'kyso.signDocuments': async (payload, context, askOrigins) => {
      // Every kind in the batch must be allowed (the first one was decided by the router).
      for (const kind of new Set(payload.documents.map((d) => d.kind))) {
        const decision = await deps.decideAccess({ frameOrigin: context.frameOrigin, topOrigin: context.topOrigin, operation: SIGN_OPERATION[kind] });
        if (decision.kind === 'deny') throw new KysoError(decision.code, { origin: (decision.origin ?? context.frameOrigin).slice(0, 255) });
      }
      for (const item of payload.documents) if (item.handle !== undefined) own(item.handle, context.frameOrigin);

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
            }, { timeoutMs: HOST_SIGN_TIMEOUT_MS * payload.documents.length, signal: context.signal });
            // The broker only needs approve to settle; the documents' results are returned below, not a digest signature.
            return undefined as unknown as SignatureResult;
          }),
          refreshTokens: () => deps.host.request('host.listTokens', {}, quick(context.signal)).then((r) => r.tokens),
        };
      };
      await deps.consentToSign('kyso.signDocuments', context, askOrigins, prepareSign);
      if (!outcome) throw new KysoError('INTERNAL_ERROR', { reason: 'consent ended without signed documents' });
      payload.documents.forEach((item, i) => {
        if (item.handle !== undefined) owners.delete(item.handle); // the host deleted the uploads
        const result = outcome!.results[i];
        if (result?.ok) register(result.handle, { origin: context.frameOrigin, kind: item.kind });
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
  const info = await host.request('host.documentInfo', { handle: item.handle }, { timeoutMs: HOST_QUICK_REQUEST_TIMEOUT_MS, signal });
  if (info.kind !== item.kind) throw new KysoError('BAD_REQUEST', { reason: 'document kind differs from its upload' });
  const shown: ConsentDocument = { ...base, size: info.size, sha256: info.sha256, ...(info.xml ? { xml: info.xml } : {}) };
  if (item.kind === 'cms') {
    // The window shows what the content is and an excerpt: the person sees more than a name and a hash.
    const head = info.size === 0 ? new Uint8Array() : base64ToBytes((await host.request('host.documentRead', { handle: item.handle, offset: 0 }, { timeoutMs: HOST_QUICK_REQUEST_TIMEOUT_MS, signal })).data, 'BAD_REQUEST');
    return { ...shown, content: describeContent(head.subarray(0, 4096), info.size) };
  }
  if (item.kind !== 'pdf') return shown;
  const o = item.options ?? {};
  const hostPdf = hostPdfInfo(info);
  const pdfError = hostAnswer(info, 'pdfError', SerializedErrorSchema);
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

/**
 * The host's `pdf` answer (pages, warnings, the stamp as it will be placed) and `pdfError` (why there is none),
 * when the host sends them (issue 9 §1). Read through their own schemas so this works before and after the shared
 * DocumentInfo schema gains the fields; an answer that does not fit is refused rather than shown without its warnings.
 */
function hostPdfInfo(info: object): v.InferOutput<typeof HostPdfInfoSchema> | undefined {
  return hostAnswer(info, 'pdf', HostPdfInfoSchema);
}

function hostAnswer<S extends v.GenericSchema>(info: object, field: string, schema: S): v.InferOutput<S> | undefined {
  const value = (info as Record<string, unknown>)[field];
  if (value === undefined) return undefined;
  const parsed = v.safeParse(schema, value);
  if (!parsed.success) throw new KysoError('INTERNAL_ERROR', { reason: `host.documentInfo ${field} answer not understood` });
  return parsed.output;
}
