/**
 * One BUILT host process that the host-stdout fuzz target feeds case after case (host-stdout.test.ts says why).
 * It keeps the offsets of the stdout and stderr bytes already checked, so each case checks exactly the bytes that
 * appeared since the previous one, and counts whole replies (a chunked reply counts once, at its last chunk) so a
 * case can wait for "one reply per frame sent" instead of sleeping.
 */
import * as v from 'valibot';
import { HOST_TO_BROWSER_MAX_FRAME_BYTES } from '../../shared/limits.js';
import { HostReplySchema } from '../../shared/protocol/host-messages.js';
import { spawnHost, type HostProcess } from '../helpers/host-process.js';

/** What a crash leaves on stderr: main.ts's fatal line, an uncaught exception, a stack trace. */
const CRASH = /kyso-host: fatal|Uncaught|\n\s+at /;

export class HostStdoutSession {
  readonly #host: HostProcess;
  /** Stdout bytes already parsed into whole frames and checked. */
  #checkedOut = 0;
  #checkedErr = 0;
  #replies = 0;
  /** Cases this process served before the current one (a late reply of one is counted in the next). */
  #cases = 0;
  #wake: (() => void) | undefined;

  constructor(hostPath: string) {
    // No PKCS#11 module: token operations fail fast with their typed error instead of loading a driver.
    this.#host = spawnHost(hostPath, { env: { KYSO_PKCS11_MODULE: '/nonexistent/libkyso-fuzz.so' } });
    this.#host.child.stdout.on('data', () => this.#wake?.());
    void this.#host.exited.then(() => this.#wake?.());
  }

  /** Write `bytes` to stdin in pieces of `split` bytes (a browser's frames arrive in arbitrary reads). */
  feed(bytes: Buffer, split: number): void {
    for (let i = 0; i < bytes.length; i += split) this.#host.sendRaw(bytes.subarray(i, i + split));
  }

  /**
   * A stream-keeping case: wait until `expected` more replies have arrived (every frame gets exactly one), then
   * check them. The host must still be running, and no reply beyond those may have appeared.
   */
  async expectReplies(expected: number, timeoutMs: number): Promise<void> {
    this.#cases += 1;
    const target = this.#replies + expected;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.#checkNewOutput();
      if (this.#replies >= target || this.#host.child.exitCode !== null || this.#host.child.signalCode !== null) break;
      const left = deadline - performance.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => { clearTimeout(timer); resolve(); };
      });
      this.#wake = undefined;
    }
    this.#checkStderr();
    if (this.#host.child.exitCode !== null || this.#host.child.signalCode !== null) {
      throw new Error(`the host exited (${this.#host.child.exitCode ?? this.#host.child.signalCode}) on a case that keeps the stream in step: ${this.#stderrTail()}`);
    }
    const got = this.#replies - (target - expected);
    if (got !== expected) {
      throw new Error(`${expected} frame(s) sent, ${got} repl${got === 1 ? 'y' : 'ies'} counted (after ${this.#cases - 1} earlier case(s) in this process, whose late replies count here): ${this.#stderrTail()}`);
    }
  }

  /** Close stdin: the host must exit 0 within `timeoutMs`, no crash, and stdout must end on a frame boundary. */
  async close(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([this.#host.close(), new Promise<'hung'>((r) => { timer = setTimeout(() => r('hung'), timeoutMs); })]);
    clearTimeout(timer);
    if (code === 'hung') { this.kill(); throw new Error(`the host did not exit within ${timeoutMs / 1000} s of stdin closing`); }
    this.#checkStderr();
    if (code !== 0) throw new Error(`host exit code ${code}: ${this.#stderrTail()}`);
    this.#checkNewOutput();
    const stray = this.#host.stdoutBytes().length - this.#checkedOut;
    if (stray > 0) throw new Error(`stdout ends with ${stray} bytes that are not a whole frame`);
  }

  kill(): void {
    if (this.#host.child.exitCode === null && this.#host.child.signalCode === null) this.#host.child.kill('SIGKILL');
  }

  /** Parse and check every whole frame that arrived since the last call; a partial frame waits for its rest. */
  #checkNewOutput(): void {
    const out = this.#host.stdoutBytes();
    let at = this.#checkedOut;
    while (out.length - at >= 4) {
      const n = out.readUInt32LE(at);
      if (n > HOST_TO_BROWSER_MAX_FRAME_BYTES) throw new Error(`a ${n}-byte frame is over the host→browser cap`);
      if (out.length - at - 4 < n) break;
      const text = new TextDecoder('utf-8', { fatal: true }).decode(out.subarray(at + 4, at + 4 + n));
      const reply = JSON.parse(text) as unknown;
      const checked = v.safeParse(HostReplySchema, reply);
      if (!checked.success) throw new Error(`not a host reply: ${text.slice(0, 200)}`);
      const r = checked.output;
      if (r.type !== 'host.chunk' || r.index === r.count - 1) this.#replies += 1;
      at += 4 + n;
    }
    this.#checkedOut = at;
  }

  #checkStderr(): void {
    const err = this.#host.stderrText();
    // From a little before the last checked point: a crash pattern could straddle two reads.
    const fresh = err.slice(Math.max(0, this.#checkedErr - 64));
    this.#checkedErr = err.length;
    if (CRASH.test(fresh)) throw new Error(`host crashed: ${fresh.slice(0, 500)}`);
  }

  #stderrTail(): string {
    return this.#host.stderrText().slice(-500);
  }
}
