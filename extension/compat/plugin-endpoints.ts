/**
 * The loopback endpoints the Vietnamese signing plugins' page scripts connect to, and nothing else
 * [research vn-signing-domain.md §1.1, §1.2]. The page shim answers ONLY these URLs; every other URL goes to the
 * browser's real WebSocket untouched. Shared by the main-world shim and the background (which re-checks the URL).
 *
 *   VGCA Sign Service:  wss://127.0.0.1:8987/<Path>            (one socket per call, one frame, one reply)
 *   VNPT-CA Plugin:     wss://localhost:{4433,4434,4435,9201,9202}/plugin
 */
export type PluginFamily = 'vgca' | 'vnpt';

export interface PluginEndpoint {
  readonly family: PluginFamily;
  /** VGCA: the path without its slash ("SignPDF"); VNPT: "plugin". */
  readonly path: string;
}

export const VGCA_PORT = 8987;
export const VNPT_PORTS: readonly number[] = [4433, 4434, 4435, 9201, 9202];

/** VGCA paths are short ASCII words ("SignApproved", "GetCertInfo"). */
const VGCA_PATH = /^\/([A-Za-z0-9]{1,40})\/?$/;

/** The endpoint a WebSocket URL names, or undefined when it is not one of the plugins' (then: the real WebSocket). */
export function pluginEndpointOf(rawUrl: unknown): PluginEndpoint | undefined {
  if (typeof rawUrl !== 'string' || rawUrl.length > 200) return undefined;
  let url: URL;
  try { url = new URL(rawUrl); } catch { return undefined; }
  if (url.protocol !== 'wss:' || url.username || url.password) return undefined;
  const port = Number(url.port);
  if (url.hostname === '127.0.0.1' && port === VGCA_PORT) {
    const match = VGCA_PATH.exec(url.pathname);
    return match ? { family: 'vgca', path: match[1]! } : undefined;
  }
  if (url.hostname === 'localhost' && VNPT_PORTS.includes(port) && (url.pathname === '/plugin' || url.pathname === '/plugin/')) {
    return { family: 'vnpt', path: 'plugin' };
  }
  return undefined;
}
