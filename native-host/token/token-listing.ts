/**
 * What a listing asks of a driver — C_GetSlotList, C_GetTokenInfo, C_GetSlotInfo, and per token a session whose
 * certificates and keys are read (C_FindObjects, C_GetAttributeValue) — written once, run in two places:
 *  - on a token-call worker thread (token-call-thread.ts), bounded in time, so a driver that stops answering in a
 *    listing after start-up costs TOKEN_NOT_RESPONDING for that driver, not the host (issue 13 §1);
 *  - on the main thread, where worker threads cannot load the pkcs11js addon, and for the objects of a session the
 *    main thread opened and logged in (Pkcs11Module.readObjects).
 * So the functions below are self-contained: they use nothing but their parameters (the pkcs11js instance or the
 * bare addon, whose constants are the same, as `k`) and globals a worker has (Buffer, Atomics). The worker gets
 * their source text (LISTING_SOURCE, Function.prototype.toString): they may call each other by name, and nothing
 * else. Both pkcs11js's wrapper (errors with a numeric `code`) and the bare addon (errors whose message is
 * "CKR_NAME:code") are read by `ckrOfAny`.
 *
 * Before each PKCS#11 call the code stores the call's number (LISTING_STAGES) in `stage[0]`, a SharedArrayBuffer
 * the main thread reads when the worker does not answer in time: the report names the call that hung.
 */

/** The calls a listing makes, by the number stored in `stage[0]`. */
export const LISTING_STAGES = [
  'start', 'C_Finalize', 'C_Initialize', 'C_GetSlotList', 'C_GetTokenInfo', 'C_GetSlotInfo', 'C_OpenSession',
  'C_FindObjects', 'C_GetAttributeValue', 'C_CloseSession',
] as const;
export type ListingStage = (typeof LISTING_STAGES)[number];

export interface ListingRequest {
  /**
   * C_Finalize + C_Initialize first, for drivers that see new tokens only in C_Initialize (slot-rescan.ts), with
   * these C_Initialize parameters (DriverCandidate.initArgs).
   */
  readonly reinitialise: boolean;
  readonly initArgs?: string | undefined;
  /** 'objects': read every token's certificates and keys; 'tokens': only whether a login token hides its certificates. */
  readonly read: 'objects' | 'tokens';
}

/** A key object as read: its public value is normalised afterwards (key-pairing.ts publicValueHex). */
export interface RawKeyObject {
  readonly ckaId: string;
  /** 'rsa-modulus' / 'ec-point' when `value` holds one. */
  readonly kind?: 'rsa-modulus' | 'ec-point';
  readonly value?: Uint8Array;
}

export interface RawSessionObjects {
  readonly certificates: ReadonlyArray<{ readonly der: Uint8Array; readonly ckaId: string; readonly label: string }>;
  readonly privateKeys: readonly RawKeyObject[];
  readonly publicKeys: readonly RawKeyObject[];
}

export interface RawListedToken {
  readonly slot: Uint8Array;
  readonly label: string;
  readonly serialNumber: string;
  readonly manufacturerID: string;
  readonly model: string;
  readonly flags: number;
  readonly slotDescription: string;
  /** read: 'objects'. */
  readonly objects?: RawSessionObjects;
  /** read: 'tokens', for a token that requires login: before login it shows keys but no certificate. */
  readonly hidesCertificates?: boolean;
}

/** The pkcs11js calls (wrapper or bare addon) the listing makes; loose on purpose, the addon has no types. */
/* eslint-disable @typescript-eslint/no-explicit-any */
type Lib = any;
type Constants = any;

/** The CKR code of what a pkcs11js call threw (wrapper: `code`; bare addon: "CKR_NAME:code"), else undefined. */
export function ckrOfAny(e: unknown): number | undefined {
  if (e && typeof (e as { code?: unknown }).code === 'number' && /^CKR_/.test(String((e as Error).message))) return (e as { code: number }).code;
  const match = /^CKR_[A-Z0-9_]+:(\d+)/.exec(e instanceof Error ? e.message : '');
  return match ? Number(match[1]) : undefined;
}

/** Object handles matching `template`, at most `limit` (C_FindObjectsInit / C_FindObjects / C_FindObjectsFinal). */
export function findObjectHandles(lib: Lib, session: Buffer, template: unknown[], limit: number, stage: Int32Array): Buffer[] {
  const perCall = 64;
  Atomics.store(stage, 0, 7);
  lib.C_FindObjectsInit(session, template);
  try {
    const all: Buffer[] = [];
    for (;;) {
      const batch: Buffer[] = lib.C_FindObjects(session, Math.min(perCall, limit - all.length));
      all.push(...batch);
      if (batch.length < perCall || all.length >= limit) return all;
    }
  } finally {
    lib.C_FindObjectsFinal(session);
  }
}

