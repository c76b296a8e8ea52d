/** Content script entry (classic script, every frame): wire the relay to this frame's window and the background. */
import { browserApi } from '../platform/browser-api.js';
import { PAGE_PORT_NAME } from '../messaging/internal-messages.js';
import { COMPAT_PORT_NAME } from '../compat/compat-messages.js';
import { createRelay } from './relay.js';
import { startCompatBridge } from './compat-bridge.js';

const relay = createRelay({
  window,
  origin: location.origin,
  connect: () => browserApi.connect(PAGE_PORT_NAME),
});

window.addEventListener('message', (event) => relay.handleMessage(event as unknown as Parameters<typeof relay.handleMessage>[0]));

// VGCA / VNPT-CA plugin pages: the background decides whether this frame gets the WebSocket shim (compat-bridge.ts).
void startCompatBridge({
  window,
  origin: location.origin,
  ask: (message) => browserApi.sendMessage(message),
  connect: () => browserApi.connect(COMPAT_PORT_NAME),
  createChannel: () => new MessageChannel(),
});
