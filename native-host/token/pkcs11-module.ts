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

export interface ModuleStatus {
  readonly path: string;
  readonly loaded: boolean;
  /** Short reason when not loaded: a catalogue code or a CKR name. */
  readonly error?: string;
}

/** The mechanism a signature uses, described without pkcs11js types (built in signing-mechanism.ts). */
export type Pkcs11Mechanism = pkcs11js.Mechanism;

const MAX_OBJECTS_PER_FIND = 64;
/** Enough for RSA-8192 and any ECDSA signature; pkcs11js returns the slice actually written. */
const SIGNATURE_BUFFER_BYTES = 1024;

const trim = (s: string): string => s.replace(/[\s\u0000]+$/u, '');

export class Pkcs11Module {
  readonly path: string;
  /** C_Initialize parameters (pReserved), for drivers that need them (NSS softoken); see DriverCandidate.initArgs. */
  readonly #initArgs: string | undefined;
  #lib: pkcs11js.PKCS11 | undefined;
  #status: ModuleStatus;
  /** Sessions open now (a re-initialise for hot-plug must not end one, see slot-rescan.ts). */
  #openSessions = 0;
  #lastRescanAt = Date.now();

  private constructor(path: string, initArgs: string | undefined) {
    this.path = path;
    this.#initArgs = initArgs;
    this.#status = { path, loaded: false };
  }

  /** Load and initialise the module. Never throws: a module that fails is reported by `status`. */
  static load(path: string, initArgs?: string): Pkcs11Module {
    const module = new Pkcs11Module(path, initArgs || undefined);
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
    return this.#lib !== undefined;
  }

  #require(): pkcs11js.PKCS11 {
    if (!this.#lib) throw new KysoError('PKCS11_MODULE_NOT_FOUND');
    return this.#lib;
  }

  /** Stable token id: slot numbers change when tokens are re-plugged or re-initialised; module + serial do not. */
  tokenId(serialNumber: string, label: string, withLabel = false): string {
    const key = `${this.path}\n${serialNumber}\n${serialNumber && !withLabel ? '' : label}`;
    return nodeCrypto().createHash('sha256').update(key).digest('base64url').slice(0, 22);
  }

  /** Slots that hold a token now, with the token's description [PKCS#11 2.40 C_GetSlotList(tokenPresent)]. */
  tokens(): SlotToken[] {
    this.#rescanIfIdle();
    const lib = this.#require();
    let slots: SlotHandle[];
    try {
      slots = lib.C_GetSlotList(true);
    } catch (error) {
      throw toKysoError(error, { operation: 'C_GetSlotList' });
    }
    const out: SlotToken[] = [];
    for (const slot of slots) {
      try {
        const token = lib.C_GetTokenInfo(slot);
        // An uninitialised token (SoftHSM's spare slot, a blank card) has no keys and refuses sessions.
        if (!(token.flags & pkcs11js.CKF_TOKEN_INITIALIZED)) continue;
        const slotInfo = lib.C_GetSlotInfo(slot);
        const serialNumber = trim(token.serialNumber);
        const label = trim(token.label);
        out.push({
          slot,
          info: {
            id: this.tokenId(serialNumber, label),
            label,
            serialNumber,
            manufacturer: trim(token.manufacturerID),
            model: trim(token.model),
            slotDescription: trim(slotInfo.slotDescription),
            flags: decodeTokenFlags(token.flags),
          },
        });
      } catch (error) {
        // A token pulled out between C_GetSlotList and C_GetTokenInfo: skip it, it is gone. A reader listed with no
        // card in it (drivers list readers even for C_GetSlotList(CK_TRUE)), or a card the driver does not know
        // (CKR_TOKEN_NOT_RECOGNIZED, a card of another CA in the same reader family): skip the slot, the rest list.
        const ckr = ckrOf(error);
        if (ckr === pkcs11js.CKR_TOKEN_NOT_PRESENT || ckr === pkcs11js.CKR_DEVICE_REMOVED || ckr === pkcs11js.CKR_SLOT_ID_INVALID
          || ckr === pkcs11js.CKR_TOKEN_NOT_RECOGNIZED) continue;
        throw toKysoError(error, { operation: 'C_GetTokenInfo' });
      }
    }
    return withDistinctIds(out, (info) => this.tokenId(info.serialNumber, info.label, true));
  }

