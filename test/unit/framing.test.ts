/**
 * Native messaging framing and reply chunking, fed hostile input: split and merged frames, oversized and
 * absurd length prefixes, garbage, truncation, and replies larger than a host→browser frame.
 */
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { FrameDecoder, type DecodeEvent } from '../../native-host/transport/frame-decoder.js';
import { encodeFrame, encodeReply, readLength } from '../../native-host/transport/frame-codec.js';
import { ChunkJoiner, joinChunks, sliceForFrames, splitReply } from '../../shared/protocol/chunking.js';
import { HostReplySchema } from '../../shared/protocol/host-messages.js';
import { HOST_TO_BROWSER_MAX_FRAME_BYTES } from '../../shared/limits.js';
import { KysoError } from '../../shared/errors/kyso-error.js';

const raw = (body: string | Buffer): Buffer => {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const head = Buffer.alloc(4);
  head.writeUInt32LE(b.length, 0);
  return Buffer.concat([head, b]);
};

const messages = (events: DecodeEvent[]) => events.filter((e) => e.kind === 'message').map((e) => (e as { value: unknown }).value);
const errors = (events: DecodeEvent[]) => events.filter((e): e is Extract<DecodeEvent, { kind: 'error' }> => e.kind === 'error');

describe('FrameDecoder', () => {
  it('decodes a frame delivered one byte at a time', () => {
    const bytes = encodeFrame({ id: 'a', text: 'Nguyễn Văn Ánh' });
    const decoder = new FrameDecoder();
    const events: DecodeEvent[] = [];
    for (const byte of bytes) events.push(...decoder.push(Buffer.from([byte])));
    expect(messages(events)).toEqual([{ id: 'a', text: 'Nguyễn Văn Ánh' }]);
  });

  it('decodes several frames merged into one read, and a frame split across reads', () => {
    const all = Buffer.concat([encodeFrame({ n: 1 }), encodeFrame({ n: 2 }), encodeFrame({ n: 3 })]);
    const decoder = new FrameDecoder();
    const first = decoder.push(all.subarray(0, all.length - 5));
    expect(messages(first)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(messages(decoder.push(all.subarray(all.length - 5)))).toEqual([{ n: 3 }]);
    expect(decoder.end()).toEqual([]);
  });

  it('reports a non-JSON frame and a non-UTF-8 frame, then keeps decoding', () => {
    const decoder = new FrameDecoder();
    const events = decoder.push(Buffer.concat([raw('{not json'), raw(Buffer.from([0xff, 0xfe, 0x7b])), raw(''), encodeFrame({ ok: true })]));
    expect(errors(events).map((e) => [e.error.code, e.error.details?.reason, e.fatal])).toEqual([
      ['PROTOCOL_ERROR', 'frame is not JSON', false],
      ['PROTOCOL_ERROR', 'frame is not UTF-8', false],
      ['PROTOCOL_ERROR', 'frame is not JSON', false],
    ]);
    expect(messages(events)).toEqual([{ ok: true }]);
  });

  it('skips an oversized frame (reported once) and decodes the frame after it', () => {
    const decoder = new FrameDecoder(100);
    const big = raw('x'.repeat(150));
    const events = [
      ...decoder.push(big.subarray(0, 60)),
      ...decoder.push(big.subarray(60)),
      ...decoder.push(encodeFrame({ after: 1 })),
    ];
    expect(errors(events)).toHaveLength(1);
    expect(errors(events)[0]!.error.code).toBe('FRAME_TOO_LARGE');
    expect(errors(events)[0]!.fatal).toBe(false);
    expect(messages(events)).toEqual([{ after: 1 }]);
  });

  it('stops at an absurd length prefix (the stream cannot be resynchronised)', () => {
    const decoder = new FrameDecoder();
    const events = decoder.push(Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff]), encodeFrame({ later: 1 })]));
    expect(errors(events)).toHaveLength(1);
    expect(errors(events)[0]).toMatchObject({ fatal: true });
    expect(errors(events)[0]!.error.code).toBe('FRAME_TOO_LARGE');
    expect(decoder.failed).toBe(true);
    expect(decoder.push(encodeFrame({ ignored: 1 }))).toEqual([]);
  });

  it('reports a frame truncated by end of input', () => {
    const decoder = new FrameDecoder();
    const bytes = encodeFrame({ id: 'cut' });
    expect(decoder.push(bytes.subarray(0, bytes.length - 2))).toEqual([]);
    const end = decoder.end();
    expect(end).toHaveLength(1);
    expect(errors(end)[0]!.error).toBeInstanceOf(KysoError);
    expect(errors(end)[0]!.error.details?.reason).toBe('truncated frame');
  });

  it('handles a 10 MiB frame arriving in 64 KiB reads without quadratic copying', () => {
    const payload = { blob: 'a'.repeat(10 * 1024 * 1024) };
    const bytes = encodeFrame(payload, 64 * 1024 * 1024);
    const decoder = new FrameDecoder();
    const started = performance.now();
    const events: DecodeEvent[] = [];
    for (let i = 0; i < bytes.length; i += 64 * 1024) events.push(...decoder.push(bytes.subarray(i, i + 64 * 1024)));
    expect(messages(events)).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('encodeFrame / encodeReply', () => {
  it('prefixes the UTF-8 byte length in native byte order', () => {
    const bytes = encodeFrame({ cn: 'Trần Thị Bình' });
    const body = Buffer.from(JSON.stringify({ cn: 'Trần Thị Bình' }), 'utf8');
    expect(readLength(bytes)).toBe(body.length);
    expect(bytes.readUInt32LE(0)).toBe(body.length); // our platforms are little-endian
    expect(bytes.subarray(4)).toEqual(body);
  });

  it('refuses to encode a frame above the limit', () => {
    expect(() => encodeFrame({ s: 'x'.repeat(2000) }, 1000)).toThrow(RangeError);
  });

  it('sends a small reply whole', () => {
    const frames = encodeReply({ v: 1, id: 'r1', type: 'host.result', payload: { ok: true } });
    expect(frames).toHaveLength(1);
  });

  it('splits a reply over 1 MiB into host.chunk frames, each under 1 MiB and schema-valid, that join back to the reply', () => {
    // Vietnamese text (3-byte UTF-8), quotes and backslashes (escaped twice over) make the sizes honest.
    const certificates = Array.from({ length: 3000 }, (_, i) => ({
      id: `cert-${i}`, commonName: 'Công ty TNHH Kyso Thử Nghiệm "Hà Nội" \\ chi nhánh', der: 'MIIB'.repeat(200), emoji: '🇻🇳',
    }));
    const reply = { v: 1 as const, id: 'big1', type: 'host.result', payload: { certificates } };
    const whole = JSON.stringify(reply);
    expect(Buffer.byteLength(whole)).toBeGreaterThan(2 * HOST_TO_BROWSER_MAX_FRAME_BYTES);
    const frames = encodeReply(reply);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    const decoder = new FrameDecoder();
    const chunks: any[] = [];
    for (const f of frames) {
      expect(f.length - 4).toBeLessThanOrEqual(HOST_TO_BROWSER_MAX_FRAME_BYTES);
      chunks.push(...messages(decoder.push(f)));
    }
    for (const c of chunks) expect(v.safeParse(HostReplySchema, c).success).toBe(true);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    expect(new Set(chunks.map((c) => c.count))).toEqual(new Set([chunks.length]));
    const joiner = new ChunkJoiner('big1');
    let out: unknown;
    for (const c of chunks) out = joiner.add(c);
    expect(out).toEqual(reply);
  });
});

describe('chunking', () => {
  it('never cuts a surrogate pair and keeps every slice within budget after JSON escaping', () => {
    const text = '🇻🇳"\\ạ'.repeat(5000);
    const slices = sliceForFrames(text, 1001);
    expect(slices.join('')).toBe(text);
    for (const s of slices) {
      expect(Buffer.byteLength(JSON.stringify(s)) - 2).toBeLessThanOrEqual(1001);
      expect(/^[\udc00-\udfff]/.test(s)).toBe(false);
      expect(/[\ud800-\udbff]$/.test(s)).toBe(false);
    }
  });

  it('refuses chunks out of order, with a changed count, or for another id', () => {
    const json = JSON.stringify({ v: 1, id: 'x1', type: 'host.result', payload: { s: 'a'.repeat(100) } });
    const chunks = splitReply('x1', json, 30);
    const joiner = new ChunkJoiner('x1');
    expect(() => joiner.add(chunks[1]!)).toThrow(expect.objectContaining({ code: 'PROTOCOL_ERROR' }));
    const j2 = new ChunkJoiner('x1');
    j2.add(chunks[0]!);
    expect(() => j2.add({ ...chunks[1]!, count: chunks.length + 1 })).toThrow(expect.objectContaining({ code: 'PROTOCOL_ERROR' }));
    expect(() => new ChunkJoiner('x1').add({ ...chunks[0]!, id: 'other' })).toThrow(expect.objectContaining({ code: 'PROTOCOL_ERROR' }));
  });

  it('refuses a joined reply that is not JSON, names another id, or is itself a chunk', () => {
    expect(() => joinChunks('a', ['{"v":1,', '"id":"a"'])).toThrow(expect.objectContaining({ code: 'PROTOCOL_ERROR' }));
    expect(() => joinChunks('a', ['{"v":1,"id":"b",', '"type":"host.result"}'])).toThrow(expect.objectContaining({ code: 'PROTOCOL_ERROR' }));
    expect(() => joinChunks('a', ['{"v":1,"id":"a",', '"type":"host.chunk"}'])).toThrow(expect.objectContaining({ code: 'PROTOCOL_ERROR' }));
  });

  it('does not chunk a reply that fits', () => {
    expect(() => splitReply('s', '{"id":"s"}')).toThrow(RangeError);
  });
});
