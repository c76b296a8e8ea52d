/**
 * The content script relay with hostile and sloppy page input: it must answer only its own page, only on the
 * page's private port, refuse bad requests with typed errors, and bound what one page can queue.
 */
import { describe, expect, it } from 'vitest';
import { createRelay, type BackgroundPort, type PageMessageEvent } from '../../extension/content/relay.js';
import { PAGE_REQUEST_CHANNEL } from '../../shared/protocol/page-messages.js';
import { MAX_PENDING_REQUESTS_PER_PAGE, PAGE_MESSAGE_MAX_BYTES, PROTOCOL_VERSION } from '../../shared/limits.js';

const ORIGIN = 'https://thuedientu.example.vn';
const pageWindow = { name: 'the page' };

function setup() {
  const toBackground: unknown[] = [];
  let onMessage: ((message: unknown) => void) | undefined;
  let onDisconnect: (() => void) | undefined;
  let connects = 0;
  const background: BackgroundPort = {
    postMessage: (m) => toBackground.push(m),
    onMessage: { addListener: (l) => { onMessage = l; } },
    onDisconnect: { addListener: (l) => { onDisconnect = l; } },
  };
  const relay = createRelay({ window: pageWindow, origin: ORIGIN, connect: () => { connects++; return background; } });
  return {
    relay, toBackground,
    fromBackground: (m: unknown) => onMessage?.(m),
    disconnect: () => onDisconnect?.(),
    connects: () => connects,
  };
}

/** A page port that records what the relay answers. */
function pagePort() {
  const received: Array<{ type: string; id: string; error?: { code: string } }> = [];
  let closed = false;
  return { port: { postMessage: (m: unknown) => received.push(m as never), close: () => { closed = true; } }, received, closed: () => closed };
}

const request = (id: string, extra: Record<string, unknown> = {}) => ({ v: PROTOCOL_VERSION, id, type: 'kyso.getStatus', payload: {}, ...extra });
const event = (data: unknown, ports: PageMessageEvent['ports'], overrides: Partial<PageMessageEvent> = {}): PageMessageEvent =>
  ({ source: pageWindow, origin: ORIGIN, data, ports, ...overrides });

describe('content relay', () => {
  it('acks at once, forwards to the background, then relays exactly one result on the page port', () => {
    const { relay, toBackground, fromBackground } = setup();
    const page = pagePort();
    relay.handleMessage(event({ channel: PAGE_REQUEST_CHANNEL, request: request('req-1') }, [page.port]));
    expect(page.received).toEqual([{ v: PROTOCOL_VERSION, id: 'req-1', type: 'kyso.ack' }]);
    expect(toBackground).toEqual([{ type: 'page.request', request: request('req-1') }]);
    fromBackground({ v: PROTOCOL_VERSION, id: 'req-1', type: 'kyso.result', payload: { ok: 1 } });
    fromBackground({ v: PROTOCOL_VERSION, id: 'req-1', type: 'kyso.result', payload: { again: 1 } });
    expect(page.received.map((r) => r.type)).toEqual(['kyso.ack', 'kyso.result']);
    expect(page.closed()).toBe(true);
    expect(relay.pendingCount()).toBe(0);
  });

  it('ignores messages from other windows, other origins, other shapes, and without a port', () => {
    const { relay, toBackground, connects } = setup();
    const page = pagePort();
    const good = { channel: PAGE_REQUEST_CHANNEL, request: request('req-2') };
    relay.handleMessage(event(good, [page.port], { source: { name: 'an iframe' } }));
    relay.handleMessage(event(good, [page.port], { origin: 'https://evil.example' }));
    relay.handleMessage(event({ ...good, channel: 'other' }, [page.port]));
    relay.handleMessage(event({ ...good, extra: true }, [page.port]));
    relay.handleMessage(event('kyso', [page.port]));
    relay.handleMessage(event(good, []));
    expect(page.received).toEqual([]);
    expect(toBackground).toEqual([]);
    expect(connects()).toBe(0); // the background is not even woken
  });

  it('answers a malformed request with BAD_REQUEST on the port, never forwarding it', () => {
    const { relay, toBackground } = setup();
    const page = pagePort();
    relay.handleMessage(event({ channel: PAGE_REQUEST_CHANNEL, request: { ...request('req-3'), type: 'kyso.formatDisk' } }, [page.port]));
    relay.handleMessage(event({ channel: PAGE_REQUEST_CHANNEL, request: { v: 1, id: 'bad id with spaces', type: 'kyso.getStatus', payload: {} } }, [page.port]));
    expect(page.received.map((r) => [r.id, r.error?.code])).toEqual([['req-3', 'BAD_REQUEST'], ['unknown', 'BAD_REQUEST']]);
    expect(toBackground).toEqual([]);
  });

  it('names the protocol version problem as UNSUPPORTED_VERSION', () => {
    const { relay } = setup();
    const page = pagePort();
    relay.handleMessage(event({ channel: PAGE_REQUEST_CHANNEL, request: request('req-4', { v: 99 }) }, [page.port]));
    expect(page.received[0]?.error?.code).toBe('UNSUPPORTED_VERSION');
  });

  it('refuses an oversized message with PAYLOAD_TOO_LARGE', () => {
    const { relay, toBackground } = setup();
    const page = pagePort();
    const huge = { ...request('req-5'), type: 'kyso.signHash', payload: { hash: 'A'.repeat(PAGE_MESSAGE_MAX_BYTES), hashAlgorithm: 'SHA-256' } };
    relay.handleMessage(event({ channel: PAGE_REQUEST_CHANNEL, request: huge }, [page.port]));
    expect(page.received[0]?.error?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(toBackground).toEqual([]);
  });

  it(`bounds pending requests per page at ${MAX_PENDING_REQUESTS_PER_PAGE} (TOO_MANY_REQUESTS) and refuses duplicate ids`, () => {
    const { relay, toBackground } = setup();
    const pages = Array.from({ length: MAX_PENDING_REQUESTS_PER_PAGE + 1 }, () => pagePort());
    pages.forEach((page, i) => relay.handleMessage(event({ channel: PAGE_REQUEST_CHANNEL, request: request(`req-${i}`) }, [page.port])));
    expect(toBackground).toHaveLength(MAX_PENDING_REQUESTS_PER_PAGE);
    expect(pages.at(-1)!.received[0]?.error?.code).toBe('TOO_MANY_REQUESTS');
    const duplicate = pagePort();
    relay.handleMessage(event({ channel: PAGE_REQUEST_CHANNEL, request: request('req-0') }, [duplicate.port]));
    expect(duplicate.received[0]?.error?.code).toBe('BAD_REQUEST');
  });

  it('fails pending requests when the background goes away, and reconnects for the next one', () => {
    const { relay, disconnect, connects } = setup();
    const page = pagePort();
    relay.handleMessage(event({ channel: PAGE_REQUEST_CHANNEL, request: request('req-6') }, [page.port]));
    disconnect();
    expect(page.received.map((r) => r.type)).toEqual(['kyso.ack', 'kyso.error']);
    relay.handleMessage(event({ channel: PAGE_REQUEST_CHANNEL, request: request('req-7') }, [pagePort().port]));
    expect(connects()).toBe(2);
  });
});
