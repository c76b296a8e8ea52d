/**
 * Splitting a host reply that is too large for one frame into `host.chunk` frames, and joining them again.
 * Browsers refuse host→browser messages over 1 MiB [Chrome native messaging, "Native messaging protocol"];
 * the reply's JSON text is cut into slices whose chunk frames each stay under that bound.
 * Pure: no Node or browser APIs, so the host and the extension use the same code.
 */
import { HOST_REPLY_CHUNK_BYTES, PROTOCOL_VERSION, REASSEMBLED_REPLY_MAX_BYTES } from '../limits.js';
import { KysoError } from '../errors/kyso-error.js';

export interface ChunkFrame {
  readonly v: typeof PROTOCOL_VERSION;
  readonly id: string;
  readonly type: 'host.chunk';
  readonly index: number;
  readonly count: number;
  readonly data: string;
}

/** Most chunks one reply may have (HostReplySchema bounds `count` to 4096). */
export const MAX_CHUNK_COUNT = 4096;

/**
 * UTF-8 bytes one UTF-16 code unit costs once JSON.stringify has written it inside a string:
 * `"` and `\` are escaped (2), controls become \u00XX (6), the rest is their UTF-8 size.
 * A surrogate half counts 2, so a pair costs its 4 UTF-8 bytes.
 */
function encodedCost(unit: number): number {
  if (unit === 0x22 || unit === 0x5c) return 2;
  if (unit < 0x20) return 6;
  if (unit < 0x80) return 1;
  if (unit < 0x800) return 2;
  if (unit >= 0xd800 && unit <= 0xdfff) return 2;
  return 3;
}

/**
 * Cut `text` into slices whose JSON-escaped UTF-8 size is at most `maxSliceBytes`, never inside a surrogate pair.
 */
export function sliceForFrames(text: string, maxSliceBytes: number = HOST_REPLY_CHUNK_BYTES): string[] {
  if (maxSliceBytes < 8) throw new RangeError('slice budget too small');
  const slices: string[] = [];
  let start = 0;
  let cost = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const c = encodedCost(unit);
    // Do not cut between a high and a low surrogate: move the cut before the high one.
    if (cost + c > maxSliceBytes) {
      let cut = i;
      if (unit >= 0xdc00 && unit <= 0xdfff && cut > start) cut--;
      slices.push(text.slice(start, cut));
      start = cut;
      cost = 0;
      for (let j = cut; j <= i; j++) cost += encodedCost(text.charCodeAt(j));
      continue;
    }
    cost += c;
  }
  slices.push(text.slice(start));
  return slices;
}

/** The `host.chunk` frames for a reply whose JSON text is `replyJson` (it must be larger than one frame). */
export function splitReply(id: string, replyJson: string, maxSliceBytes: number = HOST_REPLY_CHUNK_BYTES): ChunkFrame[] {
  const slices = sliceForFrames(replyJson, maxSliceBytes);
  if (slices.length < 2) throw new RangeError('reply fits in one frame; send it whole');
  if (slices.length > MAX_CHUNK_COUNT) throw new KysoError('FRAME_TOO_LARGE', { limitBytes: REASSEMBLED_REPLY_MAX_BYTES });
  return slices.map((data, index) => ({ v: PROTOCOL_VERSION, id, type: 'host.chunk', index, count: slices.length, data }));
}

/**
 * Collects the chunks of one reply, in order. `add` returns the parsed reply once the last chunk is in,
 * undefined before; a chunk out of order, a changed count or an oversized total throws PROTOCOL_ERROR /
 * FRAME_TOO_LARGE.
 */
export class ChunkJoiner {
  readonly id: string;
  readonly #parts: string[] = [];
  #count: number | undefined;
  #chars = 0;

  constructor(id: string) {
    this.id = id;
  }

  add(chunk: Pick<ChunkFrame, 'id' | 'index' | 'count' | 'data'>): unknown {
    if (chunk.id !== this.id) throw new KysoError('PROTOCOL_ERROR', { reason: 'chunk id' });
    this.#count ??= chunk.count;
    if (chunk.count !== this.#count || chunk.index !== this.#parts.length || chunk.count < 2 || chunk.count > MAX_CHUNK_COUNT) {
      throw new KysoError('PROTOCOL_ERROR', { reason: 'chunk order' });
    }
    this.#chars += chunk.data.length;
    // A UTF-16 unit is at least one UTF-8 byte: the char count bounds the size from below.
    if (this.#chars > REASSEMBLED_REPLY_MAX_BYTES) throw new KysoError('FRAME_TOO_LARGE', { limitBytes: REASSEMBLED_REPLY_MAX_BYTES });
    this.#parts.push(chunk.data);
    if (this.#parts.length < this.#count) return undefined;
    return joinChunks(this.id, this.#parts);
  }
}

/** Join the slices of one reply and parse them; the whole must be a reply with the same id and not a chunk. */
export function joinChunks(id: string, slices: readonly string[]): unknown {
  let whole: unknown;
  try {
    whole = JSON.parse(slices.join(''));
  } catch {
    throw new KysoError('PROTOCOL_ERROR', { reason: 'chunked reply is not JSON' });
  }
  const inner = whole as { id?: unknown; type?: unknown } | null;
  if (!inner || typeof inner !== 'object' || inner.id !== id || inner.type === 'host.chunk') {
    throw new KysoError('PROTOCOL_ERROR', { reason: 'chunked reply id' });
  }
  return whole;
}
