/**
 * The facade the CLI and the host handlers share: tokens, certificates, signers. It owns the loaded
 * PKCS#11 modules (one C_Initialize each per process) and serialises signing per token.
 */
import { basename } from 'node:path';
import type { CertificateFilter, CertificateInfo, TokenInfo } from '../../shared/protocol/common.js';
import { normaliseIdentifier } from '../../shared/certificates/subject-identifiers.js';
import { DIGEST_LENGTH_BYTES, SCHEMES_FOR_KEY, type HashAlgorithm, type KeyType, type SignatureScheme } from '../../shared/domain/algorithms.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { Signer } from './signer.js';
import type { ListedToken, Pkcs11Module, SlotHandle, SessionHandle, TokenCertificateObject, TokenObjects } from './pkcs11-module.js';
import { moduleCandidates } from './module-paths.js';
import { acquireModule, releaseModule } from './module-registry.js';
import type { DriverCandidate } from './drivers/driver-candidate.js';
import type { DriverStatus } from './drivers/driver-status.js';
import { realScreeningSystem, screenDrivers, type ScreenedDriver, type ScreeningSystem } from './drivers/driver-screening.js';
import { matchesFilter } from './certificate-filter.js';
import { buildChain } from './certificate-chain.js';
import { mechanismTypeOf, signingInput } from './signing-mechanism.js';
import { rawEcdsaToDer } from './ecdsa-der.js';
import { TokenLocks } from './token-locks.js';
import { tokenCallThreads } from './token-call-thread.js';
import { pairCertificate, type KeyReference } from './key-pairing.js';
import { countKeysWithoutCertificate } from './keys-without-certificate.js';
import { newestRenewal, orderForListing } from './certificate-order.js';
import { loadOnce } from '../load-once.js';

/** A Signer bound to one login session; `close()` logs out and releases the token for other requests. */
export interface TokenSigner extends Signer {
  readonly certificateInfo: CertificateInfo;
  /**
   * `signDigest` for many digests of one hash and scheme, in order, in one token call (token-call-thread.ts): a
   * batch pays one worker round trip, not one per signature. Every digest's length is checked before any is signed.
   */
  signDigests(digests: readonly Uint8Array[], hashAlgorithm: HashAlgorithm, scheme?: SignatureScheme): Promise<Uint8Array[]>;
  close(): Promise<void>;
}

/** What one request to sign digests names, whether it brings one digest or many. */
interface DigestSigningRequest {
  readonly certificateId: string;
  readonly hashAlgorithm: HashAlgorithm;
  readonly signatureScheme?: SignatureScheme | undefined;
  readonly pin?: string | undefined;
}

/** Who signed and how, the same for one signature or many. */
interface DigestSigningOutcome {
  /** The certificate that signed, as the signer found it (for the history record: no second look-up on the token). */
  readonly certificateInfo: CertificateInfo;
  readonly signatureAlgorithm: SignatureScheme;
  readonly hashAlgorithm: HashAlgorithm;
  readonly certificate: Uint8Array;
  readonly chain: readonly Uint8Array[];
}

export interface SignDigestRequest extends DigestSigningRequest {
  readonly digest: Uint8Array;
}

export interface SignDigestOutcome extends DigestSigningOutcome {
  readonly signature: Uint8Array;
}

export interface SignDigestsRequest extends DigestSigningRequest {
  readonly digests: readonly Uint8Array[];
}

export interface SignDigestsOutcome extends DigestSigningOutcome {
  readonly signatures: readonly Uint8Array[];
}

export interface OpenSignerOptions {
  /** Sign even when the certificate is expired or lacks a signing key usage (tests of verifiers only). */
  readonly allowUnusable?: boolean;
  /**
   * The scheme the signatures will use ('key default': the key's first), checked against the key and the token's
   * mechanisms before login.
   */
  readonly scheme?: SignatureScheme | 'key default' | undefined;
}

