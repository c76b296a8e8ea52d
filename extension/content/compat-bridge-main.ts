/**
 * Entry of compat-bridge.js: the plugin-compatibility bridge (compat-bridge.ts) as its own content script. The
 * background registers it (ISOLATED world, document_start, all frames) for exactly the match patterns the
 * MAIN-world shim is registered for — the sites allowed to use the transport — so a site that is not allowed gets
 * neither script and its frames send the background nothing (extension/background/compat/shim-registration.ts).
 */
import { browserApi } from '../platform/browser-api.js';
import { COMPAT_PORT_NAME } from '../compat/compat-messages.js';
import { startCompatBridge } from './compat-bridge.js';

void startCompatBridge({
  window,
  origin: location.origin,
  ask: (message) => browserApi.sendMessage(message),
  connect: () => browserApi.connect(COMPAT_PORT_NAME),
  createChannel: () => new MessageChannel(),
});
