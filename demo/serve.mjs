/**
 * A tiny static file server (node:http, no framework) for the demo portal and the browser tests.
 * Routes map a URL prefix to a folder; nothing outside those folders is served.
 */
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.ts': 'text/plain; charset=utf-8', '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8', '.pdf': 'application/pdf', '.xml': 'application/xml',
};

/**
 * @param {{ routes: Record<string, string>, port?: number, host?: string, tls?: { key: string, cert: string }, publicHost?: string }} options
 *   routes: URL prefix ("/", "/sdk/") → folder; tls: serve https with this PEM key and certificate;
 *   publicHost: the host name to put in `url` (tests map it to 127.0.0.1 in the browser)
 * @returns {Promise<{ url: string, port: number, close(): Promise<void> }>}
 */
export async function startStaticServer({ routes, port = 0, host = '127.0.0.1', tls, publicHost }) {
  const table = Object.entries(routes)
    .map(([prefix, dir]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length);
  const handler = async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const route = table.find(([prefix]) => path.startsWith(prefix));
      if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) { res.writeHead(404).end(); return; }
      let file = normalize(join(route[1], path.slice(route[0].length)));
      if (file !== route[1] && !file.startsWith(route[1] + sep)) { res.writeHead(403).end(); return; }
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404).end();
    }
  };
  const server = tls ? createTlsServer({ key: tls.key, cert: tls.cert }, handler) : createServer(handler);
  await new Promise((ok, fail) => { server.once('error', fail); server.listen(port, host, () => ok(undefined)); });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `${tls ? 'https' : 'http'}://${publicHost ?? (host === '127.0.0.1' ? 'localhost' : host)}:${actualPort}`,
    port: actualPort,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok(undefined)); }),
  };
}
