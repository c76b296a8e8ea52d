/**
 * Native messaging framing: each message is a 32-bit length in native byte order, then that many bytes of
 * UTF-8 JSON [Chrome "Native messaging protocol"; MDN "Native messaging", "App side"].
 */
import { endianness } from 'node:os';
import { HOST_TO_BROWSER_MAX_FRAME_BYTES } from '../../shared/limits.js';
import { splitReply } from '../../shared/protocol/chunking.js';

export const LENGTH_PREFIX_BYTES = 4;
const LITTLE_ENDIAN = endianness() === 'LE';

export function readLength(buffer: Buffer, offset = 0): number {
  return LITTLE_ENDIAN ? buffer.readUInt32LE(offset) : buffer.readUInt32BE(offset);
}

export function writeLength(length: number): Buffer {
  const prefix = Buffer.alloc(LENGTH_PREFIX_BYTES);
  if (LITTLE_ENDIAN) prefix.writeUInt32LE(length, 0);
  else prefix.writeUInt32BE(length, 0);
  return prefix;
}

/** One frame for `message`. Throws RangeError when it is above `maxBytes` (split it first). */
export function encodeFrame(message: unknown, maxBytes: number = HOST_TO_BROWSER_MAX_FRAME_BYTES): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  if (body.length > maxBytes) throw new RangeError(`frame of ${body.length} bytes exceeds ${maxBytes}`);
  return Buffer.concat([writeLength(body.length), body]);
}

/**
 * The frames that carry one reply: the reply itself when it fits in a host→browser frame, else `host.chunk`
 * frames (in index order) whose data joined is the reply's JSON text.
 */
export function encodeReply(reply: { id: string } & Record<string, unknown>, maxFrameBytes: number = HOST_TO_BROWSER_MAX_FRAME_BYTES, chunkBytes?: number): Buffer[] {
  const json = JSON.stringify(reply);
  const body = Buffer.from(json, 'utf8');
  if (body.length <= maxFrameBytes) return [Buffer.concat([writeLength(body.length), body])];
  return splitReply(reply.id, json, chunkBytes).map((chunk) => encodeFrame(chunk, maxFrameBytes));
}
