/**
 * What only some signatures need, loaded when one does: the RFC 3161 client (--tsa) and the trust store with the
 * AIA fetcher (--level B-LT). Imported at the top of a `kyso sign-*` command they brought pkijs and @peculiar/x509
 * (~1.5 MB of code) into every start, for a plain B-B signature too (docs/benchmarks.md "Fifth run: start-up").
 */
import type { TimestampOptions } from '../formats/timestamp/request-timestamp.js';
import type { TrustStore } from '../trust/trust-store.js';
import type { AiaFetcher } from '../trust/aia-fetcher.js';

/** The same hook as request-timestamp.ts' timestampHook; the client is loaded at the first time-stamp. */
export function lazyTimestampHook(options: TimestampOptions): (signatureValue: Uint8Array) => Promise<Uint8Array> {
  return async (signatureValue) => (await import('../formats/timestamp/request-timestamp.js')).requestTimestamp(signatureValue, options);
}

/** The trust store (KYSO_TRUST_DIR) and an AIA fetcher, for B-LT validation data. */
export async function longTermSources(aiaTimeoutMs: number): Promise<{ trust: TrustStore; aia: AiaFetcher }> {
  const [{ TrustStore }, { AiaFetcher }] = await Promise.all([import('../trust/trust-store.js'), import('../trust/aia-fetcher.js')]);
  return { trust: await TrustStore.load({ useEnvironment: true }), aia: new AiaFetcher(aiaTimeoutMs) };
}
