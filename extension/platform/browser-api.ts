/**
 * The only import of webextension-polyfill. Every other extension module talks to the browser through
 * this narrow adapter, so per-browser differences (Chrome's `runtime.lastError` vs Firefox's `port.error`)
 * are handled in one place and the rest of the code stays testable.
 */
import browser from 'webextension-polyfill';
import type { Runtime, Windows } from 'webextension-polyfill';

export type BrowserPort = Runtime.Port;
export type MessageSender = Runtime.MessageSender;
export type BrowserWindow = Windows.Window;

export const browserApi = {
  connectNative(hostName: string): BrowserPort {
    return browser.runtime.connectNative(hostName);
  },
  /** Open a port to the background (content script side). */
  connect(name: string): BrowserPort {
    return browser.runtime.connect({ name });
  },
  onConnect(listener: (port: BrowserPort) => void): void {
    browser.runtime.onConnect.addListener(listener);
  },
  /** Runtime message with a promised reply (consent window → background). */
  sendMessage(message: unknown): Promise<unknown> {
    return browser.runtime.sendMessage(message);
  },
  /** Listener returns a promise for the reply, or undefined to ignore the message. */
  onMessage(listener: (message: unknown, sender: MessageSender) => Promise<unknown> | undefined): void {
    browser.runtime.onMessage.addListener(listener as never);
  },
  getURL(path: string): string {
    return browser.runtime.getURL(path);
  },
  manifestVersion(): string {
    return browser.runtime.getManifest().version;
  },
  async createPopupWindow(url: string, width: number, height: number): Promise<BrowserWindow> {
    return browser.windows.create({ url, type: 'popup', width, height, focused: true });
  },
  async removeWindow(windowId: number): Promise<void> {
    try { await browser.windows.remove(windowId); } catch { /* already closed */ }
  },
  async focusWindow(windowId: number): Promise<void> {
    try { await browser.windows.update(windowId, { focused: true }); } catch { /* closed meanwhile */ }
  },
  onWindowRemoved(listener: (windowId: number) => void): void {
    browser.windows.onRemoved.addListener(listener);
  },
  /** storage.managed (admin policy); undefined when the browser has none. */
  managedStorage(): { get(keys: string[]): Promise<Record<string, unknown>> } | undefined {
    return browser.storage?.managed;
  },
  localStorageGet(key: string): Promise<Record<string, unknown>> {
    return browser.storage.local.get(key);
  },
  localStorageSet(items: Record<string, unknown>): Promise<void> {
    return browser.storage.local.set(items);
  },
  onStorageChanged(listener: (changes: Record<string, unknown>, areaName: string) => void): void {
    browser.storage.onChanged.addListener(listener as never);
  },
  /**
   * Run an extension script file in one frame's MAIN world before the answer (the plugin-compatibility shim).
   * `scripting` permission + host permission for the page [Chrome scripting.executeScript, MDN].
   */
  async injectMainWorldScript(tabId: number, frameId: number, file: string): Promise<void> {
    await browser.scripting.executeScript({ target: { tabId, frameIds: [frameId] }, world: 'MAIN', files: [file], injectImmediately: true });
  },
  /**
   * Keep one MAIN-world content script registered at document_start for these match patterns (none: unregistered).
   * Not persisted across browser sessions: the background registers it again at start-up.
   */
  async syncMainWorldContentScript(id: string, file: string, matches: readonly string[]): Promise<void> {
    await browserApi.syncContentScript(id, file, matches, 'MAIN');
  },
  /**
   * Run an ISOLATED-world script in every frame of the open tabs whose URL matches (a content script registered
   * now does not run in pages already loaded). Best effort: a tab that cannot be scripted is skipped.
   */
  async injectIntoOpenTabs(matches: readonly string[], file: string): Promise<void> {
    if (matches.length === 0) return;
    const tabs = await browser.tabs.query({ url: [...matches] });
    await Promise.all(tabs.map((tab) => (tab.id === undefined ? undefined
      : browser.scripting.executeScript({ target: { tabId: tab.id, allFrames: true }, files: [file], injectImmediately: true }).catch(() => undefined))));
  },
  /** The same for a content script in the extension's ISOLATED world (the plugin-compatibility bridge). */
  async syncContentScript(id: string, file: string, matches: readonly string[], world: 'MAIN' | 'ISOLATED' = 'ISOLATED'): Promise<void> {
    const existing = await browser.scripting.getRegisteredContentScripts({ ids: [id] });
    if (matches.length === 0) {
      if (existing.length > 0) await browser.scripting.unregisterContentScripts({ ids: [id] });
      return;
    }
    const script = { id, js: [file], matches: [...matches], world, runAt: 'document_start' as const, allFrames: true, persistAcrossSessions: false };
    if (existing.length > 0) await browser.scripting.updateContentScripts([script]);
    else await browser.scripting.registerContentScripts([script]);
  },
  /** A tab by id, or the active tab of the current window (the toolbar popup's site). */
  async tabOrActive(tabId: number | undefined): Promise<{ id?: number | undefined; url?: string | undefined } | undefined> {
    if (tabId !== undefined) return browser.tabs.get(tabId).catch(() => undefined);
    const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
    return tab;
  },
  async reloadTab(tabId: number): Promise<void> {
    await browser.tabs.reload(tabId);
  },
  /**
   * Why a port closed, if the browser said. Chrome sets `runtime.lastError` inside onDisconnect;
   * Firefox puts an Error on `port.error` [MDN runtime.Port].
   */
  disconnectReason(port: BrowserPort): string | undefined {
    const firefox = (port as { error?: { message?: string } | null }).error?.message;
    if (firefox) return firefox;
    const chromeGlobal = (globalThis as { chrome?: { runtime?: { lastError?: { message?: string } } } }).chrome;
    return chromeGlobal?.runtime?.lastError?.message ?? undefined;
  },
};
