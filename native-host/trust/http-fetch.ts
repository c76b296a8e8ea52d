/**
 * The only network access trust has: plain http GET/POST with a hard deadline and a size cap. OCSP, CRL and
 * AIA URLs are http by design [RFC 5280 §4.2.2.1, RFC 6960 App. A.1] — the data is signed, so TLS adds nothing
 * and would need its own revocation checking. Other schemes are refused. Destinations follow
 * network-destination.ts: no loopback / private / link-local address (checked after resolution, connected to as
 * checked) unless the admin allows it (config.ts allowPrivateRevocationUrls).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import { TRUST_FETCH_TIMEOUT_MS } from './trust-limits.js';
import { allowPrivateRevocationUrls } from '../config.js';
import { checkedLookup, isForbiddenRevocationAddress, systemResolve, type Resolve } from './network-destination.js';


export interface FetchOptions {
  readonly method?: 'GET' | 'POST';
  readonly body?: Uint8Array;
  readonly contentType?: string;
  readonly accept?: string;
  readonly timeoutMs?: number;
  readonly maxBytes: number;
  /** Default: the admin setting (config.ts). */
  readonly allowPrivateAddresses?: boolean;
  /** Name resolution (default: the system resolver); tests inject answers. */
  readonly resolve?: Resolve;
  /** Also fetch https URLs (a time-stamp authority may be https; OCSP, CRL and AIA stay http). */
  readonly allowHttps?: boolean;
}

/** Why a fetch failed, in words for the report ("connection refused", "timed out after 4000 ms"). */
export class FetchError extends Error {
  override readonly name = 'FetchError';
}

export function fetchHttp(url: string, options: FetchOptions): Promise<Uint8Array> {
  let parsed: URL;
  try { parsed = new URL(url); } catch { return Promise.reject(new FetchError(`bad URL`)); }
  const secure = parsed.protocol === 'https:' && options.allowHttps === true;
  if (parsed.protocol !== 'http:' && !secure) return Promise.reject(new FetchError(`only http URLs are fetched (got ${parsed.protocol})`));
  const timeoutMs = options.timeoutMs ?? TRUST_FETCH_TIMEOUT_MS;
  const allowPrivate = options.allowPrivateAddresses ?? allowPrivateRevocationUrls();
  const literal = parsed.hostname.replace(/^\[|\]$/g, '');
  // A numeric host is never resolved (http connects to it as is): check it here.
  if (isIP(literal) !== 0 && !allowPrivate && isForbiddenRevocationAddress(literal)) {
    return Promise.reject(new FetchError('address not allowed (loopback, private or link-local)'));
  }
  const lookup = checkedLookup(options.resolve ?? systemResolve, allowPrivate);
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, value?: Uint8Array) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) { request.destroy(); reject(error); } else resolve(value!);
    };
    const headers: Record<string, string> = { 'user-agent': 'kyso' };
    if (options.contentType) headers['content-type'] = options.contentType;
    if (options.accept) headers['accept'] = options.accept;
    if (options.body) headers['content-length'] = String(options.body.length);
    const request = (secure ? https : http).request(parsed, { method: options.method ?? 'GET', headers, lookup: lookup as never, agent: false }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        return finish(new FetchError(`HTTP ${response.statusCode}`));
      }
      const declared = Number(response.headers['content-length'] ?? '0');
      if (declared > options.maxBytes) return finish(new FetchError(`response larger than ${options.maxBytes} bytes`));
      const chunks: Buffer[] = [];
      let total = 0;
      response.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > options.maxBytes) return finish(new FetchError(`response larger than ${options.maxBytes} bytes`));
        chunks.push(chunk);
      });
      response.on('end', () => finish(undefined, new Uint8Array(Buffer.concat(chunks))));
      response.on('error', (error) => finish(new FetchError(error.message)));
    });
    const timer = setTimeout(() => finish(new FetchError(`timed out after ${timeoutMs} ms`)), timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => finish(new FetchError(
      error.name === 'DestinationRefused' ? error.message : error.code === 'ECONNREFUSED' ? 'connection refused' : error.code ?? error.message)));
    if (options.body) request.end(Buffer.from(options.body)); else request.end();
  });
}
