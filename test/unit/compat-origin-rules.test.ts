/**
 * Origin rules of the plugin-compatibility transport (docs/security.md "Plugin compatibility transport"): who gets
 * the shim, which URLs the shim answers, where files may be downloaded from and uploaded to, and that a frame that
 * is not allowed gets only "the connection failed" — never an answer, never a signing request.
 */
import { describe, expect, it } from 'vitest';
import { pluginEndpointOf } from '../../extension/compat/plugin-endpoints.js';
import { compatibilityPermits, parseCompatibilityPolicy, parseCompatibilityPolicyKeys } from '../../extension/background/compat/compat-policy.js';
import { compatFrameOf } from '../../extension/background/compat/compat-gate.js';
import { acceptCompatPort } from '../../extension/background/compat/compat-connections.js';
import { TransferError, allowedTransferUrl } from '../../extension/background/compat/portal-transfer.js';
import { parseOriginEntry, type OriginEntry } from '../../shared/domain/origin.js';
import type { AccessDecision } from '../../extension/background/access/access-policy.js';
import type { PagePort } from '../../extension/background/page-connections.js';

describe('pluginEndpointOf: only the plugins\' loopback endpoints are answered', () => {
  it.each([
    ['wss://127.0.0.1:8987/SignPDF', { family: 'vgca', path: 'SignPDF' }],
    ['wss://127.0.0.1:8987/GetCertInfo', { family: 'vgca', path: 'GetCertInfo' }],
    ['wss://localhost:4433/plugin', { family: 'vnpt', path: 'plugin' }],
    ['wss://localhost:9202/plugin', { family: 'vnpt', path: 'plugin' }],
  ])('%s → %o', (url, endpoint) => expect(pluginEndpointOf(url)).toEqual(endpoint));

  it.each([
    'ws://127.0.0.1:8987/SignPDF', 'wss://127.0.0.1:8988/SignPDF', 'wss://localhost:8987/SignPDF', 'wss://127.0.0.2:8987/SignPDF',
    'wss://u:p@127.0.0.1:8987/SignPDF', 'wss://127.0.0.1:8987/a/b', 'wss://localhost:4433/other',
    'wss://127.0.0.1:4433/plugin', 'wss://localhost:4436/plugin', 'wss://portal.gov.vn/plugin', 'not a url', 42,
  ])('%s → not a plugin endpoint (real WebSocket)', (url) => expect(pluginEndpointOf(url)).toBeUndefined());
});

describe('pluginCompatibility policy', () => {
  it('absent or true: on; false, junk or an empty list: off; a list: only those origins (frame AND top)', () => {
    expect(parseCompatibilityPolicy(undefined)).toEqual({ kind: 'all' });
    expect(parseCompatibilityPolicy(true)).toEqual({ kind: 'all' });
    expect(parseCompatibilityPolicy(false)).toEqual({ kind: 'none' });
    expect(parseCompatibilityPolicy('nope')).toEqual({ kind: 'none' });
    expect(compatibilityPermits(parseCompatibilityPolicy([]), ['https://a.gov.vn'])).toBe(false);
    const only = parseCompatibilityPolicy(['https://*.gov.vn', 'https://portal.vn']);
    expect(compatibilityPermits(only, ['https://dvc.hanoi.gov.vn', 'https://portal.vn'])).toBe(true);
    expect(compatibilityPermits(only, ['https://dvc.hanoi.gov.vn', 'https://evil.example'])).toBe(false);
  });

  it('Chrome form: pluginCompatibility false beats pluginCompatibilityOrigins; a list in the second key restricts', () => {
    expect(parseCompatibilityPolicyKeys({ pluginCompatibility: false, pluginCompatibilityOrigins: ['https://a.vn'] })).toEqual({ kind: 'none' });
    expect(compatibilityPermits(parseCompatibilityPolicyKeys({ pluginCompatibilityOrigins: ['https://a.vn'] }), ['https://b.vn'])).toBe(false);
    expect(compatibilityPermits(parseCompatibilityPolicyKeys({ pluginCompatibilityOrigins: ['https://a.vn'] }), ['https://a.vn'])).toBe(true);
  });
});

describe('compatFrameOf: the shim goes only to frames allowed to sign, decided from the browser\'s sender', () => {
  const decide = (kind: AccessDecision['kind']) => async (): Promise<AccessDecision> =>
    (kind === 'deny' ? { kind, code: 'ORIGIN_BLOCKED' } : kind === 'ask' ? { kind, origins: ['https://x.vn'] } : { kind });
  const all = async () => ({ kind: 'all' as const });
  const top = { origin: 'https://dvc.gov.vn', url: 'https://dvc.gov.vn/ho-so', frameId: 0 };

  it('allowed (policy or person): installed', async () => {
    expect(await compatFrameOf(top, { decideAccess: decide('allow'), readCompatibilityPolicy: all })).toEqual({ frameOrigin: 'https://dvc.gov.vn', topOrigin: 'https://dvc.gov.vn' });
  });
  it('unlisted ("ask") or blocked: nothing installed (no window, no hint that Kyso exists)', async () => {
    expect(await compatFrameOf(top, { decideAccess: decide('ask'), readCompatibilityPolicy: all })).toBeUndefined();
    expect(await compatFrameOf(top, { decideAccess: decide('deny'), readCompatibilityPolicy: all })).toBeUndefined();
  });
  it('a sub-frame whose top page the browser did not name: nothing', async () => {
    expect(await compatFrameOf({ origin: 'https://dvc.gov.vn', frameId: 3 }, { decideAccess: decide('allow'), readCompatibilityPolicy: all })).toBeUndefined();
  });
  it('the admin turned compatibility off: nothing, even for an allowed site', async () => {
    expect(await compatFrameOf(top, { decideAccess: decide('allow'), readCompatibilityPolicy: async () => ({ kind: 'none' }) })).toBeUndefined();
  });
  it('the top page\'s origin is decided too (an allowed portal framed by another site)', async () => {
    const seen: (string | undefined)[] = [];
    await compatFrameOf({ origin: 'https://dvc.gov.vn', frameId: 2, tab: { url: 'https://evil.example/' } }, {
      decideAccess: async (r) => { seen.push(r.topOrigin); return { kind: 'ask' }; }, readCompatibilityPolicy: all,
    });
    expect(seen[0]).toBe('https://evil.example');
  });
});

