import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, ERROR_CODES, isErrorCode } from '../../shared/errors/catalogue.js';
import { KysoError, deserializeError, serializeError } from '../../shared/errors/kyso-error.js';
import * as v from 'valibot';
import { SerializedErrorSchema } from '../../shared/protocol/common.js';

describe('error catalogue', () => {
  it('gives every code a Vietnamese and an English message and hint, and an actor', () => {
    for (const code of ERROR_CODES) {
      const e = ERROR_CATALOGUE[code];
      expect(e.vi.length, code).toBeGreaterThan(5);
      expect(e.en.length, code).toBeGreaterThan(5);
      expect(e.hintVi.length, code).toBeGreaterThan(5);
      expect(e.hintEn.length, code).toBeGreaterThan(5);
      expect(['user', 'portal', 'install', 'token', 'internal']).toContain(e.actor);
      // Vietnamese text is not the English text copied.
      expect(e.vi).not.toBe(e.en);
    }
  });

  it('codes are UPPER_SNAKE strings', () => {
    for (const code of ERROR_CODES) expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
    expect(isErrorCode('PIN_INCORRECT')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});

describe('error serialisation', () => {
  it('carries code, both messages and details, never a stack', () => {
    const error = new KysoError('PIN_INCORRECT', { tokenState: 'finalTry' });
    const wire = serializeError(error);
    expect(wire).toEqual({
      code: 'PIN_INCORRECT',
      message: ERROR_CATALOGUE.PIN_INCORRECT.vi,
      messageEn: ERROR_CATALOGUE.PIN_INCORRECT.en,
      details: { tokenState: 'finalTry' },
    });
    expect(JSON.stringify(wire)).not.toMatch(/stack|at Object|\.ts:/);
    expect(v.safeParse(SerializedErrorSchema, wire).success).toBe(true);
  });

  it('hides the text of unexpected errors behind INTERNAL_ERROR', () => {
    const wire = serializeError(new Error('/home/user/secret/path failed with PIN 123456'));
    expect(wire.code).toBe('INTERNAL_ERROR');
    expect(JSON.stringify(wire)).not.toContain('123456');
    expect(JSON.stringify(wire)).not.toContain('/home/user');
  });

  it('drops detail keys that mention a PIN and non-primitive values', () => {
    const error = new KysoError('BAD_REQUEST', { pin: '123456', userPin: 'x', field: 'hash', nested: { a: 1 } as never, n: Number.NaN });
    const wire = serializeError(error, 'en');
    expect(wire.details).toEqual({ field: 'hash' });
    expect(wire.message).toBe(ERROR_CATALOGUE.BAD_REQUEST.en);
  });

  it('round-trips through deserializeError and turns unknown codes into PROTOCOL_ERROR', () => {
    const back = deserializeError(serializeError(new KysoError('TOKEN_REMOVED', { slot: 1 })));
    expect(back).toBeInstanceOf(KysoError);
    expect(back.code).toBe('TOKEN_REMOVED');
    expect(back.details).toEqual({ slot: 1 });
    expect(deserializeError({ code: 'NOT_A_CODE' }).code).toBe('PROTOCOL_ERROR');
  });
});
