/**
 * Adapter over one PKCS#11 module (a token driver library) through pkcs11js. Classes follow the spec:
 * module → slot → session → sign [PKCS#11 2.40 §5]. This file and its siblings in native-host/token/ are
 * the only places that name pkcs11js, CKR_*, CKF_*, CKM_* or CKA_*.
 *
 * One C_Initialize per module per process (a second gives CKR_CRYPTOKI_ALREADY_INITIALIZED), so a
 * Pkcs11Module is created once and shared; the TokenService owns them.
 */
import pkcs11js from 'pkcs11js';
import { createHash } from 'node:crypto';
import type { TokenFlags, TokenInfo } from '../../shared/protocol/common.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { ckrName, ckrOf, pinTokenStateFromFlags, toKysoError } from './pkcs11-errors.js';
import { RESCAN_MIN_INTERVAL_MS, needsReinitialiseToRescan } from './slot-rescan.js';

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
  /** CKA_IDs (hex) of the private keys visible in this session (often none before login). */
  readonly privateKeyIds: ReadonlySet<string>;
  /** CKA_IDs (hex) of public keys: tokens keep them public, so they reveal the key pairs before login. */
  readonly publicKeyIds: ReadonlySet<string>;
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
  #lib: pkcs11js.PKCS11 | undefined;
  #status: ModuleStatus;
  /** Sessions open now (a re-initialise for hot-plug must not end one, see slot-rescan.ts). */
  #openSessions = 0;
  #lastRescanAt = Date.now();

  private constructor(path: string) {
    this.path = path;
    this.#status = { path, loaded: false };
  }

  /** Load and initialise the module. Never throws: a module that fails is reported by `status`. */
  static load(path: string): Pkcs11Module {
    const module = new Pkcs11Module(path);
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
      lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
    } catch (error) {
      const ckr = ckrOf(error);
      if (ckr === pkcs11js.CKR_CANT_LOCK) {
        try {
          lib.C_Initialize();
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
  tokenId(serialNumber: string, label: string): string {
    const key = `${this.path}\n${serialNumber}\n${serialNumber ? '' : label}`;
    return createHash('sha256').update(key).digest('base64url').slice(0, 22);
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
        // A token pulled out between C_GetSlotList and C_GetTokenInfo: skip it, it is gone.
        const ckr = ckrOf(error);
        if (ckr === pkcs11js.CKR_TOKEN_NOT_PRESENT || ckr === pkcs11js.CKR_DEVICE_REMOVED || ckr === pkcs11js.CKR_SLOT_ID_INVALID) continue;
        throw toKysoError(error, { operation: 'C_GetTokenInfo' });
      }
    }
    return out;
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
      const idsOf = (objectClass: number): Set<string> => {
        const ids = new Set<string>();
        for (const handle of this.#find(session, [{ type: pkcs11js.CKA_CLASS, value: objectClass }])) {
          const [id] = lib.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_ID }]);
          if (id?.value instanceof Buffer && id.value.length > 0) ids.add(id.value.toString('hex'));
        }
        return ids;
      };
      return { certificates, privateKeyIds: idsOf(pkcs11js.CKO_PRIVATE_KEY), publicKeyIds: idsOf(pkcs11js.CKO_PUBLIC_KEY) };
    } catch (error) {
      throw toKysoError(error, { operation: 'readObjects' });
    }
  }

  /**
   * Log the user in. A token with a PIN pad (CKF_PROTECTED_AUTHENTICATION_PATH) takes no PIN from us
   * [PKCS#11 2.40 C_Login]. A wrong PIN becomes PIN_INCORRECT with the token's remaining-tries state.
   */
  login(session: SessionHandle, slot: SlotHandle, pin: string | undefined): void {
    const lib = this.#require();
    const flags = lib.C_GetTokenInfo(slot).flags;
    if (!(flags & pkcs11js.CKF_LOGIN_REQUIRED)) return;
    if (flags & pkcs11js.CKF_USER_PIN_LOCKED) throw new KysoError('PIN_LOCKED');
    const protectedPath = (flags & pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH) !== 0;
    if (!protectedPath && pin === undefined) throw new KysoError('BAD_REQUEST', { field: 'pin', problem: 'required by this token' });
    const attempt = () => (protectedPath ? lib.C_Login(session, pkcs11js.CKU_USER) : lib.C_Login(session, pkcs11js.CKU_USER, pin));
    try {
      try {
        attempt();
      } catch (error) {
        // Logged in by an earlier session of this process: log out and log in again so this PIN is checked.
        if (ckrOf(error) !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) throw error;
        lib.C_Logout(session);
        attempt();
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

  logout(session: SessionHandle): void {
    try {
      this.#require().C_Logout(session);
    } catch {
      // Not logged in (no login was needed) or the token is gone: either way nobody is logged in now.
    }
  }

  /** The private key with this CKA_ID, visible after login. */
  findPrivateKey(session: SessionHandle, ckaIdHex: string): ObjectHandle | undefined {
    if (!ckaIdHex) return undefined;
    try {
      return this.#find(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_ID, value: Buffer.from(ckaIdHex, 'hex') },
      ])[0];
    } catch (error) {
      throw toKysoError(error, { operation: 'C_FindObjects' });
    }
  }

  /** Sign on a worker thread, so the host keeps reading stdin while a slow token works. */
  async sign(session: SessionHandle, mechanism: Pkcs11Mechanism, key: ObjectHandle, data: Uint8Array): Promise<Uint8Array> {
    const lib = this.#require();
    try {
      lib.C_SignInit(session, mechanism, key);
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
      lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
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

  #find(session: SessionHandle, template: pkcs11js.Template): ObjectHandle[] {
    const lib = this.#require();
    lib.C_FindObjectsInit(session, template);
    try {
      const all: ObjectHandle[] = [];
      for (;;) {
        const batch = lib.C_FindObjects(session, MAX_OBJECTS_PER_FIND);
        all.push(...batch);
        if (batch.length < MAX_OBJECTS_PER_FIND) return all;
      }
    } finally {
      lib.C_FindObjectsFinal(session);
    }
  }
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
