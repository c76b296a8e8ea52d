/**
 * The one place PKCS#11 return values become Kyso error codes. Mapping is by numeric CKR code
 * [PKCS#11 2.40 §5.1 return values], never by matching message text.
 */
import pkcs11js from 'pkcs11js';
import { KysoError, type ErrorDetails } from '../../shared/errors/kyso-error.js';
import type { ErrorCode } from '../../shared/errors/catalogue.js';
import { WorkerPkcs11Error } from './token-call-thread.js';

/** CKR value → Kyso code. Anything not listed becomes TOKEN_ERROR with the CKR name in details. */
export const CKR_TO_ERROR_CODE: ReadonlyMap<number, ErrorCode> = new Map<number, ErrorCode>([
  [pkcs11js.CKR_PIN_INCORRECT, 'PIN_INCORRECT'],
  [pkcs11js.CKR_PIN_LOCKED, 'PIN_LOCKED'],
  [pkcs11js.CKR_PIN_LEN_RANGE, 'PIN_INVALID_FORMAT'],
  [pkcs11js.CKR_PIN_INVALID, 'PIN_INVALID_FORMAT'],
  [pkcs11js.CKR_PIN_EXPIRED, 'PIN_EXPIRED'],
  [pkcs11js.CKR_TOKEN_NOT_PRESENT, 'TOKEN_REMOVED'],
  [pkcs11js.CKR_DEVICE_REMOVED, 'TOKEN_REMOVED'],
  [pkcs11js.CKR_SESSION_HANDLE_INVALID, 'TOKEN_REMOVED'],
  [pkcs11js.CKR_SESSION_CLOSED, 'TOKEN_REMOVED'],
  [pkcs11js.CKR_TOKEN_NOT_RECOGNIZED, 'TOKEN_NOT_PRESENT'],
  [pkcs11js.CKR_MECHANISM_INVALID, 'MECHANISM_NOT_SUPPORTED'],
  [pkcs11js.CKR_MECHANISM_PARAM_INVALID, 'MECHANISM_NOT_SUPPORTED'],
  [pkcs11js.CKR_KEY_TYPE_INCONSISTENT, 'MECHANISM_NOT_SUPPORTED'],
  [pkcs11js.CKR_KEY_FUNCTION_NOT_PERMITTED, 'CERTIFICATE_NOT_USABLE'],
  [pkcs11js.CKR_KEY_HANDLE_INVALID, 'KEY_NOT_FOUND'],
  // A person pressing "cancel" on a PIN pad / token button [PKCS#11 2.40 C_Login with protected path].
  [pkcs11js.CKR_FUNCTION_CANCELED, 'USER_CANCELLED'],
]);

/** Extra facts read from the token after a failed login, so the person is warned before the token locks. */
export type PinTokenState = 'countLow' | 'finalTry' | 'ok';

interface Pkcs11ErrorLike { readonly code: number; readonly message: string }

function isPkcs11Error(error: unknown): error is Pkcs11ErrorLike {
  return error instanceof pkcs11js.Pkcs11Error
    || error instanceof WorkerPkcs11Error
    || (error instanceof Error && typeof (error as { code?: unknown }).code === 'number' && /^CKR_/.test(error.message));
}

const CKR_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(pkcs11js)
    .filter((e): e is [string, number] => e[0].startsWith('CKR_') && typeof e[1] === 'number')
    .map(([name, value]) => [value, name] as const),
);

/** Name of a CKR value (e.g. "CKR_PIN_INCORRECT"), or its hex when the module invented one. */
export function ckrName(code: number): string {
  return CKR_NAMES.get(code) ?? `CKR_0x${code.toString(16).padStart(8, '0')}`;
}

/** The CKR value of a pkcs11js error, or undefined for anything else. */
export function ckrOf(error: unknown): number | undefined {
  return isPkcs11Error(error) ? error.code : undefined;
}

/**
 * Convert what a PKCS#11 call threw into a KysoError. A KysoError passes through; a non-PKCS#11 error
 * (a bug, a native crash message) becomes TOKEN_ERROR without its text, which may hold paths.
 */
export function toKysoError(error: unknown, extra: { pinTokenState?: PinTokenState; operation?: string } = {}): KysoError {
  if (error instanceof KysoError) return error;
  const ckr = ckrOf(error);
  const details: Record<string, string> = {};
  if (extra.operation) details.operation = extra.operation;
  if (ckr === undefined) return new KysoError('TOKEN_ERROR', { ...details, ckr: 'none' }, { cause: error });
  const code = CKR_TO_ERROR_CODE.get(ckr) ?? 'TOKEN_ERROR';
  details.ckr = ckrName(ckr);
  if (code === 'PIN_INCORRECT') details.tokenState = extra.pinTokenState ?? 'ok';
  return new KysoError(code, details as ErrorDetails, { cause: error });
}

/** PIN state from CK_TOKEN_INFO.flags [PKCS#11 2.40 §3.2 Table 11]. */
export function pinTokenStateFromFlags(flags: number): PinTokenState {
  if (flags & pkcs11js.CKF_USER_PIN_FINAL_TRY) return 'finalTry';
  if (flags & pkcs11js.CKF_USER_PIN_COUNT_LOW) return 'countLow';
  return 'ok';
}
