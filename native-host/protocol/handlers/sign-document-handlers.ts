/** The document operations' handlers, spread into HOST_HANDLERS (dispatcher.ts). */
import type { HostRequestPayload } from '../../../shared/protocol/host-messages.js';
import type { HandlerContext } from '../handler-context.js';
import { documentBegin, documentChunk, documentDiscard, documentInfo, documentRead } from './sign-document-upload.js';
import { signDocuments } from './sign-documents.js';

export const DOCUMENT_HOST_HANDLERS = {
  'host.documentBegin': (context: HandlerContext, payload: HostRequestPayload<'host.documentBegin'>) => documentBegin(context, payload),
  'host.documentChunk': (context: HandlerContext, payload: HostRequestPayload<'host.documentChunk'>) => documentChunk(context, payload),
  'host.documentInfo': (context: HandlerContext, payload: HostRequestPayload<'host.documentInfo'>) => documentInfo(context, payload),
  'host.documentRead': (context: HandlerContext, payload: HostRequestPayload<'host.documentRead'>) => documentRead(context, payload),
  'host.documentDiscard': (context: HandlerContext, payload: HostRequestPayload<'host.documentDiscard'>) => documentDiscard(context, payload),
  'host.signDocuments': (context: HandlerContext, payload: HostRequestPayload<'host.signDocuments'>) => signDocuments(context, payload),
} as const;
