/**
 * page-relay.js: the page relay (relay.ts: full validation of every request against the protocol's schemas) as an
 * ES module that the tiny content script imports the first time its page posts a Kyso request (main.ts). A page
 * that never signs never loads it. It touches no extension API itself: the content script hands it `connect`.
 */
import { createRelay, type BackgroundPort, type PageMessageEvent } from './relay.js';

export interface PageRelayStart {
  readonly window: unknown;
  readonly origin: string;
  connect(): BackgroundPort;
}

/** The handler for this frame's window `message` events. */
export function startPageRelay(deps: PageRelayStart): (event: PageMessageEvent) => void {
  const relay = createRelay(deps);
  return (event) => relay.handleMessage(event);
}
