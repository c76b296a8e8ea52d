/**
 * Native messaging over this process's stdin/stdout. Frames are written whole, in order, one `write` each,
 * so concurrent replies never interleave their bytes.
 */
import type { Readable, Writable } from 'node:stream';
import { FrameDecoder, type DecodeEvent } from './frame-decoder.js';
import { encodeReply } from './frame-codec.js';

export interface FrameWriter {
  /** Send a reply (split into chunks if too large). Resolves when the bytes are handed to the OS. */
  send(reply: { id: string } & Record<string, unknown>): Promise<void>;
}

export function createFrameWriter(output: Writable): FrameWriter {
  let tail: Promise<void> = Promise.resolve();
  const writeOne = (frame: Buffer) => new Promise<void>((resolve, reject) => {
    output.write(frame, (error) => (error ? reject(error) : resolve()));
  });
  return {
    send(reply) {
      const frames = encodeReply(reply);
      const run = tail.then(async () => {
        for (const frame of frames) await writeOne(frame);
      });
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

/** Feed `input` through a FrameDecoder; `onEvent` gets every message or error; resolves at end of input. */
export function readFrames(input: Readable, onEvent: (event: DecodeEvent) => void, decoder = new FrameDecoder()): Promise<void> {
  return new Promise((resolve) => {
    const finish = () => {
      input.off('data', onData);
      for (const event of decoder.end()) onEvent(event);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      for (const event of decoder.push(chunk)) onEvent(event);
      if (decoder.failed) {
        input.off('end', finish);
        input.off('data', onData);
        input.pause();
        resolve();
      }
    };
    input.on('data', onData);
    input.once('end', finish);
    input.once('error', finish);
  });
}
