/**
 * Fuzz: the BUILT native host process (dist bundle via test/helpers/host-process.ts) fed random frames —
 * requests of every type with random payloads, non-JSON and non-UTF-8 bodies, oversized and truncated frames,
 * raw garbage — split into random writes. Properties: every byte on its stdout belongs to a well-formed frame
 * (length prefix, UTF-8 JSON that HostReplySchema accepts, within the host→browser frame cap), the process
 * never crashes (no "fatal", no stack trace), it exits 0 within 15 s of stdin closing, and a stream it can no
 * longer follow (a length no browser sends, a frame cut off by the end of input) ends it cleanly.
 *
 * Why cases share a process: a process per case costs ≈ 0.23 s here, so 100,000 cases took ≈ 6.5 h and the long
 * run was capped at 2,000. Now ONE real host process serves case after case, as a browser's port does, and a case
 * is one of two kinds:
 *  - stream-keeping (most cases): whole frames only — requests, arbitrary JSON, bodies of random bytes. The
 *    host must stay up and send exactly one reply per frame (a missing or extra reply is a finding too), and
 *    those replies are checked before the next case is written.
 *  - stream-ending (1 case in ENDING_ONE_IN): the full mix including garbage and impossible lengths, then stdin
 *    closes; the host must exit 0 within 15 s with nothing but whole reply frames on stdout. The next case
 *    starts a fresh process. So every process ends the way a desynchronised or closed browser port ends it,
 *    after a history of earlier requests (uploads started, refusals, …) rather than from a blank state.
 * A failed case kills its process; the next case, and each of fast-check's shrinking attempts, gets a fresh one,
 * so a saved counterexample replays alone. A failure that needed the earlier cases' state — or a reply that came
 * after its own case was counted complete, and so was counted in the next case — may not shrink or replay alone
 * (seen with an injected duplicate reply: found, but reported at the case after the culprit); the seed and path
 * replay the whole run. Still a real process rather than runHost in-process: the property
 * is about the bytes the bundled host's own process writes (a stray console.log anywhere in the bundle, a
 * library printing to stdout), which an in-process run with a substituted stdout could not see.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../shared/limits.js';
import { HOST_OPERATIONS } from '../../shared/protocol/host-messages.js';
import { buildTestHost, frame } from '../helpers/host-process.js';
import { fuzz, runsFor } from './fuzz-harness.js';
import { HostStdoutSession } from './host-stdout-session.js';

/**
 * One case in this many ends its process: 1 in 50 in `npm run fuzz` (≈ 2,000 processes in 100,000 cases, as many
 * as the old cap), 1 in 10 in `npm test`'s 300 cases (≈ 30 process ends rather than 6, ≈ 12 s under load, was 100 processes and 31–42 s).
 */
const ENDING_ONE_IN = process.env.KYSO_FUZZ_RUNS !== undefined ? 50 : 10;
const REPLY_WAIT_MS = 15_000;

let hostPath: string;
let session: HostStdoutSession | undefined;
beforeAll(async () => { hostPath = (await buildTestHost()).hostPath; }, 120_000);
afterAll(() => { session?.kill(); });

const types = Object.keys(HOST_OPERATIONS).filter((t) => t !== 'host.signDocuments');
/** Whole frames: each decodes to a message or a non-fatal error, and each gets exactly one reply. */
const wholeFrame = fc.oneof(
  { weight: 5, arbitrary: fc.record({ id: fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), type: fc.oneof(fc.constantFrom(...types), fc.string({ maxLength: 12 })), payload: fc.jsonValue({ maxDepth: 3 }) })
    .map((m) => frame({ v: PROTOCOL_VERSION, ...m })) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((m) => frame(m)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => { const h = Buffer.alloc(4); h.writeUInt32LE(b.length); return Buffer.concat([h, Buffer.from(b)]); }) },
);
/** Anything: whole frames, a length above the browser→host cap (skipped or fatal), raw garbage. */
const anyPiece = fc.oneof(
  { weight: 9, arbitrary: wholeFrame },
  { weight: 1, arbitrary: fc.integer({ min: 1024 * 1024 + 1, max: 2 ** 32 - 1 }).map((n) => { const h = Buffer.alloc(4); h.writeUInt32LE(n); return h; }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)) },
);
const split = fc.integer({ min: 1, max: 64 });
const hostCase = fc.oneof(
  { weight: ENDING_ONE_IN - 1, arbitrary: fc.record({ ends: fc.constant(false), pieces: fc.array(wholeFrame, { minLength: 1, maxLength: 12 }), split }) },
  { weight: 1, arbitrary: fc.record({ ends: fc.constant(true), pieces: fc.array(anyPiece, { minLength: 0, maxLength: 12 }), split }) },
);

let processes = 0;

async function runCase({ ends, pieces, split: size }: { ends: boolean; pieces: Uint8Array[]; split: number }): Promise<void> {
  if (!session) { session = new HostStdoutSession(hostPath); processes += 1; }
  const current = session;
  try {
    current.feed(Buffer.concat(pieces), size);
    if (ends) {
      session = undefined;
      await current.close(REPLY_WAIT_MS);
    } else {
      await current.expectReplies(pieces.length, REPLY_WAIT_MS);
    }
  } catch (error) {
    current.kill();
    session = undefined;
    throw error;
  }
}

describe('fuzz: the built host\'s stdout carries frames only', () => {
  it('random frames and garbage, many cases per process: no crash, no stray stdout byte, one reply per frame, exits when stdin closes', async () => {
    await fuzz('host-stdout', hostCase, runCase, { runs: runsFor(1), caseTimeoutMs: 20_000 });
    // The last process ends like every other: stdin closes, exit 0, whole frames only.
    await runCase({ ends: true, pieces: [], split: 1 });
    console.log(`fuzz host-stdout: ${processes} host processes`);
  });
});
