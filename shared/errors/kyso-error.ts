import { ERROR_CATALOGUE, isErrorCode, type ErrorCode } from './catalogue.js';

/** Details that may cross a boundary: flat, primitive values only — never a stack, a path or a PIN. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | null>>;

/** The only shape in which an error crosses a boundary (page⇄extension⇄host). */
export interface SerializedError {
  readonly code: ErrorCode;
  /** Message in the language the receiver asked for (Vietnamese by default). */
  readonly message: string;
  /** The English message, always present, for logs and developers. */
  readonly messageEn: string;
  readonly details?: ErrorDetails;
}

export type Language = 'vi' | 'en';

/** A typed error with a stable code. Thrown everywhere in Kyso; pages receive it from the SDK. */
export class KysoError extends Error {
  override readonly name = 'KysoError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(ERROR_CATALOGUE[code].en, options);
    this.code = code;
    this.details = details;
  }

  /** Vietnamese message for the person. */
  get messageVi(): string {
    return ERROR_CATALOGUE[this.code].vi;
  }

  /** Who must act, and the hint in both languages. */
  get help(): { actor: string; vi: string; en: string } {
    const e = ERROR_CATALOGUE[this.code];
    return { actor: e.actor, vi: e.hintVi, en: e.hintEn };
  }

  toJSON(): SerializedError {
    return serializeError(this);
  }
}

/** Turn anything thrown into the boundary shape. Unknown errors become INTERNAL_ERROR without leaking their text. */
export function serializeError(error: unknown, language: Language = 'vi'): SerializedError {
  const kyso = error instanceof KysoError ? error : new KysoError('INTERNAL_ERROR');
  const entry = ERROR_CATALOGUE[kyso.code];
  return {
    code: kyso.code,
    message: language === 'vi' ? entry.vi : entry.en,
    messageEn: entry.en,
    ...(kyso.details ? { details: sanitizeDetails(kyso.details) } : {}),
  };
}

/** Rebuild a KysoError from the boundary shape; an unknown code becomes PROTOCOL_ERROR. */
export function deserializeError(value: { code: unknown; details?: unknown }): KysoError {
  if (!isErrorCode(value.code)) return new KysoError('PROTOCOL_ERROR', { receivedCode: String(value.code).slice(0, 64) });
  const details = value.details && typeof value.details === 'object' ? sanitizeDetails(value.details as Record<string, unknown>) : undefined;
  return new KysoError(value.code, details);
}

const DETAIL_KEY = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
const MAX_DETAILS = 16;
const MAX_DETAIL_STRING_CHARS = 512;

function sanitizeDetails(details: Readonly<Record<string, unknown>>): ErrorDetails {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(details).slice(0, MAX_DETAILS)) {
    if (!DETAIL_KEY.test(key) || /pin/i.test(key)) continue;
    if (typeof value === 'string') out[key] = value.slice(0, MAX_DETAIL_STRING_CHARS);
    else if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
    else if (typeof value === 'boolean' || value === null) out[key] = value;
  }
  return out;
}
