/**
 * Fuzz: the browser→host frame decoder (native-host/transport/frame-decoder.ts) on split, merged, oversized,
 * truncated and garbage input. Properties: it never throws; valid frames come out exactly, in order, however
 * the bytes are cut; every problem is a typed error event (FRAME_TOO_LARGE / PROTOCOL_ERROR); after a fatal
 * event nothing more comes out.
 */
import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { FrameDecoder, type DecodeEvent } from '../../native-host/transport/frame-decoder.js';
import { encodeFrame, writeLength } from '../../native-host/transport/frame-codec.js';
import { fuzz } from './fuzz-harness.js';

const MAX = 256;

/** Cut `bytes` at the given points (sorted, deduplicated) into pieces fed one by one. */
function cut(bytes: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const p of at) { pieces.push(bytes.subarray(from, p)); from = p; }
  pieces.push(bytes.subarray(from));
  return pieces;
}

function feed(pieces: Buffer[], withEnd: boolean): DecodeEvent[] {
  const decoder = new FrameDecoder(MAX);
  const events: DecodeEvent[] = [];
  for (const p of pieces) events.push(...decoder.push(p));
  if (withEnd) events.push(...decoder.end());
  return events;
}

function assertTyped(events: DecodeEvent[]): void {
  let fatalSeen = false;
  for (const e of events) {
    if (fatalSeen) throw new Error('an event came after a fatal error');
    if (e.kind === 'error') {
      if (!(e.error instanceof KysoError)) throw new Error('error event without a KysoError');
      if (!['FRAME_TOO_LARGE', 'PROTOCOL_ERROR'].includes(e.error.code)) throw new Error(`unexpected code ${e.error.code}`);
      if (e.fatal) fatalSeen = true;
    }
  }
}

const message = fc.jsonValue({ maxDepth: 3 }).filter((v) => Buffer.byteLength(JSON.stringify(v)) <= MAX);
const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('fuzz: native-messaging frame decoder', () => {
  it('split and merged valid frames decode to exactly the messages sent, in order', async () => {
    await fuzz('frame-split-merge', fc.record({ messages: fc.array(message, { maxLength: 8 }), cuts }), ({ messages, cuts: points }) => {
      const stream = Buffer.concat(messages.map((m) => encodeFrame(m, MAX)));
      const events = feed(cut(stream, points), true);
      expect(events).toEqual(messages.map((m) => ({ kind: 'message', value: JSON.parse(JSON.stringify(m)) })));
    });
  });

  it('oversized frames are skipped with FRAME_TOO_LARGE and the frames after them still decode', async () => {
    const item = fc.oneof(
      message.map((m) => ({ ok: true as const, m })),
      fc.integer({ min: MAX + 1, max: MAX * 4 }).map((n) => ({ ok: false as const, n })),
    );
    await fuzz('frame-oversized', fc.record({ items: fc.array(item, { maxLength: 6 }), cuts }), ({ items, cuts: points }) => {
      const stream = Buffer.concat(items.map((i) => (i.ok ? encodeFrame(i.m, MAX) : Buffer.concat([writeLength(i.n), Buffer.alloc(i.n, 0x41)]))));
      const events = feed(cut(stream, points), true);
      assertTyped(events);
      expect(events.map((e) => (e.kind === 'message' ? e.value : e.error.code))).toEqual(items.map((i) => (i.ok ? JSON.parse(JSON.stringify(i.m)) : 'FRAME_TOO_LARGE')));
    });
  });

  it('a truncated stream ends with one fatal PROTOCOL_ERROR, never a throw or a partial message', async () => {
    await fuzz('frame-truncated', fc.record({ messages: fc.array(message, { minLength: 1, maxLength: 4 }), drop: fc.nat(), cuts }), ({ messages, drop, cuts: points }) => {
      const whole = Buffer.concat(messages.map((m) => encodeFrame(m, MAX)));
      // Cut inside the last frame (1 .. its length - 1 bytes short), never on a frame boundary.
      const last = encodeFrame(messages.at(-1), MAX).length;
      const stream = whole.subarray(0, whole.length - 1 - (drop % (last - 1)));
      const events = feed(cut(stream, points), true);
      assertTyped(events);
      const decoded = events.filter((e) => e.kind === 'message');
      expect(decoded.length).toBeLessThan(messages.length);
      expect(events.at(-1)).toMatchObject({ kind: 'error', fatal: true });
    });
  });

  it('garbage bytes in any pieces: no throw, only typed error events, nothing after a fatal one', async () => {
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 2048 }),
      // Plausible prefixes with non-JSON / non-UTF-8 bodies.
      fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }).map((bodies) => new Uint8Array(Buffer.concat(bodies.map((b) => Buffer.concat([writeLength(b.length), Buffer.from(b)]))))),
    );
    await fuzz('frame-garbage', fc.record({ bytes: garbage, cuts, end: fc.boolean() }), ({ bytes, cuts: points, end }) => {
      assertTyped(feed(cut(Buffer.from(bytes), points), end));
    });
  });
});
