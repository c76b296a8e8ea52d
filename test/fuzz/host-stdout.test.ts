/**
 * Fuzz: the BUILT native host process (dist bundle via test/helpers/host-process.ts) fed random frames —
 * requests of every type with random payloads, non-JSON and non-UTF-8 bodies, oversized and truncated frames,
 * raw garbage — split into random writes. Properties: every byte on its stdout belongs to a well-formed frame
 * (length prefix, UTF-8 JSON that HostReplySchema accepts, within the host→browser frame cap), the process
 * never crashes (no "fatal", exit 0 or the clean code of a desynchronised stream), and it exits within 15 s of
 * stdin closing. One process per case, so the count is bounded (100 in CI, 2,000 in `npm run fuzz`).
 */
import fc from 'fast-check';
import * as v from 'valibot';
import { beforeAll, describe, it } from 'vitest';
import { HOST_TO_BROWSER_MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../../shared/limits.js';
import { HOST_OPERATIONS, HostReplySchema } from '../../shared/protocol/host-messages.js';
import { buildTestHost, frame, spawnHost } from '../helpers/host-process.js';
import { FUZZ_RUNS, fuzz } from './fuzz-harness.js';

let hostPath: string;
beforeAll(async () => { hostPath = (await buildTestHost()).hostPath; }, 120_000);

const types = Object.keys(HOST_OPERATIONS).filter((t) => t !== 'host.signDocuments');
const piece = fc.oneof(
  { weight: 5, arbitrary: fc.record({ id: fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), type: fc.oneof(fc.constantFrom(...types), fc.string({ maxLength: 12 })), payload: fc.jsonValue({ maxDepth: 3 }) })
    .map((m) => frame({ v: PROTOCOL_VERSION, ...m })) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((m) => frame(m)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => { const h = Buffer.alloc(4); h.writeUInt32LE(b.length); return Buffer.concat([h, Buffer.from(b)]); }) },
  { weight: 1, arbitrary: fc.integer({ min: 1024 * 1024 + 1, max: 2 ** 32 - 1 }).map((n) => { const h = Buffer.alloc(4); h.writeUInt32LE(n); return h; }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)) },
);

/** Every stdout byte must belong to a complete frame whose body is a reply the extension accepts. */
function assertOnlyFrames(out: Buffer): void {
  let at = 0;
  while (at < out.length) {
    if (out.length - at < 4) throw new Error(`stdout ends with ${out.length - at} stray bytes`);
    const n = out.readUInt32LE(at);
    if (n > HOST_TO_BROWSER_MAX_FRAME_BYTES) throw new Error(`a ${n}-byte frame is over the host→browser cap`);
    if (out.length - at - 4 < n) throw new Error('stdout ends inside a frame');
    const text = new TextDecoder('utf-8', { fatal: true }).decode(out.subarray(at + 4, at + 4 + n));
    const reply = JSON.parse(text) as unknown;
    if (!v.safeParse(HostReplySchema, reply).success) throw new Error(`not a host reply: ${text.slice(0, 200)}`);
    at += 4 + n;
  }
}

describe('fuzz: the built host\'s stdout carries frames only', () => {
  it('random frames and garbage: no crash, no stray stdout byte, exits when stdin closes', async () => {
    const runs = process.env.KYSO_FUZZ_RUNS !== undefined ? Math.min(FUZZ_RUNS, 2000) : 100;
    await fuzz('host-stdout', fc.record({ pieces: fc.array(piece, { minLength: 1, maxLength: 12 }), split: fc.integer({ min: 1, max: 64 }) }), async ({ pieces, split }) => {
      // No PKCS#11 module: token operations fail fast with their typed error instead of loading a driver.
      const host = spawnHost(hostPath, { env: { KYSO_PKCS11_MODULE: '/nonexistent/libkyso-fuzz.so' } });
      const bytes = Buffer.concat(pieces);
      for (let i = 0; i < bytes.length; i += split) host.sendRaw(bytes.subarray(i, i + split));
      const code = await Promise.race([host.close(), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
      if (code === 'hung') { host.child.kill('SIGKILL'); throw new Error('the host did not exit within 15 s of stdin closing'); }
      if (/kyso-host: fatal|Uncaught|\n\s+at /.test(host.stderrText())) throw new Error(`host crashed (exit ${code}): ${host.stderrText().slice(0, 500)}`);
      if (code !== 0) throw new Error(`host exit code ${code}: ${host.stderrText().slice(0, 500)}`);
      assertOnlyFrames(host.stdoutBytes());
    }, { runs, caseTimeoutMs: 20_000 });
  });
});
