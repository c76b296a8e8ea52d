/**
 * The signer's full chain for the certificates a signature carries (issue 16 §2): a verifier that lacks the
 * intermediate CA otherwise answers "indeterminate". Issuers are looked up, in this order, among the token's
 * certificates (Signer.chain), the trust store (KYSO_TRUST_DIR; roots and intermediates an administrator put
 * there) and the leaf's/intermediates' AIA caIssuers URLs (http only, bounded in time and size, cached per
 * process) [RFC 5280 §4.2.2.1] — the same path building as verification (trust/build-chain.ts).
 * Best effort: when nothing more is found, or anything fails, the signer's own chain is kept; signing never
 * fails for a missing issuer.
 */
import type { Signer } from '../../token/signer.js';
import type { TrustStore } from '../../trust/trust-store.js';
import type { AiaFetcher } from '../../trust/aia-fetcher.js';
import { tokenChainIsComplete } from './token-chain-complete.js';

/** A signing waits at most this long for one AIA download (the person is waiting in front of the portal). */
const SIGNING_AIA_TIMEOUT_MS = 3_000;

let trustStore: { dir: string | undefined; store: Promise<TrustStore> } | undefined;
let aia: AiaFetcher | undefined;

/** Issuers of the signer's certificate, issuer first (the leaf itself not included). */
export async function completeChain(signer: Pick<Signer, 'certificate' | 'chain'>): Promise<Uint8Array[]> {
  try {
    // The common case, decided from the DER: nothing could be added, so the path builder is not even loaded.
    if (tokenChainIsComplete(signer)) return [...signer.chain];
    // Through our own ES modules: they load reflect-metadata before @peculiar/x509, whose CommonJS namespace an
    // import() of it would hand over under `default`.
    const [{ buildChain }, { parseCertificates }, { AiaFetcher }] = await Promise.all([
      import('../../trust/build-chain.js'), import('../../trust/trust-store.js'), import('../../trust/aia-fetcher.js'),
    ]);
    const leaf = parseCertificates(signer.certificate)[0]!;
    const extra = signer.chain.flatMap((der) => parseCertificates(der));
    const built = await buildChain(leaf, { store: await loadTrustStore(), extra, aia: (aia ??= new AiaFetcher(SIGNING_AIA_TIMEOUT_MS)) });
    const found = built.path.slice(1).map((cert) => new Uint8Array(cert.rawData));
    return found.length >= signer.chain.length ? found : [...signer.chain];
  } catch {
    return [...signer.chain];
  }
}

/** The same signer (same session, same close()) carrying the completed chain. */
export async function withCompleteChain<S extends Signer>(signer: S): Promise<S> {
  const chain = await completeChain(signer);
  return Object.assign(Object.create(Object.getPrototypeOf(signer) as object) as S, signer, { chain });
}

/** Loaded once per process (per KYSO_TRUST_DIR value); an unreadable trust store just adds nothing. */
function loadTrustStore(): Promise<TrustStore> {
  const dir = process.env.KYSO_TRUST_DIR;
  if (!trustStore || trustStore.dir !== dir) {
    trustStore = { dir, store: import('../../trust/trust-store.js').then(({ TrustStore }) => TrustStore.load({ useEnvironment: true }).catch(() => TrustStore.empty())) };
  }
  return trustStore.store;
}
