import * as v from 'valibot';
import { KysoError } from '../errors/kyso-error.js';
import type { ErrorCode } from '../errors/catalogue.js';

/**
 * Parse `input` with `schema` or throw a KysoError with `code`. The issue path (not the value) goes into
 * details, so a bad PIN field never echoes the PIN back.
 */
export function parseOrThrow<S extends v.GenericSchema>(schema: S, input: unknown, code: ErrorCode = 'BAD_REQUEST'): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue?.path?.map((p) => String((p as { key?: unknown }).key)).join('.') ?? '';
  throw new KysoError(code, { field: path.slice(0, 120), problem: (issue?.expected ?? issue?.kind ?? 'invalid').slice(0, 120) });
}

/** 128 bits of randomness, base64url: unguessable request ids (replayed or guessed ids are refused). */
export function newRequestId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