  /**
   * Whether the token hides its certificates until login: before login it shows key objects but no certificate.
   * (A token showing neither is empty, or hides everything: nothing to say about it.)
   */
  certificatesHiddenUntilLogin(slot: SlotHandle): boolean {
    const session = this.openSession(slot);
    try {
      if (this.#find(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }], 1).length > 0) return false;
      return this.#find(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY }], 1).length > 0
        || this.#find(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }], 1).length > 0;
    } catch (error) {
      throw toKysoError(error, { operation: 'C_FindObjects' });
    } finally {
      this.closeSession(session);
    }
  }

  /** Raw CK_TOKEN_INFO flags of a slot's token, for the PIN state after a failed login. */
  tokenFlags(slot: SlotHandle): number {
    return this.#require().C_GetTokenInfo(slot).flags;
  }

  openSession(slot: SlotHandle): SessionHandle {
    try {
      // Read-only is enough to sign and to log in as CKU_USER [PKCS#11 2.40 §5.6 C_OpenSession].
      const session = this.#require().C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
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
    }
  }

  /** Certificates and key pair ids visible in `session`. */
  readObjects(session: SessionHandle): TokenObjects {
    const lib = this.#require();
    try {
      const certificates: TokenCertificateObject[] = [];
      for (const handle of this.#find(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
        { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
      ])) {
        const [value, id, label] = lib.C_GetAttributeValue(session, handle, [
          { type: pkcs11js.CKA_VALUE }, { type: pkcs11js.CKA_ID }, { type: pkcs11js.CKA_LABEL },
        ]);
        if (!value?.value || !(value.value instanceof Buffer) || value.value.length === 0) continue;
        certificates.push({
          der: new Uint8Array(value.value),
          ckaId: id?.value instanceof Buffer ? id.value.toString('hex') : '',
          label: label?.value instanceof Buffer ? trim(label.value.toString('utf8')) : '',
        });
      }
      return { certificates, privateKeys: this.#keys(session, pkcs11js.CKO_PRIVATE_KEY), publicKeys: this.#keys(session, pkcs11js.CKO_PUBLIC_KEY) };
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

  #keys(session: SessionHandle, objectClass: number): TokenKeyObject[] {
    return this.#find(session, [{ type: pkcs11js.CKA_CLASS, value: objectClass }]).map((handle) => this.#keyObject(session, handle));
  }

  /** A key's CKA_ID and public value (RSA modulus, EC point; an EC private key has none) [PKCS#11 2.40 §2.1.3, §2.3.3]. */
  #keyObject(session: SessionHandle, handle: ObjectHandle): TokenKeyObject {
    const lib = this.#require();
    const [id, type] = lib.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_ID }, { type: pkcs11js.CKA_KEY_TYPE }]);
    const ckaId = id?.value instanceof Buffer ? id.value.toString('hex') : '';
    const keyType = type?.value instanceof Buffer && type.value.length >= 4 ? type.value.readUIntLE(0, Math.min(type.value.length, 6)) : -1;
    const valueAttribute = keyType === pkcs11js.CKK_RSA ? pkcs11js.CKA_MODULUS : keyType === pkcs11js.CKK_EC ? pkcs11js.CKA_EC_POINT : undefined;
    let publicValue = '';
    if (valueAttribute !== undefined) {
      try {
        const [value] = lib.C_GetAttributeValue(session, handle, [{ type: valueAttribute }]);
        if (value?.value instanceof Buffer && value.value.length > 0) publicValue = publicValueHex(keyType === pkcs11js.CKK_RSA ? 'rsa-modulus' : 'ec-point', value.value);
      } catch {
        // CKR_ATTRIBUTE_TYPE_INVALID (an EC private key has no point): pairing then relies on the public key object.
      }
    }
    return { ckaId, publicValue };
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
      for (const handle of this.#find(session, template)) {
        const { publicValue } = this.#keyObject(session, handle);
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
    const lib = this.#require();
    const threads = tokenCallThreads();
    try {
      if (threads.available) {
        const login = contextLogin ? { userType: pkcs11js.CKU_CONTEXT_SPECIFIC, pin: contextLogin.pin } : undefined;
        const timeout = tokenCallTimeoutMs('sign') + (contextLogin ? tokenCallTimeoutMs(contextLogin.pin === undefined ? 'pinPadLogin' : 'login') : 0);
        const out = await threads.run({
          op: 'sign', modulePath: this.path, session, key, mechanism, data: Buffer.from(data), signatureBytes: SIGNATURE_BUFFER_BYTES, contextLogin: login,
        }, timeout);
        if (!out) throw new KysoError('TOKEN_ERROR', { operation: 'C_Sign', ckr: 'none' });
        return new Uint8Array(out);
      }
      lib.C_SignInit(session, mechanism, key);
      if (contextLogin) lib.C_Login(session, pkcs11js.CKU_CONTEXT_SPECIFIC, contextLogin.pin ?? '');
      const out = await lib.C_SignAsync(session, Buffer.from(data), Buffer.alloc(SIGNATURE_BUFFER_BYTES));
      return new Uint8Array(out);
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
   * Hot-plug for modules that only scan slots in C_Initialize (SoftHSM2; see slot-rescan.ts): C_Finalize +
   * C_Initialize, only while no session is open. A module that fails to come back is reported as not loaded.
   */
  #rescanIfIdle(): void {
    const lib = this.#lib;
    if (!lib || this.#openSessions > 0 || !needsReinitialiseToRescan(this.path)) return;
    if (Date.now() - this.#lastRescanAt < RESCAN_MIN_INTERVAL_MS) return;
    this.#lastRescanAt = Date.now();
    try {
      lib.C_Finalize();
      this.#initialize(lib, true);
    } catch (error) {
      this.#lib = undefined;
      this.#status = { path: this.path, loaded: false, error: ckrName(ckrOf(error) ?? 0) };
      throw toKysoError(error, { operation: 'C_Initialize' });
    }
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

  /** Objects matching `template`, at most `limit` of them. */
  #find(session: SessionHandle, template: pkcs11js.Template, limit = Infinity): ObjectHandle[] {
    const lib = this.#require();
    lib.C_FindObjectsInit(session, template);
    try {
      const all: ObjectHandle[] = [];
      for (;;) {
        const batch = lib.C_FindObjects(session, Math.min(MAX_OBJECTS_PER_FIND, limit - all.length));
        all.push(...batch);
        if (batch.length < MAX_OBJECTS_PER_FIND || all.length >= limit) return all;
      }
    } finally {
      lib.C_FindObjectsFinal(session);
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