export interface TokenServiceOptions {
  /** Module paths; default from KYSO_PKCS11_MODULE, a config file, or discovery (module-paths.ts). */
  readonly modulePaths?: readonly string[];
  /** How drivers are checked before loading (tests may point the state file elsewhere). */
  readonly screening?: ScreeningSystem;
  /** "Now" for certificate validity. */
  readonly now?: () => Date;
}

const DESCRIBE_CACHE_MS = 60_000;
const DESCRIBE_CACHE_MAX_ENTRIES = 512;

/** Where a certificate lives, resolved afresh for every use (slots change when tokens are re-plugged). */
interface Located {
  readonly info: CertificateInfo;
  readonly der: Uint8Array;
  /** The certificate's key pair, undefined when the token holds no key for it. */
  readonly key: KeyReference | undefined;
  readonly module: Pkcs11Module;
  readonly slot: SlotHandle;
  readonly token: TokenInfo;
  readonly tokenCertificates: readonly Uint8Array[];
}

/** A driver the service considered: loaded (`module`) or skipped (`screened.skip`). */
interface Driver {
  readonly screened: ScreenedDriver;
  readonly module?: Pkcs11Module;
}

export class TokenService {
  readonly #drivers: Driver[];
  readonly #now: () => Date;
  readonly #locks = new TokenLocks();
  readonly #describeCache = new Map<string, { info: CertificateInfo | undefined; at: number }>();
  readonly #chainCache = new Map<string, readonly Uint8Array[]>();
  /**
   * Certificates of tokens that show them only after login, read once with the person's PIN
   * (`revealCertificates`), by token id (module + serial), until the token is no longer listed or the host exits.
   * Certificates are public data (the token hides them only by its own choice; the signature carries them to
   * everyone), so remembering them reveals nothing: the PIN is not kept, and signing still needs it.
   */
  readonly #revealed = new Map<string, readonly TokenCertificateObject[]>();
  #closed = false;

  constructor(options: TokenServiceOptions = {}) {
    const candidates: DriverCandidate[] = options.modulePaths
      ? options.modulePaths.map((path) => ({ path, foundBy: 'caller' }))
      : moduleCandidates();
    // Several drivers load side by side; each is screened first so one that hangs or crashes is not loaded.
    const screened = screenDrivers(candidates, options.screening ?? realScreeningSystem());
    this.#drivers = screened.map((s) => (s.skip ? { screened: s } : { screened: s, module: acquireModule(s.candidate.path, s.realPath, s.candidate.initArgs) }));
    this.#now = options.now ?? (() => new Date());
  }