describe('allowedTransferUrl: files only from/to the page\'s own origin or an origin the admin allowed', () => {
  const admin: OriginEntry[] = [parseOriginEntry('https://*.cdn.gov.vn'), parseOriginEntry('https://files.portal.vn')].map((p) => { if (!p.ok) throw new Error(); return p.value; });
  it('same origin (also a relative URL) and admin-allowed https origins pass', () => {
    expect(allowedTransferUrl('https://dvc.gov.vn/files/a.pdf', 'https://dvc.gov.vn', []).href).toBe('https://dvc.gov.vn/files/a.pdf');
    expect(allowedTransferUrl('/vgca/fileupload', 'https://dvc.gov.vn', []).href).toBe('https://dvc.gov.vn/vgca/fileupload');
    expect(allowedTransferUrl('https://s3.cdn.gov.vn/a.pdf', 'https://dvc.gov.vn', admin).origin).toBe('https://s3.cdn.gov.vn');
  });
  it.each([
    'https://evil.example/upload', 'http://dvc.gov.vn/x', 'https://dvc.gov.vn:8443/x', 'https://u:p@dvc.gov.vn/x', 'http://files.portal.vn/x',
    'http://127.0.0.1:8987/x', 'file:///etc/passwd', 'javascript:alert(1)', 'https://cdn.gov.vn/x',
  ])('%s is refused for a page on https://dvc.gov.vn', (url) => {
    expect(() => allowedTransferUrl(url, 'https://dvc.gov.vn', admin)).toThrow(TransferError);
  });
});

describe('compat port: a frame the gate refuses gets only "fail", and nothing is answered or signed', () => {
  function fakePort(sender: PagePort['sender']) {
    const sent: unknown[] = [];
    let onMessage: (m: unknown) => void = () => undefined;
    const port: PagePort = {
      name: 'kyso/compat', sender, postMessage: (m) => sent.push(m),
      onMessage: { addListener: (l) => { onMessage = l; } }, onDisconnect: { addListener: () => undefined },
    };
    return { port, sent, send: (m: unknown) => onMessage(m) };
  }
  const flush = () => new Promise((r) => setTimeout(r, 10));

  it('refused frame → {t:"fail"}, answer() never called', async () => {
    const { port, sent, send } = fakePort({ origin: 'https://evil.example', frameId: 0 });
    let answered = 0;
    acceptCompatPort(port, { gate: async () => undefined, answer: async () => { answered++; return '{}'; } });
    send({ t: 'open', socket: 1, url: 'wss://127.0.0.1:8987/SignPDF' });
    send({ t: 'frame', socket: 1, data: '{"FileName":"https://evil.example/a.pdf"}' });
    await flush();
    expect(sent).toEqual([{ t: 'fail', socket: 1 }]);
    expect(answered).toBe(0);
  });

  it('a socket to a URL that is not a plugin endpoint fails at open; malformed messages are ignored', async () => {
    const { port, sent, send } = fakePort({ origin: 'https://dvc.gov.vn', frameId: 0 });
    acceptCompatPort(port, { gate: async () => ({ frameOrigin: 'https://dvc.gov.vn', topOrigin: 'https://dvc.gov.vn' }), answer: async () => '{"Status":0}' });
    send({ t: 'open', socket: 2, url: 'wss://bank.example/ws' });
    send({ t: 'frame', socket: 2, data: 'x' });
    send({ t: 'frame', socket: 'x', data: 1 });
    send({ t: 'open', socket: 3, url: 'wss://127.0.0.1:8987/SignPDF', extra: true });
    await flush();
    expect(sent).toEqual([{ t: 'fail', socket: 2 }, { t: 'fail', socket: 2 }]);
  });

  it('an allowed frame gets the answer on its socket, with the origins from the gate (the browser), not the frame', async () => {
    const { port, sent, send } = fakePort({ origin: 'https://dvc.gov.vn', frameId: 0 });
    const origins: string[] = [];
    acceptCompatPort(port, {
      gate: async () => ({ frameOrigin: 'https://dvc.gov.vn', topOrigin: 'https://dvc.gov.vn' }),
      answer: async (_e, _f, context) => { origins.push(context.frameOrigin); return '{"Status":0}'; },
    });
    send({ t: 'open', socket: 4, url: 'wss://127.0.0.1:8987/GetCertInfo' });
    send({ t: 'frame', socket: 4, data: 'get_cert_info' });
    await flush();
    expect(sent).toEqual([{ t: 'reply', socket: 4, data: '{"Status":0}' }]);
    expect(origins).toEqual(['https://dvc.gov.vn']);
  });
});
