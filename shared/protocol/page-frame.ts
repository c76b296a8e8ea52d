/**
 * The window.postMessage channel name of page → content-script requests, alone in a module without the validation
 * library: the content script injected into every frame of every site imports only this to recognise the SDK's
 * envelope (extension/content/main.ts); page-messages.ts re-exports it with the full schemas.
 */
export const PAGE_REQUEST_CHANNEL = 'kyso/page-request' as const;
