/**
 * Adapter over one PKCS#11 module (a token driver library) through pkcs11js. Classes follow the spec:
 * module → slot → session → sign [PKCS#11 2.40 §5]. This file and its siblings in native-host/token/ are
 * the only places that name pkcs11js, CKR_*, CKF_*, CKM_* or CKA_*.
 *
 * One C_Initialize per module per process (a second gives CKR_CRYPTOKI_ALREADY_INITIALIZED), so a
 * Pkcs11Module is created once and shared; the TokenService owns them.
 */
import pkcs11js from 'pkcs11js';
import { nodeCrypto } from './lazy-builtins.js';
import type { TokenFlags, TokenInfo } from '../../shared/protocol/common.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { ckrName, ckrOf, pinTokenStateFromFlags, toKysoError } from './pkcs11-errors.js';
import { RESCAN_MIN_INTERVAL_MS, needsReinitialiseToRescan } from './slot-rescan.js';
import { publicValueHex, type KeyReference, type TokenKeyObject } from './key-pairing.js';
import { tokenCallThreads, tokenCallTimeoutMs } from './token-call-thread.js';
import { LISTING_STAGES, findObjectHandles, listDriverTokens, readKeyObject, readSessionObjects, type ListingRequest, type RawKeyObject, type RawSessionObjects } from './token-listing.js';
import { driverCallMarker, type DriverWork } from './drivers/driver-call-marker.js';

export type SlotHandle = Buffer;
export type SessionHandle = Buffer;
export type ObjectHandle = Buffer;

/** A certificate object as found on a token, before it is described. */
export interface TokenCertificateObject {
  readonly der: Uint8Array;
  /** CKA_ID as hex ('' when the object has none). */
  readonly ckaId: string;
  readonly label: string;
}

export interface TokenObjects {
  readonly certificates: readonly TokenCertificateObject[];
  /** The private keys visible in this session (often none before login). */
  readonly privateKeys: readonly TokenKeyObject[];
  /** Public keys: tokens keep them public, so they reveal the key pairs before login. */
  readonly publicKeys: readonly TokenKeyObject[];
}

export interface SlotToken {
  readonly slot: SlotHandle;
  readonly info: TokenInfo;
}

/** A token as a listing found it: with its objects (read 'objects') or whether it hides its certificates (read 'tokens'). */
export interface ListedToken extends SlotToken {
  readonly objects?: TokenObjects;
  readonly hidesCertificates?: boolean;
}

export interface ModuleStatus {
  readonly path: string;
  readonly loaded: boolean;
  /** Short reason when not loaded: a catalogue code or a CKR name. */
  readonly error?: string;
  /** More words on `error` for a person (which call stopped answering, since when). */
  readonly detail?: string;
}

/** The mechanism a signature uses, described without pkcs11js types (built in signing-mechanism.ts). */
export type Pkcs11Mechanism = pkcs11js.Mechanism;

/** Enough for RSA-8192 and any ECDSA signature; pkcs11js returns the slice actually written. */
const SIGNATURE_BUFFER_BYTES = 1024;

export class Pkcs11Module {
  readonly path: string;
  /** C_Initialize parameters (pReserved), for drivers that need them (NSS softoken); see DriverCandidate.initArgs. */
  readonly #initArgs: string | undefined;
  #lib: pkcs11js.PKCS11 | undefined;
  #status: ModuleStatus;
  /** Sessions open now (a re-initialise for hot-plug must not end one, see slot-rescan.ts). */
  #openSessions = 0;
  #lastRescanAt = Date.now();
  /** The library's real path (driver-screening.ts), as the driver memory and the crash markers name it. */
  readonly #realPath: string;
  /** Listings running now (a re-initialise waits until none runs: it would end their sessions). */
  #listings = 0;
  /** Set while a listing re-initialises the module: nothing else may call the module until it is done. */
  #reinitialising: Promise<unknown> | undefined;
  /** Listings running plus sessions open: while > 0 the host is inside this driver (driver-call-marker.ts). */
  #work = 0;

