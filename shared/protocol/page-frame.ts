/**
 * The page ⇄ content-script frame without its payload schemas: the window.postMessage channel name and the
 * operation names. Plain constants, no validation library: the content script injected into every frame of every
 * site imports only these (extension/content/relay.ts); page-messages.ts holds the full schemas, which the
 * background applies to every request (unit test page-frame.test.ts keeps the two lists equal).
 */
export const PAGE_REQUEST_CHANNEL = 'kyso/page-request' as const;

export const PAGE_OPERATION_NAMES = [
  'kyso.getStatus', 'kyso.listCertificates', 'kyso.signHash', 'kyso.signHashes', 'kyso.authenticate', 'kyso.verify',
  'kyso.documentBegin', 'kyso.documentChunk', 'kyso.documentRead', 'kyso.signDocuments',
] as const;
