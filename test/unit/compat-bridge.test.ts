/**
 * The content-script bridge: when the background says no, the page sees nothing at all (no message, no port, no
 * runtime connection); when yes, exactly one handshake to the page's own origin carrying a transferred port, and
 * only schema-valid frames cross to the background.
 */
import { describe, expect, it } from 'vitest';
import { startCompatBridge, type CompatBridgeDependencies } from '../../extension/content/compat-bridge.js';

function harness(answer: unknown) {
  const posted: { message: unknown; origin: string; transfer: unknown[] }[] = [];
  const toBackground: unknown[] = [];
  let connects = 0;
  const channel = new MessageChannel();
  const deps: CompatBridgeDependencies = {
    window: { postMessage: ((message: unknown, origin: string, transfer: unknown[]) => posted.push({ message, origin, transfer })) as never },
    origin: 'https://dvc.gov.vn',
    ask: async () => answer,
    connect: () => { connects++; return { postMessage: (m) => toBackground.push(m), onMessage: { addListener: () => undefined }, onDisconnect: { addListener: () => undefined } }; },
    createChannel: () => channel,
  };
  return { deps, posted, toBackground, connects: () => connects, pagePort: channel.port2 };
}

describe('compat bridge', () => {
  it.each([{ installed: false }, undefined, { installed: 'yes' }, new Error('x')])('background answer %o: nothing reaches the page', async (answer) => {
    const h = harness(answer);
    expect(await startCompatBridge(h.deps)).toBe(false);
    expect(h.posted).toEqual([]);
    expect(h.connects()).toBe(0);
  });

  it('installed: one handshake to the page\'s own origin with the port; only valid frames are relayed', async () => {
    const h = harness({ installed: true });
    expect(await startCompatBridge(h.deps)).toBe(true);
    expect(h.posted).toHaveLength(1);
    expect(h.posted[0]!.origin).toBe('https://dvc.gov.vn');
    expect(h.posted[0]!.transfer).toHaveLength(1);
    h.pagePort.postMessage({ t: 'frame', socket: 9, data: 'x' }); // no open first: dropped
    h.pagePort.postMessage({ t: 'open', socket: 1, url: 'wss://127.0.0.1:8987/SignPDF' });
    h.pagePort.postMessage({ t: 'frame', socket: 1, data: '{}', extra: 1 }); // not the schema: dropped
    h.pagePort.postMessage({ t: 'frame', socket: 1, data: '{}' });
    await new Promise((r) => setTimeout(r, 20));
    expect(h.toBackground).toEqual([{ t: 'open', socket: 1, url: 'wss://127.0.0.1:8987/SignPDF' }, { t: 'frame', socket: 1, data: '{}' }]);
    h.pagePort.close();
  });

  it('refused where the early-registered shim may run ({disable:true}): one handshake with enabled:false and no port; no runtime connection', async () => {
    const h = harness({ installed: false, disable: true });
    expect(await startCompatBridge(h.deps)).toBe(false);
    expect(h.posted).toEqual([{ message: { kind: 'kyso/compat-port', enabled: false }, origin: 'https://dvc.gov.vn', transfer: [] }]);
    expect(h.connects()).toBe(0);
  });

  it('non-web pages (file:, about:) never ask', async () => {
    let asked = false;
    const h = harness({ installed: true });
    expect(await startCompatBridge({ ...h.deps, origin: 'null', ask: async () => { asked = true; return { installed: true }; } })).toBe(false);
    expect(asked).toBe(false);
  });
});
