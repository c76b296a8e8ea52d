import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, bytesToHex, isStrictBase64 } from '../../shared/domain/base64.js';
import { KysoError } from '../../shared/errors/kyso-error.js';

describe('strict base64', () => {
  it('matches Node for every length 0..70 and random bytes', () => {
    for (let n = 0; n <= 70; n++) {
      const bytes = new Uint8Array(n).map(() => Math.floor(Math.random() * 256));
      const expected = Buffer.from(bytes).toString('base64');
      expect(bytesToBase64(bytes)).toBe(expected);
      expect(Buffer.from(base64ToBytes(expected)).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('refuses non-canonical input with a typed error', () => {
    for (const bad of ['abc', 'ab=c', 'a b=', 'YWJj\n', '====', 'YW-j', 'YWJjZA', '😀AAA']) {
      expect(isStrictBase64(bad), bad).toBe(false);
      expect(() => base64ToBytes(bad, 'INVALID_HASH')).toThrow(KysoError);
      try { base64ToBytes(bad, 'INVALID_HASH'); } catch (e) { expect((e as KysoError).code).toBe('INVALID_HASH'); }
    }
  });

  it('hex encodes', () => {
    expect(bytesToHex(new Uint8Array([0, 15, 255]))).toBe('000fff');
  });
});
