/**
 * Host dispatcher: validate each request with HostRequestSchema, run its handler, validate the result with
 * the operation's result schema, reply. Requests run concurrently (the token layer serialises per token).
 * Nothing from a request (least of all a PIN) is echoed into an error.
 *
 * Handlers are loaded on first use (dynamic import, a separate chunk in the bundle): the browser starts the host
 * for every connection and waits for `host.hello`, which must not pay for pdf.js, pdf-lib, fonts, XML or the
 * verifiers it never uses (docs/benchmarks.md "Host cold start").
 */
import * as v from 'valibot';
import { HOST_OPERATIONS, HostRequestSchema, type HostOperation, type HostRequestPayload } from '../../shared/protocol/host-messages.js';
import { RequestIdSchema } from '../../shared/protocol/common.js';
import { PROTOCOL_VERSION } from '../../shared/limits.js';
import { KysoError, serializeError } from '../../shared/errors/kyso-error.js';
import { parseOrThrow } from '../../shared/protocol/validate.js';
import type { HandlerContext } from './handler-context.js';
import { hello } from './handlers/hello.js';
import { listTokens } from './handlers/list-tokens.js';
import { listCertificates } from './handlers/list-certificates.js';
import { loadOnce } from '../load-once.js';

type Reply = { v: typeof PROTOCOL_VERSION; id: string } & Record<string, unknown>;

type Handlers = { [K in HostOperation]: (context: HandlerContext, payload: HostRequestPayload<K>) => Promise<unknown> };

/** One handler per HOST_OPERATIONS entry; the type makes a missing one a compile error. */
export const HOST_HANDLERS: Handlers = {
  'host.hello': (context) => hello(context),
  'host.listTokens': (context) => listTokens(context),
  'host.listCertificates': (context, payload) => listCertificates(context, payload),
  // Lazy too: it now records the signing history and completes the chain (x509, pkijs); the consent window the
  // person answers first dwarfs the one-time chunk load.
  'host.signDigest': async (context, payload) => (await import('./handlers/sign-digest.js')).signDigest(context, payload),
  'host.signDigests': async (context, payload) => (await import('./handlers/sign-digests.js')).signDigests(context, payload),
  'host.revealCertificates': async (context, payload) => (await import('./handlers/reveal-certificates.js')).revealCertificates(context, payload),
  'host.verifyDocument': async (context, payload) => (await import('./handlers/verify-document.js')).verifyDocument(context, payload),
  'host.documentBegin': async (context, payload) => (await documentUpload()).documentBegin(context, payload),
  'host.documentChunk': async (context, payload) => (await documentUpload()).documentChunk(context, payload),
  'host.documentInfo': async (context, payload) => (await documentUpload()).documentInfo(context, payload),
  'host.documentRead': async (context, payload) => (await documentUpload()).documentRead(context, payload),
  'host.documentDiscard': async (context, payload) => (await documentUpload()).documentDiscard(context, payload),
  'host.signDocuments': async (context, payload) => (await import('./handlers/sign-documents.js')).signDocuments(context, payload),
  'host.history': async (_context, payload) => (await import('./handlers/history.js')).history(payload),
};

/**
 * The upload handlers' module, as ONE promise (load-once.ts): continuations awaiting the same promise run in the order
 * they were registered [ECMA-262 §27.2.1.3 PromiseReactionJobs are FIFO], so chunk frames still reach the store's
 * order check in the order they arrived, as when the handler was called synchronously.
 */
const documentUpload = loadOnce(() => import('./handlers/sign-document-upload.js'));

export function errorReply(id: string, error: unknown): Reply {
  return { v: PROTOCOL_VERSION, id, type: 'host.error', error: serializeError(error) };
}

/** The request id if the message carries a well-formed one, so even a refusal reaches the right request. */
export function requestIdOf(message: unknown): string {
  const id = (message as { id?: unknown } | null)?.id;
  return v.is(RequestIdSchema, id) ? id : '';
}

/** Handle one decoded message; always resolves to exactly one reply. */
export async function dispatch(context: HandlerContext, message: unknown): Promise<Reply> {
  const id = requestIdOf(message);
  const started = Date.now();
  let type = 'unknown';
  try {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new KysoError('BAD_REQUEST', { problem: 'not an object' });
    const version = (message as { v?: unknown }).v;
    if (version !== PROTOCOL_VERSION) {
      throw new KysoError('UNSUPPORTED_VERSION', { expected: PROTOCOL_VERSION, received: typeof version === 'number' ? version : String(version).slice(0, 16) });
    }
    const request = parseOrThrow(HostRequestSchema, message, 'BAD_REQUEST');
    type = request.type;
    const handler = HOST_HANDLERS[request.type] as (c: HandlerContext, p: unknown) => Promise<unknown>;
    const raw = await handler(context, request.payload);
    const checked = v.safeParse(HOST_OPERATIONS[request.type].result, raw);
    if (!checked.success) {
      // Our own bug: never send a reply the extension would have to distrust.
      const issue = checked.issues[0];
      context.logger.log('error', 'result failed its schema', {
        type, path: issue?.path?.map((p) => String((p as { key?: unknown }).key)).join('.') ?? '', expected: issue?.expected ?? '',
      });
      throw new KysoError('INTERNAL_ERROR', { operation: request.type });
    }
    context.logger.log('info', 'request done', { id, type, ms: Date.now() - started });
    return { v: PROTOCOL_VERSION, id: request.id, type: 'host.result', payload: checked.output };
  } catch (error) {
    const kyso = error instanceof KysoError ? error : new KysoError('INTERNAL_ERROR');
    context.logger.log(kyso.code === 'INTERNAL_ERROR' ? 'error' : 'info', 'request failed', {
      id, type, code: kyso.code, ms: Date.now() - started,
      ...(error instanceof KysoError ? {} : { cause: error instanceof Error ? error.message : String(error) }),
    });
    return errorReply(id, kyso);
  }
}
