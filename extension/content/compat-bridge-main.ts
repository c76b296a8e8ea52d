/**
 * Entry of compat-bridge.js: the plugin-compatibility bridge (compat-bridge.ts) as its own content script. The
 * background registers it (ISOLATED world, document_start, all frames) for exactly the match patterns the
 * MAIN-world shim is registered for — the sites allowed to use the transport — so a site that is not allowed gets
 * neither script and its frames send the background nothing (extension/background/compat/shim-registration.ts).
 */
import { browserApi } from '../platform/browser-api.js';
import { COMPAT_PORT_NAME } from '../compat/compat-messages.js';
import { startCompatBridge } from './compat-bridge.js';

// Registered for the frame AND started in already-open tabs at the background's start: run once per frame (this
// flag lives in the extension's isolated world; the page cannot see or set it).
const started = globalThis as { kysoCompatBridgeStarted?: boolean };
if (!started.kysoCompatBridgeStarted) {
  started.kysoCompatBridgeStarted = true;
  startBridge();
}

function startBridge(): void {
  void startCompatBridge({
    window,
    origin: location.origin,
    ask: (message) => browserApi.sendMessage(message),
    connect: () => browserApi.connect(COMPAT_PORT_NAME),
    createChannel: () => new MessageChannel(),
  });
}
