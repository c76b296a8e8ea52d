/**
 * Content script entry (classic script, every frame of every site, document_start). It is kept tiny (≤ 10 KB,
 * test/integration/content-script-size.test.ts): on a page that never signs it only adds one `message` listener
 * that ignores everything but the SDK's envelope — no validation library, no port, no message to the background.
 * The first time the page posts a Kyso request, it imports the page relay (page-relay.js, a web-accessible module
 * behind a per-session URL) and hands it that request and any that arrived meanwhile, in order; the relay
 * validates each fully and acknowledges it as before.
 * The plugin-compatibility bridge is a separate content script the background registers only for the sites allowed
 * to use it (compat-bridge-main.ts, extension/background/compat/shim-registration.ts).
 */
import { PAGE_PORT_NAME } from '../messaging/page-port-name.js';
import { PAGE_REQUEST_CHANNEL } from '../../shared/protocol/page-frame.js';
import type { BackgroundPort, PageMessageEvent } from './relay.js';
import type { startPageRelay } from './page-relay.js';

/** The module built from page-relay.ts (scripts/build.mjs), listed in web_accessible_resources. */
const PAGE_RELAY_FILE = 'page-relay.js';

interface Runtime {
  connect(info: { name: string }): BackgroundPort;
  getURL(path: string): string;
}
/** Firefox's `browser.runtime` or Chromium's `chrome.runtime` (the same two calls; no polyfill needed). */
const runtime = ((globalThis as { browser?: { runtime?: Runtime } }).browser?.runtime
  ?? (globalThis as { chrome?: { runtime?: Runtime } }).chrome?.runtime) as Runtime;

let relay: ((event: PageMessageEvent) => void) | undefined;
let loading = false;
/**
 * Requests posted while the relay loads (a few ms), handed to it in order: it answers each as it would have
 * (TOO_MANY_REQUESTS beyond its pending limit). Bounded against a page that floods during those milliseconds.
 */
const WAITING_MAX = 1024;
const waiting: PageMessageEvent[] = [];

function loadRelay(): void {
  loading = true;
  const url = runtime.getURL(PAGE_RELAY_FILE);
  (import(/* @vite-ignore */ url) as Promise<{ startPageRelay: typeof startPageRelay }>).then(
    (module) => {
      relay = module.startPageRelay({ window, origin: location.origin, connect: () => runtime.connect({ name: PAGE_PORT_NAME }) });
      for (const event of waiting.splice(0)) relay(event);
    },
    () => {
      // The extension was reloaded or removed: nothing can answer; the SDK reports the extension missing.
      waiting.length = 0;
      loading = false;
    },
  );
}

window.addEventListener('message', (event) => {
  const message = event as unknown as PageMessageEvent;
  if (relay) { relay(message); return; }
  // Cheap filter before anything is loaded: only this page's own posts in the SDK's envelope, with a reply port.
  if (event.source !== window || (event.data as { channel?: unknown } | null)?.channel !== PAGE_REQUEST_CHANNEL || event.ports.length === 0) return;
  if (waiting.length < WAITING_MAX) waiting.push(message);
  if (!loading) loadRelay();
});