  /** Every driver considered and whether it loaded (for `host.hello`, `kyso doctor`, `kyso list --json`). */
  modules(): DriverStatus[] {
    return this.#drivers.map(({ screened, module }) => {
      const { candidate } = screened;
      // A caller that named its paths gets the bare status; found drivers say how and whose they are.
      const about = candidate.foundBy === 'caller' ? {} : {
        ...(candidate.vendor ? { vendor: candidate.vendor } : {}),
        foundBy: candidate.foundBy,
        ...(candidate.registeredIn ? { registeredIn: candidate.registeredIn } : {}),
        ...(screened.library ? { library: screened.library } : {}),
      };
      if (module) return { ...module.status, ...about };
      const { error, detail } = screened.skip!;
      return { path: candidate.path, loaded: false, error, ...about, ...(detail ? { detail } : {}) };
    });
  }

  #loadedModules(): Pkcs11Module[] {
    if (this.#closed) throw new KysoError('INTERNAL_ERROR', { reason: 'token service closed' });
    const loaded = this.#drivers.flatMap((d) => (d.module?.loaded ? [d.module] : []));
    if (loaded.length === 0) {
      // Say why, by file name (not path: this reaches the page), e.g. "libsoftokn3.so: CKR_ARGUMENTS_BAD" for NSS
      // started without its parameters; "not found" alone sends the person to reinstall a driver that is there.
      const why = this.modules().filter((m) => m.error).map((m) => `${basename(m.path)}: ${m.error}`).join('; ').slice(0, 200);
      throw new KysoError('PKCS11_MODULE_NOT_FOUND', { configured: this.#drivers.length, ...(why ? { drivers: why } : {}) });
    }
    return loaded;
  }

  /** The driver a token is reached through, as the token's description names it (file name, not path: see TokenDriverSchema). */
  #driverOf(module: Pkcs11Module): NonNullable<TokenInfo['driver']> {
    const vendor = this.#drivers.find((d) => d.module === module)?.screened.candidate.vendor;
    return { file: basename(module.path).slice(0, 255), ...(vendor ? { vendor } : {}) };
  }

  /**
   * List every loaded driver's tokens (`read`: see Pkcs11Module.list). A driver whose listing fails — an error, or
   * no answer within its bound (TOKEN_NOT_RESPONDING; the driver is then given up and reported by `modules()`) — is
   * left out of this answer so the others keep working; only when every driver fails is the (first) error thrown.
   * One driver after the other, so that at most one listing is inside a driver at a time: a driver that crashes
   * the host is then the one its marker names (driver-call-marker.ts), and one parked worker serves them all.
   */
  async #eachModule(read: 'objects' | 'tokens'): Promise<Array<{ module: Pkcs11Module; tokens: ListedToken[] }>> {
    const modules = this.#loadedModules();
    const out: Array<{ module: Pkcs11Module; tokens: ListedToken[] }> = [];
    let firstError: unknown;
    for (const module of modules) {
      try {
        out.push({ module, tokens: await module.list(read) });
      } catch (error) {
        firstError ??= error;
      }
    }
    if (out.length === 0) throw firstError;
    return out;
  }

  async listTokens(): Promise<TokenInfo[]> {
    return (await this.#eachModule('tokens')).flatMap(({ module, tokens }) => tokens.map((t) => ({
      ...t.info,
      driver: this.#driverOf(module),
      ...(t.info.flags.loginRequired && t.hidesCertificates ? { certificatesAfterLogin: true as const } : {}),
    })));
  }

  /** Per token id, the key pairs visible before login that have no certificate (never offered; `kyso list` says so). */
  async keysWithoutCertificate(): Promise<Map<string, number>> {
    const found = await this.#readTokens();
    return new Map(found.map((f) => [f.token.id, countKeysWithoutCertificate(f.objects)] as const));
  }

  async listCertificates(filter?: CertificateFilter): Promise<CertificateInfo[]> {
    const now = this.#now();
    return orderForListing((await this.#locateAll()).map((l) => l.info).filter((c) => matchesFilter(c, filter, now)));
  }

  /**
   * A certificate by id, or by a subject identifier such as "MST:0101234567" or "CCCD:001099012345"
   * (among certificates with a private key). Ambiguous → BAD_REQUEST with the count; none → CERTIFICATE_NOT_FOUND.
   */
  async findCertificate(selector: string): Promise<CertificateInfo> {
    return (await this.#locate(selector)).info;
  }

  /**
   * Every certificate on every token. `login`: also log in (with this PIN, or on the PIN pad) to tokens that show
   * their certificates only after login, read them, and log out again.
   */
  async #locateAll(login?: { pin: string | undefined }): Promise<Located[]> {
    // Read every driver's tokens first (synchronous PKCS#11 calls), then describe the certificates.
    const found = await this.#readTokens();
    this.#forgetRemovedTokens(found.map((f) => f.token.id));
    for (const entry of found) {
      const revealed = this.#revealed.get(entry.token.id);
      if (revealed && hidesCertificates(entry.token, entry.objects)) entry.objects = { ...entry.objects, certificates: revealed };
    }
    if (login) {
      for (const entry of found) {
        if (hidesCertificates(entry.token, entry.objects)) entry.objects = await this.#readAfterLogin(entry.module, entry.slot, entry.token, login.pin);
      }
    }
    const out: Located[] = [];
    const seen = new Set<string>();
    /** Certificate id → where it was first listed, to keep ids unique across drivers. */
    const byId = new Map<string, number>();
    for (const { module, slot, token, objects } of found) {
      const tokenCertificates = objects.certificates.map((c) => c.der);
      for (const object of objects.certificates) {
        // The key pair is recognised by public key, else CKA_ID (key-pairing.ts): the private key itself is often
        // hidden until login, the public key is not.
        const key = pairCertificate(object, objects);
        const hasPrivateKey = key !== undefined;
        const info = await this.#describe(object.der, hasPrivateKey, token);
        if (!info) continue; // An object that does not parse as X.509 is not offered.
        // The same certificate on two tokens (a copy of a CA cert): keep the first.
        if (seen.has(`${token.id}/${info.id}`)) continue;
        seen.add(`${token.id}/${info.id}`);
        const located: Located = { info, der: object.der, key, module, slot, token, tokenCertificates };
        // One token reached through two drivers (its vendor's and OpenSC) shows each certificate twice with the
        // same id (the id is the certificate's fingerprint): list it once, through the driver that sees its key.
        const earlier = byId.get(info.id);
        if (earlier !== undefined && out[earlier]!.module !== module) {
          if (out[earlier]!.info.unusableReasons.includes('noPrivateKey') && hasPrivateKey) out[earlier] = located;
          continue;
        }
        byId.set(info.id, out.length);
        out.push(located);
      }
    }
    return out;
  }

  /** Every token on every driver with the objects it shows without login. */
  async #readTokens(): Promise<{ module: Pkcs11Module; slot: SlotHandle; token: TokenInfo; objects: TokenObjects }[]> {
    return (await this.#eachModule('objects')).flatMap(({ module, tokens }) => tokens.map(({ slot, info, objects }) => ({
      module, slot, token: { ...info, driver: this.#driverOf(module) }, objects: objects ?? { certificates: [], privateKeys: [], publicKeys: [] },
    })));
  }

  /** A token no longer listed was pulled out: what was revealed of it is forgotten (the next one needs the PIN again). */
  #forgetRemovedTokens(present: readonly string[]): void {
    for (const id of this.#revealed.keys()) if (!present.includes(id)) this.#revealed.delete(id);
  }

  /**
   * `host.revealCertificates`: log in to a token that shows its certificates only after login (one PIN try: a
   * wrong PIN → PIN_INCORRECT), read them, log out, and remember them so `listCertificates` lists them from now
   * on (paired with their keys by public key, as usual). Returns how many certificates the token showed.
   */
  async revealCertificates(tokenId: string, pin: string | undefined): Promise<number> {
    const found = await this.#readTokens();
    this.#forgetRemovedTokens(found.map((f) => f.token.id));
    const entry = found.find((f) => f.token.id === tokenId);
    if (!entry) throw new KysoError('TOKEN_NOT_PRESENT', { tokenId });
    // A token that shows its certificates already needs no PIN for them: no login, no PIN try spent.
    if (!hidesCertificates(entry.token, entry.objects)) return entry.objects.certificates.length;
    const objects = await this.#readAfterLogin(entry.module, entry.slot, entry.token, pin);
    this.#revealed.set(tokenId, objects.certificates);
    return objects.certificates.length;
  }

  /**
   * Describing a certificate (X.509 parse, fingerprint) costs milliseconds and happens on every listing and
   * every signature; the result only changes with the token, the key pairing or the clock, so it is cached
   * for DESCRIBE_CACHE_MS (short enough that expiry is noticed within a minute).
   */
  async #describe(der: Uint8Array, hasPrivateKey: boolean, token: TokenInfo): Promise<CertificateInfo | undefined> {
    const now = this.#now();
    const key = `${token.id}|${token.label}|${hasPrivateKey}|${Buffer.from(der).toString('base64')}`;
    const cached = this.#describeCache.get(key);
    if (cached && Math.abs(now.getTime() - cached.at) < DESCRIBE_CACHE_MS) return cached.info;
    let info: CertificateInfo | undefined;
    const { describeCertificate } = await describeModule();
    try {
      info = await describeCertificate(der, {
        at: now,
        hasPrivateKey,
        token: {
          id: token.id, label: token.label, serialNumber: token.serialNumber, manufacturer: token.manufacturer, model: token.model,
          ...(token.driver ? { driver: token.driver } : {}),
        },
      });
    } catch {
      info = undefined;
    }
    if (this.#describeCache.size > DESCRIBE_CACHE_MAX_ENTRIES) this.#describeCache.clear();
    this.#describeCache.set(key, { info, at: now.getTime() });
    return info;
  }

  /**
   * The issuer chain (X.509 parses and signature checks, ~1 ms) only changes with the certificates on the token,
   * so it is cached keyed by exactly those bytes: the leaf and every certificate the token holds now. A token
   * whose certificates change gets a new key, so the cache can never hand out a chain the token no longer has.
   */
  #chainOf(located: Located): readonly Uint8Array[] {
    const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64');
    const key = `${b64(located.der)}|${located.tokenCertificates.map(b64).join(',')}`;
    let chain = this.#chainCache.get(key);
    if (!chain) {
      chain = buildChain(located.der, located.tokenCertificates);
      if (this.#chainCache.size > DESCRIBE_CACHE_MAX_ENTRIES) this.#chainCache.clear();
      this.#chainCache.set(key, chain);
    }
    return chain;
  }

  /** The objects of a token that shows its certificates only after login: log in, read, log out (token held meanwhile). */
  async #readAfterLogin(module: Pkcs11Module, slot: SlotHandle, token: TokenInfo, pin: string | undefined): Promise<TokenObjects> {
    const release = await this.#locks.acquire(token.id);
    let session: SessionHandle;
    try {
      await module.settled();
      session = module.openSession(slot);
    } catch (error) {
      release();
      throw error;
    }
    let loggedIn = false;
    try {
      await module.login(session, slot, pin);
      loggedIn = true;
      return module.readObjects(session);
    } finally {
      if (loggedIn) module.logout(session);
      module.closeSession(session);
      release();
    }
  }

  async #locate(selector: string, login?: { pin: string | undefined }): Promise<Located> {
    const all = await this.#locateAll(login);
    const byId = all.filter((l) => l.info.id === selector);
    if (byId.length > 0) {
      // Prefer the copy that has a key (the same CA certificate may sit on two tokens).
      return byId.find((l) => !l.info.unusableReasons.includes('noPrivateKey')) ?? byId[0]!;
    }
    const identifier = normaliseIdentifier(selector);
    if (!identifier) throw new KysoError('CERTIFICATE_NOT_FOUND', { selector: selector.slice(0, 128) });
    const matches = all.filter((l) => !l.info.unusableReasons.includes('noPrivateKey') && l.info.subject.identifiers.all.includes(identifier));
    if (matches.length === 0) throw new KysoError('CERTIFICATE_NOT_FOUND', { selector: identifier });
    if (matches.length > 1) {
      // Several certificates carry the identifier (a renewed one, an expired one): prefer the usable one if unique.
      const usable = matches.filter((l) => l.info.unusableReasons.length === 0);
      if (usable.length === 1) return usable[0]!;
      // Several usable: one certificate renewed before the old one ran out → the newest; else the person chooses.
      const renewal = newestRenewal(usable.map((l) => l.info));
      if (renewal) return usable.find((l) => l.info === renewal)!;
      throw new KysoError('BAD_REQUEST', { selector: identifier, problem: 'ambiguous certificate selector', matches: matches.length });
    }
    return matches[0]!;
  }

  /**
   * Log in once and return a Signer usable for many signatures (batch signing), until `close()`.
   * The token is held for this signer alone meanwhile (see TokenLocks).
   */
  async openSigner(selector: string, pin: string | undefined, options: OpenSignerOptions = {}): Promise<TokenSigner> {
    // The login below runs on a worker thread (token-call-thread.ts): start it now, so it boots while the
    // certificate is looked up rather than after (the CLI's fixed start paid it in full, docs/benchmarks.md).
    tokenCallThreads().prewarm();
    const located = await this.#locate(selector).catch(async (error: unknown) => {
      // Not among the certificates visible without login: a token that shows them only after login may hold it.
      // The PIN the person typed opens it (one try; a wrong PIN stops here with PIN_INCORRECT).
      if (!(error instanceof KysoError) || error.code !== 'CERTIFICATE_NOT_FOUND' || !(await this.#anyTokenHidesCertificates())) throw error;
      return this.#locate(selector, { pin });
    });
    const { info } = located;
    if (info.unusableReasons.includes('noPrivateKey')) throw new KysoError('KEY_NOT_FOUND', { certificateId: info.id });
    if (info.unusableReasons.includes('unsupportedKey')) throw new KysoError('UNSUPPORTED_ALGORITHM', { certificateId: info.id });
    const blocking = info.unusableReasons.filter((r) => r !== 'noPrivateKey');
    if (blocking.length > 0 && !options.allowUnusable) {
      throw new KysoError('CERTIFICATE_NOT_USABLE', { certificateId: info.id, reasons: blocking.join(',') });
    }

    const release = await this.#locks.acquire(located.token.id);
    const { module, slot } = located;
    let session: SessionHandle | undefined;
    let loggedIn = false;
    try {
      // A listing re-initialising the module (hot-plug) would end a session opened meanwhile: wait for it; from the
      // openSession below on, no re-initialise starts (Pkcs11Module.list).
      await module.settled();
      const scheme = options.scheme === 'key default' ? SCHEMES_FOR_KEY[info.keyType][0]! : options.scheme;
      if (scheme) {
        // Before login, so neither a scheme the key cannot do nor one the token lacks costs a PIN try.
        if (!SCHEMES_FOR_KEY[info.keyType].includes(scheme)) throw new KysoError('UNSUPPORTED_ALGORITHM', { keyType: info.keyType, scheme });
        if (!module.offersMechanism(slot, mechanismTypeOf(scheme))) throw new KysoError('MECHANISM_NOT_SUPPORTED', { scheme });
      }
      session = module.openSession(slot);
      await module.login(session, slot, pin);
      loggedIn = true;
      const key = located.key ? module.findPrivateKey(session, located.key) : undefined;
      if (!key) throw new KysoError('KEY_NOT_FOUND', { certificateId: info.id });
      // A CKA_ALWAYS_AUTHENTICATE key wants the PIN again before each signature: the one typed for this consent is
      // kept in this signer's closure until close() (never logged, never written anywhere); a PIN pad asks the device.
      const contextLogin = module.alwaysAuthenticate(session, key) ? { pin: module.hasPinPad(slot) ? undefined : pin } : undefined;
      return this.#signer(located, session, key, release, contextLogin);
    } catch (error) {
      if (session) {
        if (loggedIn) module.logout(session);
        module.closeSession(session);
      }
      release();
      throw error;
    }
  }

  #signer(located: Located, session: SessionHandle, key: Buffer, release: () => void, contextLogin: { pin: string | undefined } | undefined): TokenSigner {
    const { module, info } = located;
    const keyType: KeyType = info.keyType;
    const chain = this.#chainOf(located);
    let open = true;
    let queue: Promise<unknown> = Promise.resolve();
    const signEach = (digests: readonly Uint8Array[], hashAlgorithm: HashAlgorithm, scheme?: SignatureScheme): Promise<Uint8Array[]> => {
      // Calls on one session must not overlap: C_SignInit/C_Sign pairs are per session [PKCS#11 2.40 §5.12].
      const run = queue.then(async () => {
        if (!open) throw new KysoError('INTERNAL_ERROR', { reason: 'signer closed' });
        const chosen = scheme ?? SCHEMES_FOR_KEY[keyType][0]!;
        if (!SCHEMES_FOR_KEY[keyType].includes(chosen)) throw new KysoError('UNSUPPORTED_ALGORITHM', { keyType, scheme: chosen });
        checkDigestLengths(digests, hashAlgorithm, digests.length > 1);
        if (digests.length === 0) return [];
        const inputs = digests.map((digest) => signingInput(chosen, hashAlgorithm, digest));
        const raw = await module.signEach(session, inputs[0]!.mechanism, key, inputs.map((input) => input.data), contextLogin);
        return chosen === 'ECDSA' ? raw.map((signature) => rawEcdsaToDer(signature)) : raw;
      });
      queue = run.catch(() => undefined);
      return run;
    };
    return {
      certificateInfo: info,
      certificate: located.der,
      chain,
      keyType,
      signDigest: async (digest, hashAlgorithm, scheme) => (await signEach([digest], hashAlgorithm, scheme))[0]!,
      signDigests: signEach,
      close: async () => {
        if (!open) return;
        open = false;
        await queue;
        contextLogin = undefined;
        module.logout(session);
        module.closeSession(session);
        release();
      },
    };
  }

  /** One signature: open, sign, close. */
  async signDigest(request: SignDigestRequest): Promise<SignDigestOutcome> {
    const signer = await this.openSigner(request.certificateId, request.pin, { scheme: request.signatureScheme ?? 'key default' });
    try {
      const scheme = request.signatureScheme ?? SCHEMES_FOR_KEY[signer.keyType][0]!;
      const signature = await signer.signDigest(request.digest, request.hashAlgorithm, scheme);
      return { signature, signatureAlgorithm: scheme, hashAlgorithm: request.hashAlgorithm, certificateInfo: signer.certificateInfo, certificate: signer.certificate, chain: signer.chain };
    } finally {
      await signer.close();
    }
  }

  /**
   * Many digests under ONE login (kyso.signHashes): the person approved them all in one consent. Every digest's
   * length is checked before the login, so a malformed request never costs a PIN try; then each is signed in
   * order on the one session, and the session is logged out before the result is returned — nothing of the
   * login outlives this call.
   */
  async signDigests(request: SignDigestsRequest): Promise<SignDigestsOutcome> {
    checkDigestLengths(request.digests, request.hashAlgorithm, true);
    const signer = await this.openSigner(request.certificateId, request.pin, { scheme: request.signatureScheme ?? 'key default' });
    try {
      const scheme = request.signatureScheme ?? SCHEMES_FOR_KEY[signer.keyType][0]!;
      const signatures = await signer.signDigests(request.digests, request.hashAlgorithm, scheme);
      return { signatures, signatureAlgorithm: scheme, hashAlgorithm: request.hashAlgorithm, certificateInfo: signer.certificateInfo, certificate: signer.certificate, chain: signer.chain };
    } finally {
      await signer.close();
    }
  }

  async #anyTokenHidesCertificates(): Promise<boolean> {
    return (await this.listTokens()).some((t) => t.certificatesAfterLogin === true);
  }

  /** Finalise every module. The service cannot be used afterwards. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const d of this.#drivers) if (d.module) releaseModule(d.module);
  }
}

/**
 * Loaded on first use: @peculiar/x509 and its ASN.1 schemas are ~1 MB of code that `host.hello` (the browser's first
 * message to a fresh host) never needs (docs/benchmarks.md "Host cold start"); kept once loaded (load-once.ts): it is
 * asked once per certificate of every listing.
 */
const describeModule = loadOnce(() => import('../../shared/certificates/describe-certificate.js'));

/** INVALID_HASH for the first digest whose length is not the hash's (naming its place in a list when `indexed`). */
function checkDigestLengths(digests: readonly Uint8Array[], hashAlgorithm: HashAlgorithm, indexed: boolean): void {
  const expected = DIGEST_LENGTH_BYTES[hashAlgorithm];
  digests.forEach((digest, index) => {
    if (digest.length !== expected) {
      throw new KysoError('INVALID_HASH', { ...(indexed ? { index } : {}), hashAlgorithm, expectedBytes: expected, gotBytes: digest.length });
    }
  });
}

/** A token that requires login and, before it, shows keys but no certificate (issue 13 §2). */
function hidesCertificates(token: TokenInfo, objects: TokenObjects): boolean {
  return token.flags.loginRequired && objects.certificates.length === 0 && objects.privateKeys.length + objects.publicKeys.length > 0;
}

