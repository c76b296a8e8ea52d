/**
 * The background's native-host client with a simulated browser port (faults a real host cannot be made to
 * produce on demand: a frame with a wrong id or shape, a port that dies mid-request, a chunked reply).
 * The real path is covered by test/e2e/spine.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { NativeHostClient, mapDisconnect, type NativePort } from '../../extension/background/native/host-client.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { PROTOCOL_VERSION } from '../../shared/limits.js';
import { splitReply } from '../../shared/protocol/chunking.js';

type Frame = { v: number; id: string; type: string; payload: Record<string, unknown> };

/** A simulated native port; `host` decides what the "host" answers to each frame. */
function simulatedHost(host: (frame: Frame, port: SimPort) => void, options: { closeAtOnceWith?: string; helloTimeoutMs?: number } = {}) {
  const ports: SimPort[] = [];
  const client = new NativeHostClient({
    hostName: 'vn.kyso.host',
    extensionVersion: '0.1.0',
    connectNative: () => {
      const port = new SimPort(host);
      ports.push(port);
      if (options.closeAtOnceWith) queueMicrotask(() => port.die(options.closeAtOnceWith));
      return port;
    },
    disconnectReason: (port) => (port as SimPort).reason,
    ...(options.helloTimeoutMs ? { helloTimeoutMs: options.helloTimeoutMs } : {}),
  });
  return { client, ports };
}

class SimPort implements NativePort {
  reason: string | undefined;
  sent: Frame[] = [];
  private messageListeners: Array<(m: unknown) => void> = [];
  private disconnectListeners: Array<() => void> = [];
  constructor(private readonly host: (frame: Frame, port: SimPort) => void) {}
  onMessage = { addListener: (l: (m: unknown) => void) => { this.messageListeners.push(l); } };
  onDisconnect = { addListener: (l: () => void) => { this.disconnectListeners.push(l as () => void); } };
  postMessage(message: unknown): void {
    const frame = message as Frame;
    this.sent.push(frame);
    queueMicrotask(() => this.host(frame, this));
  }
  disconnect(): void { /* the extension side closing: no event, as in browsers */ }
  reply(message: unknown): void { for (const l of this.messageListeners) l(message); }
  die(reason?: string): void { this.reason = reason; for (const l of this.disconnectListeners) l(); }
}

const hello = (frame: Frame, port: SimPort, protocolVersion: number = PROTOCOL_VERSION) =>
  port.reply({ v: 1, id: frame.id, type: 'host.result', payload: { hostVersion: '0.1.0', protocolVersion, modules: [] } });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try { await promise; return 'resolved'; } catch (error) { expect(error).toBeInstanceOf(KysoError); return (error as KysoError).code; }
}

