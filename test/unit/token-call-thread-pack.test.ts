/**
 * A batch of signatures crosses to the token-call worker and back as one buffer each way (token-call-thread.ts
 * `pack` / `unpack`): every input must come out whole, in order, with its own length — a signature cut at the wrong
 * offset would verify against nothing (the integration tier verifies real ones with openssl: sign-digests.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { pack, unpack } from '../../native-host/token/token-call-thread.js';

describe('pack / unpack', () => {
  it('gives back each byte string in order, whatever the lengths (empty ones included)', () => {
    const parts = [Buffer.from('3031300d', 'hex'), new Uint8Array(0), Buffer.alloc(256, 7), Buffer.from([1]), Buffer.alloc(72, 0xee)];
    const packed = pack(parts);
    expect(packed.bytes.length).toBe(4 + 0 + 256 + 1 + 72);
    expect(packed.ends).toEqual([4, 4, 260, 261, 333]);
    expect(unpack(packed).map((b) => Buffer.from(b).toString('hex'))).toEqual(parts.map((p) => Buffer.from(p).toString('hex')));
  });

  it('unpacks a view into a larger buffer at its own offset (as a structured clone may hand it over)', () => {
    const backing = new Uint8Array(20).fill(9);
    backing.set([1, 2, 3, 4, 5], 10);
    const out = unpack({ bytes: backing.subarray(10, 15), ends: [2, 5] });
    expect(out.map((b) => [...b])).toEqual([[1, 2], [3, 4, 5]]);
  });

  it('an empty batch packs to nothing and unpacks to no strings', () => {
    expect(unpack(pack([]))).toEqual([]);
  });
});