  private constructor(path: string, initArgs: string | undefined, realPath: string) {
    this.path = path;
    this.#initArgs = initArgs;
    this.#realPath = realPath;
    this.#status = { path, loaded: false };
  }

  /** Load and initialise the module. Never throws: a module that fails is reported by `status`. */
  static load(path: string, initArgs?: string, realPath: string = path): Pkcs11Module {
    const module = new Pkcs11Module(path, initArgs || undefined, realPath);
    const lib = new pkcs11js.PKCS11();
    try {
      lib.load(path);
    } catch {
      module.#status = { path, loaded: false, error: 'PKCS11_MODULE_NOT_FOUND' };
      return module;
    }
    try {
      // The host signs on libuv worker threads (the *Async calls) while the main thread lists objects:
      // ask the module to lock with the OS primitives [PKCS#11 2.40 §5.4 C_Initialize, CKF_OS_LOCKING_OK].
      module.#initialize(lib, true);
    } catch (error) {
      const ckr = ckrOf(error);
      if (ckr === pkcs11js.CKR_CANT_LOCK) {
        try {
          module.#initialize(lib, false);
        } catch (again) {
          module.#status = { path, loaded: false, error: ckrName(ckrOf(again) ?? 0) };
          return module;
        }
      } else if (ckr !== pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        module.#status = { path, loaded: false, error: ckr === undefined ? 'TOKEN_ERROR' : ckrName(ckr) };
        return module;
      }
    }
    module.#lib = lib;
    module.#status = { path, loaded: true };
    return module;
  }

  /**
   * C_Initialize, with the driver's parameters when it has some: pkcs11js then passes them in pReserved of the
   * CK_C_INITIALIZE_ARGS (NSS's extended form); without them pReserved stays NULL as the spec requires
   * [PKCS#11 2.40 §5.4] (SoftHSM2 refuses anything else with CKR_ARGUMENTS_BAD).
   */
  #initialize(lib: pkcs11js.PKCS11, osLocking: boolean): void {
    const locking = osLocking ? { flags: pkcs11js.CKF_OS_LOCKING_OK } : undefined;
    lib.C_Initialize(this.#initArgs ? { libraryParameters: this.#initArgs, ...locking } : locking);
  }

  get status(): ModuleStatus {
    return this.#status;
  }

  get loaded(): boolean {
    return this.#lib !== undefined && this.#notResponding === undefined;
  }

  /** The host starts work inside this driver (a listing, a session): marked while any runs (driver-call-marker.ts). */
  #enter(work: DriverWork): void {
    if (this.#work++ === 0) driverCallMarker()?.enter(this.#realPath, work);
  }

  #leave(): void {
    if (--this.#work === 0) driverCallMarker()?.leave(this.#realPath);
  }