describe('NativeHostClient (simulated port)', () => {
  it('says hello first, then sends the request and returns the validated result', async () => {
    const { client, ports } = simulatedHost((frame, port) => {
      if (frame.type === 'host.hello') hello(frame, port);
      else port.reply({ v: 1, id: frame.id, type: 'host.result', payload: { tokens: [] } });
    });
    expect(await client.request('host.listTokens', {}, { timeoutMs: 1000 })).toEqual({ tokens: [] });
    expect(ports[0]!.sent.map((f) => f.type)).toEqual(['host.hello', 'host.listTokens']);
    expect(ports).toHaveLength(1); // one long-lived port
  });

  it('"Specified native messaging host not found" → HOST_NOT_INSTALLED; other deaths → HOST_DISCONNECTED', async () => {
    const missing = simulatedHost(() => undefined, { closeAtOnceWith: 'Specified native messaging host not found.' });
    expect(await codeOf(missing.client.request('host.listTokens', {}, { timeoutMs: 1000 }))).toBe('HOST_NOT_INSTALLED');
    expect(mapDisconnect('Access to the specified native messaging host is forbidden.').code).toBe('CALLER_NOT_ALLOWED');
    expect(mapDisconnect('Native host has exited.').code).toBe('HOST_DISCONNECTED');
  });

  it('fails in-flight requests when the host dies, and reconnects for the next request', async () => {
    let calls = 0;
    const { client, ports } = simulatedHost((frame, port) => {
      if (frame.type === 'host.hello') { hello(frame, port); return; }
      calls++;
      if (calls === 1) port.die('Native host has exited.');
      else port.reply({ v: 1, id: frame.id, type: 'host.result', payload: { tokens: [] } });
    });
    expect(await codeOf(client.request('host.listTokens', {}, { timeoutMs: 1000 }))).toBe('HOST_DISCONNECTED');
    expect(await client.request('host.listTokens', {}, { timeoutMs: 1000 })).toEqual({ tokens: [] });
    expect(ports).toHaveLength(2);
  });

  it('never trusts a reply of the wrong shape (PROTOCOL_ERROR) and ignores replies with unknown ids', async () => {
    const { client } = simulatedHost((frame, port) => {
      if (frame.type === 'host.hello') { hello(frame, port); return; }
      port.reply({ v: 1, id: 'not-ours-123', type: 'host.result', payload: { tokens: [] } });
      port.reply({ v: 1, id: frame.id, type: 'host.result', payload: { tokens: 'lots' } });
    });
    expect(await codeOf(client.request('host.listTokens', {}, { timeoutMs: 1000 }))).toBe('PROTOCOL_ERROR');
  });

  it('times out a request the host never answers (TIMEOUT)', async () => {
    const { client } = simulatedHost((frame, port) => { if (frame.type === 'host.hello') hello(frame, port); });
    expect(await codeOf(client.request('host.listTokens', {}, { timeoutMs: 50 }))).toBe('TIMEOUT');
  });

  it('drops a host that never answers hello, and starts afresh for the next request', async () => {
    let connections = 0;
    const { client, ports } = simulatedHost((frame, port) => {
      if (frame.type !== 'host.hello') { port.reply({ v: 1, id: frame.id, type: 'host.result', payload: { tokens: [] } }); return; }
      connections++;
      if (connections > 1) hello(frame, port); // the first host hangs
    }, { helloTimeoutMs: 50 });
    expect(await codeOf(client.hello())).toBe('TIMEOUT');
    expect(await client.request('host.listTokens', {}, { timeoutMs: 1000 })).toEqual({ tokens: [] });
    expect(ports).toHaveLength(2);
  });

  it('refuses a host speaking another protocol version (VERSION_MISMATCH)', async () => {
    const { client } = simulatedHost((frame, port) => hello(frame, port, 99));
    expect(await codeOf(client.request('host.listTokens', {}, { timeoutMs: 1000 }))).toBe('VERSION_MISMATCH');
  });

  it('passes the host\'s typed error through (e.g. PIN_INCORRECT)', async () => {
    const { client } = simulatedHost((frame, port) => {
      if (frame.type === 'host.hello') { hello(frame, port); return; }
      port.reply({ v: 1, id: frame.id, type: 'host.error', error: { code: 'PIN_INCORRECT', message: 'x', messageEn: 'x' } });
    });
    expect(await codeOf(client.request('host.signDigest', {
      certificateId: 'abcdefghijklmnop', digest: Buffer.alloc(32).toString('base64'), hashAlgorithm: 'SHA-256', pin: '000000',
    }, { timeoutMs: 1000 }))).toBe('PIN_INCORRECT');
  });

  it('reassembles a reply split into host.chunk frames, and refuses chunks out of order', async () => {
    const certificatesReply = (id: string) => JSON.stringify({ v: 1, id, type: 'host.result', payload: { tokens: [] } });
    const inOrder = simulatedHost((frame, port) => {
      if (frame.type === 'host.hello') { hello(frame, port); return; }
      const text = certificatesReply(frame.id);
      const parts = [text.slice(0, 10), text.slice(10, 30), text.slice(30)];
      parts.forEach((data, index) => port.reply({ v: 1, id: frame.id, type: 'host.chunk', index, count: parts.length, data }));
    });
    expect(await inOrder.client.request('host.listTokens', {}, { timeoutMs: 1000 })).toEqual({ tokens: [] });

    // Split by the host's own splitter, with Vietnamese text crossing slice boundaries.
    const label = 'Chữ ký số — Nguyễn Văn Ánh — '.repeat(20); // under the 1024-char field bound
    const token = {
      id: 'token-0001', label, serialNumber: '1', manufacturer: 'SoftHSM', model: 'v2', slotDescription: 's',
      flags: { loginRequired: true, protectedAuthenticationPath: false, userPinInitialized: true, userPinCountLow: false, userPinFinalTry: false, userPinLocked: false, userPinToBeChanged: false },
    };
    const split = simulatedHost((frame, port) => {
      if (frame.type === 'host.hello') { hello(frame, port); return; }
      const json = JSON.stringify({ v: 1, id: frame.id, type: 'host.result', payload: { tokens: [token] } });
      for (const chunk of splitReply(frame.id, json, 64)) port.reply(chunk);
    });
    expect((await split.client.request('host.listTokens', {}, { timeoutMs: 1000 })).tokens[0]!.label).toBe(label);

    const shuffled = simulatedHost((frame, port) => {
      if (frame.type === 'host.hello') { hello(frame, port); return; }
      const text = certificatesReply(frame.id);
      port.reply({ v: 1, id: frame.id, type: 'host.chunk', index: 1, count: 2, data: text.slice(20) });
      port.reply({ v: 1, id: frame.id, type: 'host.chunk', index: 0, count: 2, data: text.slice(0, 20) });
    });
    expect(await codeOf(shuffled.client.request('host.listTokens', {}, { timeoutMs: 1000 }))).toBe('PROTOCOL_ERROR');
  });

  it('an abort (the page went away) rejects with REQUEST_SUPERSEDED', async () => {
    const { client } = simulatedHost((frame, port) => { if (frame.type === 'host.hello') hello(frame, port); });
    const controller = new AbortController();
    const pending = client.request('host.listTokens', {}, { timeoutMs: 5000, signal: controller.signal });
    setTimeout(() => controller.abort(new KysoError('REQUEST_SUPERSEDED')), 10);
    expect(await codeOf(pending)).toBe('REQUEST_SUPERSEDED');
  });
});
