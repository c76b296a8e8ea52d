/**
 * The options page's one way to the signing history: a runtime message `options.history` answered with the
 * host's `host.history`. Only the extension's own options page may ask — the sender URL is the browser's
 * (`sender.url`), and a content script's messages carry its web page's URL — and web pages have no path here at
 * all: the page-facing router knows only PAGE_OPERATIONS, which has no history operation (issue 16 §1: "a site
 * cannot read it").
 */
import * as v from 'valibot';
import { KysoError, serializeError } from '../../../shared/errors/kyso-error.js';
import { HOST_QUICK_REQUEST_TIMEOUT_MS } from '../../../shared/limits.js';
import { HistoryQuerySchema } from '../../../shared/protocol/signing-history.js';
import type { NativeHostClient } from '../native/host-client.js';
import { OptionsHistoryMessageSchema, type OptionsHistoryReply } from '../../messaging/options-history-messages.js';

export const OPTIONS_PAGE_PATH = 'ui/options/options.html';

export interface OptionsHistoryDependencies {
  readonly host: Pick<NativeHostClient, 'request'>;
  getURL(path: string): string;
}

/** Undefined: not an options.history message (another listener's). */
export function handleOptionsHistoryMessage(deps: OptionsHistoryDependencies, message: unknown, senderUrl: string | undefined): Promise<OptionsHistoryReply> | undefined {
  if ((message as { kind?: unknown } | null)?.kind !== 'options.history') return undefined;
  const optionsPage = deps.getURL(OPTIONS_PAGE_PATH);
  // Exact page, any query/fragment: not another extension page, never a web page's content script.
  if (!senderUrl || (senderUrl !== optionsPage && !senderUrl.startsWith(`${optionsPage}?`) && !senderUrl.startsWith(`${optionsPage}#`))) {
    return Promise.resolve({ ok: false, error: serializeError(new KysoError('OPERATION_NOT_ALLOWED', { reason: 'signing history is for the options page only' })) });
  }
  const parsed = v.safeParse(OptionsHistoryMessageSchema, message);
  if (!parsed.success) return Promise.resolve({ ok: false, error: serializeError(new KysoError('BAD_REQUEST')) });
  const query = v.parse(HistoryQuerySchema, parsed.output.query);
  return deps.host.request('host.history', query, { timeoutMs: HOST_QUICK_REQUEST_TIMEOUT_MS }).then(
    (result): OptionsHistoryReply => ({ ok: true, result }),
    (error: unknown): OptionsHistoryReply => ({ ok: false, error: serializeError(error) }),
  );
}
