/**
 * Read the token PIN for a CLI command: from the terminal without echo, or the first line of stdin with
 * `--pin-stdin` (scripts, CI). Never from argv: other users see argv in `ps`, and shells keep it in history.
 * The PIN is never logged, written to disk, or put in an error's details.
 */
import { PIN_MAX_CHARS, PIN_MIN_CHARS } from '../../shared/limits.js';
import { KysoError } from '../../shared/errors/kyso-error.js';

export interface ReadPinOptions {
  /** Read the first line of stdin instead of prompting. */
  readonly fromStdin: boolean;
  /** Prompt written to stderr (stdout may carry the command's results). */
  readonly prompt?: string;
  readonly input?: NodeJS.ReadStream;
  readonly output?: NodeJS.WriteStream;
}

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = new Set(['\u007f', '\b']);

export async function readPin(options: ReadPinOptions): Promise<string> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stderr;
  let pin: string;
  if (options.fromStdin) {
    pin = await readFirstLine(input);
  } else {
    if (!input.isTTY) {
      // No terminal: prompting would hang a script forever. Say how to pass it instead.
      throw new KysoError('BAD_REQUEST', { reason: 'no terminal to ask for the PIN; pipe it with --pin-stdin' });
    }
    pin = await promptHidden(input, output, options.prompt ?? 'Mã PIN / PIN: ');
  }
  return checkPinFormat(pin);
}

/** Reject PINs outside the lengths tokens accept, before a wrong try counts against the token's retry limit. */
export function checkPinFormat(pin: string): string {
  const length = [...pin].length;
  if (length < PIN_MIN_CHARS || length > PIN_MAX_CHARS || /[\u0000-\u001f\u007f]/.test(pin)) {
    throw new KysoError('PIN_INVALID_FORMAT', { minChars: PIN_MIN_CHARS, maxChars: PIN_MAX_CHARS });
  }
  return pin;
}

/** First line of a stream (without the CR/LF), reading no more than needed; EOF ends the line too. */
function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const limit = PIN_MAX_CHARS * 4 + 2;
    const finish = (value: string | Error) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      // Stop reading and let go of stdin: a writer that keeps the pipe open must not keep us alive.
      input.pause();
      (input as { destroy?: () => void }).destroy?.();
      if (value instanceof Error) reject(value);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      buffered += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline >= 0) finish(buffered.slice(0, newline).replace(/\r$/, ''));
      else if (buffered.length > limit) finish(new KysoError('PIN_INVALID_FORMAT', { maxChars: PIN_MAX_CHARS }));
    };
    const onEnd = () => finish(buffered.replace(/\r$/, ''));
    const onError = (error: Error) => finish(new KysoError('INTERNAL_ERROR', { reason: 'stdin unreadable' }, { cause: error }));
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}

/** Prompt on a TTY in raw mode so nothing is echoed; Ctrl-C / Ctrl-D cancel. */
function promptHidden(input: NodeJS.ReadStream, output: NodeJS.WriteStream, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const wasRaw = input.isRaw;
    // Echo off BEFORE the prompt shows, or keys typed (or pasted) right after it would be echoed.
    input.setRawMode(true);
    output.write(prompt);
    input.setEncoding('utf8');
    let pin = '';
    const done = (error?: KysoError) => {
      input.setRawMode(wasRaw);
      input.off('data', onData);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(pin);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === CTRL_C || ch === CTRL_D) return done(new KysoError('USER_CANCELLED'));
        if (BACKSPACE.has(ch)) pin = [...pin].slice(0, -1).join('');
        else pin += ch;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}
