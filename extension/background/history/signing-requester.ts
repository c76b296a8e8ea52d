/**
 * The `requester` the background adds to host.signDigest / host.signDocuments for the signing history: the
 * origins come from the browser's `sender` (RequestContext), never from the page's payload; the page operation,
 * description and file names are the page's, recorded as the page stated them. The host validates it again.
 */
import { parseRequesterOrigin } from '../../../shared/domain/origin.js';
import type { SigningRequester } from '../../../shared/protocol/signing-history.js';
import type { PageOperation } from '../../../shared/protocol/page-messages.js';

export function signingRequester(
  context: { readonly frameOrigin: string; readonly topOrigin: string | undefined },
  pageOperation: PageOperation,
  page: { readonly description?: string | undefined; readonly documentNames?: ReadonlyArray<string | undefined> } = {},
): { requester: SigningRequester } | Record<string, never> {
  const origin = parseRequesterOrigin(context.frameOrigin);
  // The access policy already refused anything else; without a real origin there is nothing true to record.
  if (!origin.ok) return {};
  const top = parseRequesterOrigin(context.topOrigin);
  return {
    requester: {
      origin: origin.value.serialized,
      ...(top.ok && top.value.serialized !== origin.value.serialized ? { topOrigin: top.value.serialized } : {}),
      pageOperation,
      ...(page.description ? { description: page.description } : {}),
      // '' for a nameless document: JSON would turn an undefined array entry into null.
      ...(page.documentNames ? { documentNames: page.documentNames.map((name) => name ?? '') } : {}),
    },
  };
}