/** A key's CKA_ID and public value (RSA modulus, EC point; an EC private key has none) [PKCS#11 2.40 §2.1.3, §2.3.3]. */
export function readKeyObject(lib: Lib, k: Constants, session: Buffer, handle: Buffer, stage: Int32Array): RawKeyObject {
  Atomics.store(stage, 0, 8);
  const [id, type] = lib.C_GetAttributeValue(session, handle, [{ type: k.CKA_ID }, { type: k.CKA_KEY_TYPE }]);
  const ckaId = id && id.value instanceof Uint8Array ? Buffer.from(id.value).toString('hex') : '';
  const typeBytes = type && type.value instanceof Uint8Array ? Buffer.from(type.value) : undefined;
  const keyType = typeBytes && typeBytes.length >= 4 ? typeBytes.readUIntLE(0, Math.min(typeBytes.length, 6)) : -1;
  const kind = keyType === k.CKK_RSA ? 'rsa-modulus' : keyType === k.CKK_EC ? 'ec-point' : undefined;
  if (!kind) return { ckaId };
  try {
    const [value] = lib.C_GetAttributeValue(session, handle, [{ type: kind === 'rsa-modulus' ? k.CKA_MODULUS : k.CKA_EC_POINT }]);
    if (value && value.value instanceof Uint8Array && value.value.length > 0) return { ckaId, kind, value: value.value };
  } catch {
    // CKR_ATTRIBUTE_TYPE_INVALID (an EC private key has no point): pairing then relies on the public key object.
  }
  return { ckaId };
}

/** Certificates and key objects visible in `session`. */
export function readSessionObjects(lib: Lib, k: Constants, session: Buffer, stage: Int32Array): RawSessionObjects {
  const trim = (s: string) => s.replace(/[\s\u0000]+$/u, '');
  const certificates: Array<{ der: Uint8Array; ckaId: string; label: string }> = [];
  const handles = findObjectHandles(lib, session, [
    { type: k.CKA_CLASS, value: k.CKO_CERTIFICATE }, { type: k.CKA_CERTIFICATE_TYPE, value: k.CKC_X_509 },
  ], Infinity, stage);
  for (const handle of handles) {
    Atomics.store(stage, 0, 8);
    let value;
    let id;
    let label;
    try {
      [value, id, label] = lib.C_GetAttributeValue(session, handle, [{ type: k.CKA_VALUE }, { type: k.CKA_ID }, { type: k.CKA_LABEL }]);
    } catch (e) {
      if (ckrOfAny(e) === k.CKR_OBJECT_HANDLE_INVALID) continue; // gone since it was found (see `keys` below)
      throw e;
    }
    if (!value || !(value.value instanceof Uint8Array) || value.value.length === 0) continue;
    certificates.push({
      der: new Uint8Array(value.value),
      ckaId: id && id.value instanceof Uint8Array ? Buffer.from(id.value).toString('hex') : '',
      label: label && label.value instanceof Uint8Array ? trim(Buffer.from(label.value).toString('utf8')) : '',
    });
  }
  // An object found a moment ago can be gone when it is read (CKR_OBJECT_HANDLE_INVALID): another program deleted
  // it, or — private keys — another session of this process logged out. A login shows the private objects to every
  // session of the application, and the listings run on a worker thread beside signings: SoftHSM2 then answers
  // CKR_OBJECT_HANDLE_INVALID, or CKR_GENERAL_ERROR for attributes it can no longer decrypt. Such a private key was
  // only visible through that other login; the listing skips it, which is the listing it would have made without
  // that login (the key pair is still paired through its public key, or after this request's own login).
  const vanished = (objectClass: number, ckr: number | undefined) => ckr === k.CKR_OBJECT_HANDLE_INVALID
    || (objectClass === k.CKO_PRIVATE_KEY && ckr === k.CKR_GENERAL_ERROR);
  const keys = (objectClass: number) => findObjectHandles(lib, session, [{ type: k.CKA_CLASS, value: objectClass }], Infinity, stage)
    .flatMap((handle) => {
      try {
        return [readKeyObject(lib, k, session, handle, stage)];
      } catch (e) {
        if (vanished(objectClass, ckrOfAny(e))) return [];
        throw e;
      }
    });
  return { certificates, privateKeys: keys(k.CKO_PRIVATE_KEY), publicKeys: keys(k.CKO_PUBLIC_KEY) };
}

