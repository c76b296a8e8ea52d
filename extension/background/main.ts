/**
 * Background entry (Chromium service worker / Firefox background script). Wires the browser adapter to the
 * native host client, the consent broker, the access policy and the router. Listeners are registered
 * synchronously at start-up so a service worker woken by an event receives it [Chrome MV3 service worker lifecycle].
 */
import { browserApi, type BrowserPort } from '../platform/browser-api.js';
import { EXTENSION_VERSION } from '../platform/build-flags.js';
import { NATIVE_HOST_NAME } from '../../shared/native-host-name.js';
import { NativeHostClient, type NativePort } from './native/host-client.js';
import { ConsentBroker } from './consent/consent-broker.js';
import { createRouter } from './router.js';
import { acceptPagePort, type PagePort } from './page-connections.js';
import { decideAccess, rememberUserChoice } from './access/access-policy.js';
import { handleOptionsHistoryMessage } from './history/options-history.js';

const host = new NativeHostClient({
  hostName: NATIVE_HOST_NAME,
  extensionVersion: EXTENSION_VERSION,
  connectNative: (name) => browserApi.connectNative(name) as unknown as NativePort,
  disconnectReason: (port) => browserApi.disconnectReason(port as unknown as BrowserPort),
});

const consent = new ConsentBroker({
  createWindow: (url, width, height) => browserApi.createPopupWindow(url, width, height),
  removeWindow: (id) => browserApi.removeWindow(id),
  focusWindow: (id) => browserApi.focusWindow(id),
  getURL: (path) => browserApi.getURL(path),
  rememberUserChoice,
});

const route = createRouter({ host, consent, decideAccess, extensionVersion: EXTENSION_VERSION });

browserApi.onConnect((port) => acceptPagePort(port as unknown as PagePort, route));
browserApi.onMessage((message, sender) => consent.handleMessage(message, sender.url)
  ?? handleOptionsHistoryMessage({ host, getURL: (path) => browserApi.getURL(path) }, message, sender.url));
browserApi.onWindowRemoved((windowId) => consent.handleWindowRemoved(windowId));
