/** Content script entry (classic script, every frame): wire the relay to this frame's window and the background. */
import { browserApi } from '../platform/browser-api.js';
import { PAGE_PORT_NAME } from '../messaging/internal-messages.js';
import { createRelay } from './relay.js';

const relay = createRelay({
  window,
  origin: location.origin,
  connect: () => browserApi.connect(PAGE_PORT_NAME),
});

window.addEventListener('message', (event) => relay.handleMessage(event as unknown as Parameters<typeof relay.handleMessage>[0]));