/** Every slot of the driver that holds an initialised token, with what the request asks to read of it. */
export function listDriverTokens(lib: Lib, k: Constants, request: ListingRequest, stage: Int32Array): RawListedToken[] {
  const trim = (s: string) => s.replace(/[\s\u0000]+$/u, '');
  if (request.reinitialise) {
    Atomics.store(stage, 0, 1);
    try { lib.C_Finalize(); } catch { /* not initialised: nothing to end */ }
    Atomics.store(stage, 0, 2);
    const args = (osLocking: boolean) => {
      const locking = osLocking ? { flags: k.CKF_OS_LOCKING_OK } : undefined;
      return request.initArgs ? { libraryParameters: request.initArgs, ...locking } : locking;
    };
    try {
      lib.C_Initialize(args(true));
    } catch (e) {
      const ckr = ckrOfAny(e);
      if (ckr === k.CKR_CANT_LOCK) lib.C_Initialize(args(false));
      else if (ckr !== k.CKR_CRYPTOKI_ALREADY_INITIALIZED) throw e;
    }
  }
  Atomics.store(stage, 0, 3);
  const slots: Buffer[] = lib.C_GetSlotList(true);
  const out: RawListedToken[] = [];
  for (const slot of slots) {
    let token;
    let slotInfo;
    try {
      Atomics.store(stage, 0, 4);
      token = lib.C_GetTokenInfo(slot);
      // An uninitialised token (SoftHSM's spare slot, a blank card) has no keys and refuses sessions.
      if (!(token.flags & k.CKF_TOKEN_INITIALIZED)) continue;
      Atomics.store(stage, 0, 5);
      slotInfo = lib.C_GetSlotInfo(slot);
    } catch (e) {
      // A token pulled out between C_GetSlotList and C_GetTokenInfo: skip it, it is gone. A reader listed with no
      // card in it (drivers list readers even for C_GetSlotList(CK_TRUE)), or a card the driver does not know
      // (CKR_TOKEN_NOT_RECOGNIZED, a card of another CA in the same reader family): skip the slot, the rest list.
      const ckr = ckrOfAny(e);
      if (ckr === k.CKR_TOKEN_NOT_PRESENT || ckr === k.CKR_DEVICE_REMOVED || ckr === k.CKR_SLOT_ID_INVALID || ckr === k.CKR_TOKEN_NOT_RECOGNIZED) continue;
      throw e;
    }
    const loginRequired = (token.flags & k.CKF_LOGIN_REQUIRED) !== 0;
    if (request.read === 'tokens' && !loginRequired) {
      out.push({ slot, label: trim(token.label), serialNumber: trim(token.serialNumber), manufacturerID: trim(token.manufacturerID), model: trim(token.model), flags: token.flags, slotDescription: trim(slotInfo.slotDescription) });
      continue;
    }
    let objects: RawSessionObjects | undefined;
    let hidesCertificates = false;
    let session: Buffer | undefined;
    let failed = false;
    try {
      Atomics.store(stage, 0, 6);
      // Read-only is enough to read objects [PKCS#11 2.40 §5.6 C_OpenSession].
      session = lib.C_OpenSession(slot, k.CKF_SERIAL_SESSION) as Buffer;
      if (request.read === 'objects') {
        objects = readSessionObjects(lib, k, session, stage);
      } else {
        // Before login it shows key objects but no certificate (a token showing neither is empty: nothing to say).
        const one = (objectClass: number) => findObjectHandles(lib, session!, [{ type: k.CKA_CLASS, value: objectClass }], 1, stage).length > 0;
        hidesCertificates = !one(k.CKO_CERTIFICATE) && (one(k.CKO_PUBLIC_KEY) || one(k.CKO_PRIVATE_KEY));
      }
    } catch (e) {
      failed = true;
      // Only the hint is optional: a token pulled out while it is looked at is listed without it.
      if (request.read === 'objects') throw e;
    } finally {
      if (session) {
        // After a failure the stage keeps naming the call that failed (the error reports it).
        if (!failed) Atomics.store(stage, 0, 9);
        try { lib.C_CloseSession(session); } catch { /* a removed token's session: nothing left to release */ }
      }
    }
    out.push({
      slot, label: trim(token.label), serialNumber: trim(token.serialNumber), manufacturerID: trim(token.manufacturerID), model: trim(token.model),
      flags: token.flags, slotDescription: trim(slotInfo.slotDescription),
      ...(objects ? { objects } : {}), ...(request.read === 'tokens' ? { hidesCertificates } : {}),
    });
  }
  return out;
}

/**
 * The functions above as source text for the worker, which calls `listDriverTokens` by LISTING_ENTRY (its name
 * in this build: a minifying bundler renames functions, consistently in their text and their `name`).
 */
export const LISTING_SOURCE = [ckrOfAny, findObjectHandles, readKeyObject, readSessionObjects, listDriverTokens].map(String).join('\n');
export const LISTING_ENTRY = listDriverTokens.name;
