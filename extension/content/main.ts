/**
 * Content script entry (classic script, every frame of every site, document_start): wire the relay to this frame's
 * window and the background — and nothing else. It stays tiny (no validation library, no browser polyfill; see
 * relay.ts): on a page that never signs it adds one message listener and opens no port. The plugin-compatibility
 * bridge is a separate content script the background registers only for the sites allowed to use it
 * (compat-bridge-main.ts, extension/background/compat/shim-registration.ts).
 */
import { PAGE_PORT_NAME } from '../messaging/page-port-name.js';
import { createRelay, type BackgroundPort } from './relay.js';

/** Firefox's `browser.runtime` or Chromium's `chrome.runtime`: both have connect({ name }) with the same port shape. */
const runtime = ((globalThis as { browser?: { runtime?: unknown } }).browser?.runtime
  ?? (globalThis as { chrome?: { runtime?: unknown } }).chrome?.runtime) as { connect(info: { name: string }): BackgroundPort };

const relay = createRelay({
  window,
  origin: location.origin,
  connect: () => runtime.connect({ name: PAGE_PORT_NAME }),
});

window.addEventListener('message', (event) => relay.handleMessage(event as unknown as Parameters<typeof relay.handleMessage>[0]));
