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
import { decideAccess, readManagedPolicy, readUserOrigins, rememberUserChoice, warmAccessPolicy } from './access/access-policy.js';
import { COMPAT_SHIM_FILE, createCompatService } from './compat/compat-service.js';
import { BRIDGE_SCRIPT_ID, COMPAT_BRIDGE_FILE, SHIM_SCRIPT_ID } from './compat/shim-registration.js';
import { IS_DEVELOPMENT_BUILD } from '../platform/build-flags.js';
import { createSitePopupHandler } from './compat/site-popup.js';
import { createLocalFilePicker } from './compat/local-file-picker.js';
import { readStampImages } from './compat/stamp-image-source.js';
import { createPopupHealthHandler } from './health/popup-health.js';
import { HOST_QUICK_REQUEST_TIMEOUT_MS, HOST_SIGN_TIMEOUT_MS } from '../../shared/limits.js';
import { PLUGIN_COMPATIBILITY_KEY, PLUGIN_COMPATIBILITY_ORIGINS_KEY, parseCompatibilityPolicyKeys, type CompatibilityPolicy } from './compat/compat-policy.js';
import { handleOptionsHistoryMessage } from './history/options-history.js';
import { markLatest } from './timing-marks.js';

const host = new NativeHostClient({
  hostName: NATIVE_HOST_NAME,
  extensionVersion: EXTENSION_VERSION,
  connectNative: (name) => browserApi.connectNative(name) as unknown as NativePort,
  disconnectReason: (port) => browserApi.disconnectReason(port as unknown as BrowserPort),
});

const consent = new ConsentBroker({
  createWindow: async (url, width, height) => {
    markLatest('kyso:window-create');
    const window = await browserApi.createPopupWindow(url, width, height);
    markLatest('kyso:window-created');
    return window;
  },
  removeWindow: (id) => browserApi.removeWindow(id),
  focusWindow: (id) => browserApi.focusWindow(id),
  getURL: (path) => browserApi.getURL(path),
  rememberUserChoice,
  revealCertificates: async (tokenId, pin) => {
    await host.request('host.revealCertificates', pin === undefined ? { tokenId } : { tokenId, pin }, { timeoutMs: HOST_SIGN_TIMEOUT_MS });
  },
});

const route = createRouter({ host, consent, decideAccess, extensionVersion: EXTENSION_VERSION });

// VGCA / VNPT-CA plugin pages (compat/): the shim is installed only where the gate allows; frames re-checked.
// The policy is read once and kept until the managed area changes; read at start-up (Chromium answers the first
// storage.managed read ≈ 2 s after start), so the shim is installed before a portal's first socket where possible.
let compatPolicy: Promise<CompatibilityPolicy> | undefined;
const readCompatibilityPolicy = () => compatPolicy ??= (async () => {
  const values = await browserApi.managedStorage()?.get([PLUGIN_COMPATIBILITY_KEY, PLUGIN_COMPATIBILITY_ORIGINS_KEY]).catch(() => ({})) ?? {};
  return parseCompatibilityPolicyKeys(values as Record<string, unknown>);
})();
browserApi.onStorageChanged((_changes, area) => { if (area === 'managed') compatPolicy = undefined; });
warmAccessPolicy();
void readCompatibilityPolicy();
// VGCA FileName "": the person chooses the file in Kyso's own window, never in the page.
const localFiles = createLocalFilePicker({
  createWindow: (url, width, height) => browserApi.createPopupWindow(url, width, height),
  removeWindow: (id) => browserApi.removeWindow(id),
  getURL: (path) => browserApi.getURL(path),
});
const compat = createCompatService({
  chooseLocalFile: (ask, signal) => localFiles.choose(ask, signal),
  // Read at each signature (a person may change them on the options page at any time); re-checked when parsed.
  stampImages: () => readStampImages({
    localGet: (key) => browserApi.localStorageGet(key),
    managedGet: (keys) => browserApi.managedStorage()?.get(keys) ?? Promise.resolve({}),
  }),
  route,
  decideAccess,
  readCompatibilityPolicy,
  adminAllowedOrigins: async () => (await readManagedPolicy()).allowed,
  inject: (tabId, frameId, file) => browserApi.injectMainWorldScript(tabId, frameId, file),
  userAllowedOrigins: async () => ((await readManagedPolicy()).allowUserOrigins
    ? (await readUserOrigins()).filter((e) => e.decision === 'allow').map((e) => e.origin) : []),
  developmentBuild: IS_DEVELOPMENT_BUILD,
  register: async (matches) => {
    await browserApi.syncMainWorldContentScript(SHIM_SCRIPT_ID, COMPAT_SHIM_FILE, matches);
    await browserApi.syncContentScript(BRIDGE_SCRIPT_ID, COMPAT_BRIDGE_FILE, matches);
  },
  startInOpenTabs: (matches) => browserApi.injectIntoOpenTabs(matches, COMPAT_BRIDGE_FILE),
});
void compat.syncRegistration();
// Policy or the person's sites changed: the early registration follows (the per-frame gate applies at once anyway).
browserApi.onStorageChanged((_changes, area) => { if (area === 'managed' || area === 'local') void compat.syncRegistration(); });

browserApi.onConnect((port) => {
  acceptPagePort(port as unknown as PagePort, route);
  compat.acceptPort(port as unknown as PagePort);
});
const popup = createSitePopupHandler({
  getURL: (path) => browserApi.getURL(path),
  tab: (tabId) => browserApi.tabOrActive(tabId),
  decideAccess,
  rememberUserChoice,
  // The reloaded page must find the bridge and the shim registered for the site just allowed.
  reload: async (tabId) => {
    await compat.syncRegistration();
    await browserApi.reloadTab(tabId);
  },
});
const popupHealth = createPopupHealthHandler({
  getURL: (path) => browserApi.getURL(path),
  extensionVersion: EXTENSION_VERSION,
  hello: () => host.hello(),
  listTokens: async () => (await host.request('host.listTokens', {}, { timeoutMs: HOST_QUICK_REQUEST_TIMEOUT_MS })).tokens,
  listCertificates: async () => (await host.request('host.listCertificates', {}, { timeoutMs: HOST_QUICK_REQUEST_TIMEOUT_MS })).certificates,
  readManagedPolicy,
});
browserApi.onMessage((message, sender) =>
  consent.handleMessage(message, sender.url) ?? localFiles.handleMessage(message, sender.url) ?? compat.handleMessage(message, sender) ?? popupHealth(message, sender.url) ?? popup(message, sender.url)
  ?? handleOptionsHistoryMessage({ host, getURL: (path) => browserApi.getURL(path) }, message, sender.url));
browserApi.onWindowRemoved((windowId) => { consent.handleWindowRemoved(windowId); localFiles.handleWindowRemoved(windowId); });