  #require(): pkcs11js.PKCS11 {
    if (this.#notResponding) throw this.#notResponding;
    if (!this.#lib) throw new KysoError('PKCS11_MODULE_NOT_FOUND');
    return this.#lib;
  }

  /** Stable token id: slot numbers change when tokens are re-plugged or re-initialised; module + serial do not. */
  tokenId(serialNumber: string, label: string, withLabel = false): string {
    const key = `${this.path}\n${serialNumber}\n${serialNumber && !withLabel ? '' : label}`;
    return nodeCrypto().createHash('sha256').update(key).digest('base64url').slice(0, 22);
  }

  /**
   * The slots that hold a token now, with the token's description [PKCS#11 2.40 C_GetSlotList(tokenPresent)] and
   * what `read` asks: every token's objects, or whether a login token hides its certificates. The calls run on a
   * token-call worker, bounded (token-listing.ts): a driver that does not answer in time is given up for the rest of
   * this process — TOKEN_NOT_RESPONDING now and for every later use (its hung call may hold the driver's locks, so
   * any further call could hang the main thread) — while the other drivers keep working.
   */
  async list(read: ListingRequest['read']): Promise<ListedToken[]> {
    if (this.#reinitialising) await this.#reinitialising;
    const lib = this.#require();
    const reinitialise = this.#rescanDue();
    const request: ListingRequest = { reinitialise, initArgs: this.#initArgs, read };
    this.#listings++;
    this.#enter('listing');
    const threads = tokenCallThreads();
    // The call in progress, written by the listing code (token-listing.ts): a failure names the call that failed.
    const stage = new Int32Array(new SharedArrayBuffer(4));
    const run = threads.available
      ? threads.list(this.path, request, tokenCallTimeoutMs('list'), stage.buffer as SharedArrayBuffer)
      : Promise.resolve().then(() => listDriverTokens(lib, pkcs11js, request, stage));
    if (reinitialise) this.#reinitialising = run.catch(() => undefined);
    let raw;
    try {
      raw = await run;
    } catch (error) {
      const operation = LISTING_STAGES[Atomics.load(stage, 0)] ?? 'C_GetSlotList';
      const kyso = toKysoError(error, { operation });
      if (kyso.code === 'TOKEN_NOT_RESPONDING') this.#giveUp(kyso);
      else if (operation === 'C_Initialize') {
        // The re-initialise for hot-plug failed: the module is gone for this process, as C_Initialize at load.
        this.#lib = undefined;
        this.#status = { path: this.path, loaded: false, error: ckrName(ckrOf(error) ?? 0) };
      }
      throw kyso;
    } finally {
      this.#listings--;
      if (reinitialise) this.#reinitialising = undefined;
      this.#leave();
    }
    const out: ListedToken[] = raw.map((t) => ({
      slot: Buffer.from(t.slot),
      info: {
        id: this.tokenId(t.serialNumber, t.label),
        label: t.label,
        serialNumber: t.serialNumber,
        manufacturer: t.manufacturerID,
        model: t.model,
        slotDescription: t.slotDescription,
        flags: decodeTokenFlags(t.flags),
      },
      ...(t.objects ? { objects: tokenObjects(t.objects) } : {}),
      ...(t.hidesCertificates !== undefined ? { hidesCertificates: t.hidesCertificates } : {}),
    }));
    return withDistinctIds(out, (info) => this.tokenId(info.serialNumber, info.label, true));
  }

  /**
   * Resolves when no listing is re-initialising the module. Calls made on the main thread (a session for a
   * signature) wait for it, then open their session before anything else runs: from then on no re-initialise starts.
   */
  async settled(): Promise<void> {
    if (this.#reinitialising) await this.#reinitialising;
  }

  /** A listing did not answer in time: the driver is given up for this process (see `list`). */
  #giveUp(error: KysoError): void {
    const operation = String(error.details?.['operation'] ?? 'C_GetSlotList');
    this.#status = {
      path: this.path, loaded: false, error: 'TOKEN_NOT_RESPONDING',
      detail: `no answer from ${operation} in ${String(error.details?.['waitedMs'] ?? '?')} ms on ${new Date().toISOString().slice(0, 10)}; skipped until the host restarts`,
    };
    this.#notResponding = error;
  }

  #notResponding: KysoError | undefined;

  /** Given up after a listing that did not answer in time (see `list`). */
  get givenUp(): boolean {
    return this.#notResponding !== undefined;
  }

  /** Raw CK_TOKEN_INFO flags of a slot's token, for the PIN state after a failed login. */
  tokenFlags(slot: SlotHandle): number {
    return this.#require().C_GetTokenInfo(slot).flags;
  }

  openSession(slot: SlotHandle): SessionHandle {
    try {
      // Read-only is enough to sign and to log in as CKU_USER [PKCS#11 2.40 §5.6 C_OpenSession].
      const lib = this.#require();
      this.#enter('session');
      let session: SessionHandle;
      try {
        session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      } catch (error) {
        this.#leave();
        throw error;
      }
      this.#openSessions++;
      return session;
    } catch (error) {
      throw toKysoError(error, { operation: 'C_OpenSession' });
    }
  }

  closeSession(session: SessionHandle): void {
    this.#openSessions = Math.max(0, this.#openSessions - 1);
    try {
      this.#require().C_CloseSession(session);
    } catch {
      // Closing a session of a removed token fails; there is nothing left to release.
    } finally {
      this.#leave();
    }
  }

  /** Certificates and key pair ids visible in `session` (a session of the main thread: after login). */
  readObjects(session: SessionHandle): TokenObjects {
    try {
      return tokenObjects(readSessionObjects(this.#require(), pkcs11js, session, new Int32Array(1)));
    } catch (error) {
      throw toKysoError(error, { operation: 'readObjects' });
    }
  }

  /**
   * Log the user in. A token with a PIN pad (CKF_PROTECTED_AUTHENTICATION_PATH) takes no PIN from us: C_Login
   * with no PIN waits while the person types on the device [PKCS#11 2.40 C_Login]. The call runs on a worker
   * thread, bounded (token-call-thread.ts). A wrong PIN becomes PIN_INCORRECT with the token's remaining-tries
   * state. The PIN is tried exactly once: nothing here retries a login that checked it.
   */
  async login(session: SessionHandle, slot: SlotHandle, pin: string | undefined): Promise<void> {
    const lib = this.#require();
    const flags = lib.C_GetTokenInfo(slot).flags;
    if (!(flags & pkcs11js.CKF_LOGIN_REQUIRED)) return;
    if (flags & pkcs11js.CKF_USER_PIN_LOCKED) throw new KysoError('PIN_LOCKED');
    const protectedPath = (flags & pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH) !== 0;
    if (!protectedPath && pin === undefined) throw new KysoError('BAD_REQUEST', { field: 'pin', problem: 'required by this token' });
    const attempt = () => this.#login(session, pkcs11js.CKU_USER, protectedPath ? undefined : pin);
    try {
      try {
        await attempt();
      } catch (error) {
        // Logged in by an earlier session of this process: log out and log in again so this PIN is checked.
        // (CKR_USER_ALREADY_LOGGED_IN is answered before any PIN is checked, so this costs no try.)
        if (ckrOf(error) !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) throw error;
        lib.C_Logout(session);
        await attempt();
      }
    } catch (error) {
      let pinTokenState: ReturnType<typeof pinTokenStateFromFlags> | undefined;
      if (ckrOf(error) === pkcs11js.CKR_PIN_INCORRECT) {
        try {
          const after = lib.C_GetTokenInfo(slot).flags;
          if (after & pkcs11js.CKF_USER_PIN_LOCKED) throw new KysoError('PIN_LOCKED', { ckr: 'CKR_PIN_INCORRECT' });
          pinTokenState = pinTokenStateFromFlags(after);
        } catch (stateError) {
          if (stateError instanceof KysoError) throw stateError;
        }
      }
      throw toKysoError(error, { operation: 'C_Login', ...(pinTokenState ? { pinTokenState } : {}) });
    }
  }

  /** Whether the token's PIN is entered on the device (PIN pad), read now (a reader may be swapped). */
  hasPinPad(slot: SlotHandle): boolean {
    return (this.#require().C_GetTokenInfo(slot).flags & pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH) !== 0;
  }

  /** One C_Login, off the event loop when worker threads can load the pkcs11js addon. */
  async #login(session: SessionHandle, userType: number, pin: string | undefined): Promise<void> {
    const threads = tokenCallThreads();
    if (!threads.available) {
      // No PIN (a PIN pad): an empty one, as pkcs11js cannot pass NULL_PTR (token-call-thread.ts).
      this.#require().C_Login(session, userType, pin ?? '');
      return;
    }
    const timeout = tokenCallTimeoutMs(pin === undefined ? 'pinPadLogin' : 'login');
    await threads.run({ op: 'login', modulePath: this.path, session, userType, pin }, timeout);
  }

  logout(session: SessionHandle): void {
    try {
      this.#require().C_Logout(session);
    } catch {
      // Not logged in (no login was needed) or the token is gone: either way nobody is logged in now.
    }
  }

  /**
   * The private key of a key pair, visible after login: by CKA_ID when the pair has one, else by public value
   * (RSA: the private key's modulus). A key whose readable public value differs from the certificate's is never
   * returned, so a token's wrong CKA_ID cannot make a signature that does not match the certificate.
   */
  findPrivateKey(session: SessionHandle, ref: KeyReference): ObjectHandle | undefined {
    try {
      const template: pkcs11js.Template = [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }];
      if (ref.ckaId) template.push({ type: pkcs11js.CKA_ID, value: Buffer.from(ref.ckaId, 'hex') });
      const lib = this.#require();
      const stage = new Int32Array(1);
      for (const handle of findObjectHandles(lib, session, template, Infinity, stage)) {
        const { publicValue } = keyObject(readKeyObject(lib, pkcs11js, session, handle, stage));
        if (ref.publicValue && publicValue && publicValue !== ref.publicValue) continue;
        if (!ref.ckaId && !(ref.publicValue && publicValue === ref.publicValue)) continue;
        return handle;
      }
      return undefined;
    } catch (error) {
      throw toKysoError(error, { operation: 'C_FindObjects' });
    }
  }

  /**
   * Whether the key needs a context-specific login before every signature (CKA_ALWAYS_AUTHENTICATE, qualified
   * signature keys) [PKCS#11 2.40 §4.9, §5.6 CKU_CONTEXT_SPECIFIC].
   */
  alwaysAuthenticate(session: SessionHandle, key: ObjectHandle): boolean {
    try {
      const [attribute] = this.#require().C_GetAttributeValue(session, key, [{ type: pkcs11js.CKA_ALWAYS_AUTHENTICATE }]);
      return attribute?.value instanceof Buffer && attribute.value.length > 0 && attribute.value[0] !== 0;
    } catch {
      return false; // A token that does not know the attribute has no such keys.
    }
  }

  /**
   * C_SignInit (+ the context-specific login a CKA_ALWAYS_AUTHENTICATE key needs, with the PIN given or on the PIN
   * pad) + C_Sign, on a worker thread and bounded, so the host keeps reading stdin while a slow token works.
   */
  async sign(session: SessionHandle, mechanism: Pkcs11Mechanism, key: ObjectHandle, data: Uint8Array, contextLogin?: { pin: string | undefined }): Promise<Uint8Array> {
    const [signature] = await this.signEach(session, mechanism, key, [data], contextLogin);
    return signature!;
  }

  /**
   * `sign` for each input in order, with one mechanism and key on one session: one worker call for all of them
   * (token-call-thread.ts), each signature bounded. The first failure rejects the whole call.
   */
  async signEach(session: SessionHandle, mechanism: Pkcs11Mechanism, key: ObjectHandle, inputs: readonly Uint8Array[], contextLogin?: { pin: string | undefined }): Promise<Uint8Array[]> {
    const lib = this.#require();
    const threads = tokenCallThreads();
    try {
      if (threads.available) {
        const login = contextLogin ? { userType: pkcs11js.CKU_CONTEXT_SPECIFIC, pin: contextLogin.pin } : undefined;
        const timeout = tokenCallTimeoutMs('sign') + (contextLogin ? tokenCallTimeoutMs(contextLogin.pin === undefined ? 'pinPadLogin' : 'login') : 0);
        const out = await threads.sign({
          op: 'sign', modulePath: this.path, session, key, mechanism, inputs, signatureBytes: SIGNATURE_BUFFER_BYTES, contextLogin: login,
        }, timeout);
        if (out.length !== inputs.length) throw new KysoError('TOKEN_ERROR', { operation: 'C_Sign', ckr: 'none' });
        return out;
      }
      const signatures: Uint8Array[] = [];
      for (const input of inputs) {
        lib.C_SignInit(session, mechanism, key);
        if (contextLogin) lib.C_Login(session, pkcs11js.CKU_CONTEXT_SPECIFIC, contextLogin.pin ?? '');
        signatures.push(new Uint8Array(await lib.C_SignAsync(session, Buffer.from(input), Buffer.alloc(SIGNATURE_BUFFER_BYTES))));
      }
      return signatures;
    } catch (error) {
      const kyso = toKysoError(error, { operation: 'C_Sign' });
      // The token was pulled out mid-signature: the next listing must see it gone (and see it come back) at once,
      // not wait out the rescan interval — a list right after the failure would otherwise hit the stale slot.
      if (kyso.code === 'TOKEN_REMOVED') this.#lastRescanAt = 0;
      throw kyso;
    }
  }

  /**
   * Whether the token lists this mechanism, checked before login so an unsupported one never costs a PIN try.
   * A token whose list cannot be read is given the benefit of the doubt (C_SignInit will tell).
   */
  offersMechanism(slot: SlotHandle, mechanism: number): boolean {
    try {
      return this.#require().C_GetMechanismList(slot).includes(mechanism);
    } catch {
      return true;
    }
  }

  /** Mechanisms the slot's token offers (for diagnostics). */
  mechanisms(slot: SlotHandle): number[] {
    return this.#require().C_GetMechanismList(slot);
  }

  /**
   * Hot-plug for modules that only scan slots in C_Initialize (SoftHSM2; see slot-rescan.ts): whether this listing
   * should C_Finalize + C_Initialize first — only while no session is open and no other listing runs, at most once
   * per RESCAN_MIN_INTERVAL_MS. A module that fails to come back is reported as not loaded (`list`).
   */
  #rescanDue(): boolean {
    if (this.#openSessions > 0 || this.#listings > 0 || !needsReinitialiseToRescan(this.path)) return false;
    if (Date.now() - this.#lastRescanAt < RESCAN_MIN_INTERVAL_MS) return false;
    this.#lastRescanAt = Date.now();
    return true;
  }

  /** C_Finalize; the module cannot be used afterwards. */
  finalize(): void {
    const lib = this.#lib;
    this.#lib = undefined;
    if (!lib) return;
    try {
      lib.C_Finalize();
    } catch {
      // Already finalised or the library is broken: nothing to release.
    }
  }
}

/**
 * Tokens of one driver that report the same serial number get ids that include their labels. NSS's softoken has
 * two tokens (its crypto services and its certificate database) that both report serial 0000000000000000;
 * one id for both would merge them in the list and make them share one lock.
 */
function withDistinctIds(tokens: SlotToken[], idWithLabel: (info: TokenInfo) => string): SlotToken[] {
  const count = new Map<string, number>();
  for (const { info } of tokens) count.set(info.id, (count.get(info.id) ?? 0) + 1);
  return tokens.map((t) => (count.get(t.info.id)! > 1 ? { ...t, info: { ...t.info, id: idWithLabel(t.info) } } : t));
}

/** A key object as read → its normalised public value (key-pairing.ts). */
function keyObject(raw: RawKeyObject): TokenKeyObject {
  return { ckaId: raw.ckaId, publicValue: raw.kind && raw.value ? publicValueHex(raw.kind, raw.value) : '' };
}

/** Objects as read (on a worker: plain Uint8Arrays) → what the service pairs and describes. */
function tokenObjects(raw: RawSessionObjects): TokenObjects {
  return {
    certificates: raw.certificates,
    privateKeys: raw.privateKeys.map(keyObject),
    publicKeys: raw.publicKeys.map(keyObject),
  };
}

/** CK_TOKEN_INFO.flags → the shared TokenFlags [PKCS#11 2.40 §3.2 Table 11]. */
export function decodeTokenFlags(flags: number): TokenFlags {
  return {
    loginRequired: (flags & pkcs11js.CKF_LOGIN_REQUIRED) !== 0,
    protectedAuthenticationPath: (flags & pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH) !== 0,
    userPinInitialized: (flags & pkcs11js.CKF_USER_PIN_INITIALIZED) !== 0,
    userPinCountLow: (flags & pkcs11js.CKF_USER_PIN_COUNT_LOW) !== 0,
    userPinFinalTry: (flags & pkcs11js.CKF_USER_PIN_FINAL_TRY) !== 0,
    userPinLocked: (flags & pkcs11js.CKF_USER_PIN_LOCKED) !== 0,
    userPinToBeChanged: (flags & pkcs11js.CKF_USER_PIN_TO_BE_CHANGED) !== 0,
  };
}
