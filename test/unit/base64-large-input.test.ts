/**
 * Regression: strict-base64 checks on multi-MB strings threw RangeError ("Maximum call stack size exceeded")
 * because V8 backtracks a repeated regex group on its stack; found when the SDK verified a 5.75 MiB document.
 */
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { base64ToBytes, bytesToBase64, isStrictBase64 } from '../../shared/domain/base64.js';
import { Base64Schema } from '../../shared/protocol/common.js';

describe('strict base64 on large input', () => {
  it('8 MiB of base64 text validates and decodes (schema and decoder)', () => {
    const bytes = new Uint8Array(6 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
    const text = bytesToBase64(bytes);
    expect(isStrictBase64(text)).toBe(true);
    expect(v.is(Base64Schema(bytes.length), text)).toBe(true);
    expect(Buffer.from(base64ToBytes(text)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('still refuses what is not strict base64', () => {
    for (const bad of ['A', 'AA=', 'A===', '====', 'AA=A', 'AAA=AAAA', 'AA AA', 'AA-_', 'AAAA\n']) expect(isStrictBase64(bad), bad).toBe(false);
    for (const good of ['', 'AAAA', 'AA==', 'AAA=', 'ab+/']) expect(isStrictBase64(good), good).toBe(true);
  });
});
