/**
 * Streaming decoder for browser→host frames. Bytes arrive in arbitrary pieces: a frame may be split over
 * many reads, or many frames may come in one. Bad input yields a typed error event and decoding goes on;
 * only a length prefix no browser could send ends the stream (we cannot find the next frame boundary).
 */
import { BROWSER_TO_HOST_MAX_FRAME_BYTES } from '../../shared/limits.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { LENGTH_PREFIX_BYTES, readLength } from './frame-codec.js';

export type DecodeEvent =
  | { readonly kind: 'message'; readonly value: unknown }
  /** `fatal`: the stream cannot be resynchronised; the reader should stop. */
  | { readonly kind: 'error'; readonly error: KysoError; readonly fatal: boolean };

/**
 * A prefix above this is not an oversized message but garbage (or a desynchronised stream): Chrome's own
 * cap is 64 MiB, so skipping that many bytes would only swallow whatever valid frames follow.
 */
export const UNRECOVERABLE_FRAME_BYTES = 4 * BROWSER_TO_HOST_MAX_FRAME_BYTES;

export class FrameDecoder {
  readonly #maxFrameBytes: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Bytes of an oversized frame still to throw away. */
  #skipBytes = 0;
  #failed = false;

  constructor(maxFrameBytes: number = BROWSER_TO_HOST_MAX_FRAME_BYTES) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  get failed(): boolean {
    return this.#failed;
  }

  /** Feed bytes; returns the events they complete, in order. */
  push(chunk: Buffer): DecodeEvent[] {
    if (this.#failed) return [];
    const events: DecodeEvent[] = [];
    let data = chunk;
    if (this.#skipBytes > 0) {
      const skip = Math.min(this.#skipBytes, data.length);
      this.#skipBytes -= skip;
      data = data.subarray(skip);
    }
    if (data.length > 0) {
      this.#pending.push(data);
      this.#pendingBytes += data.length;
    }
    while (!this.#failed && this.#skipBytes === 0 && this.#pendingBytes >= LENGTH_PREFIX_BYTES) {
      const length = readLength(this.#peekHead());
      if (length > this.#maxFrameBytes) {
        if (length > Math.max(UNRECOVERABLE_FRAME_BYTES, this.#maxFrameBytes * 4)) {
          this.#failed = true;
          this.#pending = [];
          this.#pendingBytes = 0;
          events.push({ kind: 'error', error: new KysoError('FRAME_TOO_LARGE', { limitBytes: this.#maxFrameBytes, frameBytes: length }), fatal: true });
          break;
        }
        this.#take(LENGTH_PREFIX_BYTES, true);
        // Throw the frame's bytes away as they come, then carry on with the next frame.
        const available = Math.min(length, this.#pendingBytes);
        this.#take(available, true);
        this.#skipBytes = length - available;
        events.push({ kind: 'error', error: new KysoError('FRAME_TOO_LARGE', { limitBytes: this.#maxFrameBytes, frameBytes: length }), fatal: false });
        continue;
      }
      if (this.#pendingBytes < LENGTH_PREFIX_BYTES + length) break;
      this.#take(LENGTH_PREFIX_BYTES, true);
      const body = this.#take(length, true);
      events.push(parseBody(body));
    }
    return events;
  }

  /** The input ended: a partly received frame is reported as truncated. */
  end(): DecodeEvent[] {
    if (this.#failed) return [];
    const leftover = this.#pendingBytes + this.#skipBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (leftover > 0 && this.#skipBytes === 0) {
      return [{ kind: 'error', error: new KysoError('PROTOCOL_ERROR', { reason: 'truncated frame', bytes: leftover }), fatal: true }];
    }
    return [];
  }

  /** The 4 prefix bytes, without joining the whole pending list (a large frame arrives in many reads). */
  #peekHead(): Buffer {
    const first = this.#pending[0]!;
    if (first.length >= LENGTH_PREFIX_BYTES) return first;
    const head = Buffer.alloc(LENGTH_PREFIX_BYTES);
    let filled = 0;
    for (const part of this.#pending) {
      filled += part.copy(head, filled, 0, Math.min(part.length, LENGTH_PREFIX_BYTES - filled));
      if (filled === LENGTH_PREFIX_BYTES) break;
    }
    return head;
  }

  /** Copy out `n` bytes from the front of the pending list, removing them when `consume`. */
  #take(n: number, consume: boolean): Buffer {
    if (this.#pending.length === 1 || n === 0) {
      const only = this.#pending[0] ?? Buffer.alloc(0);
      const out = only.subarray(0, n);
      if (consume) this.#drop(n);
      return out;
    }
    const whole = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [whole];
    const out = whole.subarray(0, n);
    if (consume) this.#drop(n);
    return out;
  }

  #drop(n: number): void {
    let left = n;
    while (left > 0 && this.#pending.length > 0) {
      const first = this.#pending[0]!;
      if (first.length <= left) {
        left -= first.length;
        this.#pending.shift();
      } else {
        this.#pending[0] = first.subarray(left);
        left = 0;
      }
    }
    this.#pendingBytes -= n;
  }
}

function parseBody(body: Buffer): DecodeEvent {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return { kind: 'error', error: new KysoError('PROTOCOL_ERROR', { reason: 'frame is not UTF-8' }), fatal: false };
  }
  try {
    return { kind: 'message', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'error', error: new KysoError('PROTOCOL_ERROR', { reason: 'frame is not JSON' }), fatal: false };
  }
}
