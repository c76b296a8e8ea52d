/**
 * Shared driver of the fuzz targets (issue 15 §1). Each target is a fast-check property run with:
 *  - a case count from KYSO_FUZZ_RUNS (300 in `npm test`, ≥ 100,000 in `npm run fuzz`);
 *  - a seed from KYSO_FUZZ_SEED (fixed in CI, random in `npm run fuzz`), printed so a run can be repeated;
 *  - a time bound per case: a case slower than its bound is a finding (a hang). A synchronous endless loop
 *    cannot be interrupted in-process; it then trips the vitest test timeout instead, with the seed printed;
 *  - replay of every saved regression (test/fuzz/regressions/<target>-*.json) before any new case;
 *  - on failure, the shrunk counterexample saved as test/fuzz/regressions/<target>-<seed>.json;
 *  - with KYSO_FUZZ_PROGRESS=<file>, a line "<target> <cases> <seconds>" appended every 1,000 cases, so a long run
 *    stopped before its end still says exactly how many cases passed.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { KysoError } from '../../shared/errors/kyso-error.js';

export const FUZZ_RUNS = positive(process.env.KYSO_FUZZ_RUNS, 300);
export const FUZZ_SEED = process.env.KYSO_FUZZ_SEED !== undefined ? Number(process.env.KYSO_FUZZ_SEED) : 0x6b79736f; // 'kyso'
const REGRESSIONS = join(import.meta.dirname, 'regressions');
const PROGRESS_FILE = process.env.KYSO_FUZZ_PROGRESS;
const PROGRESS_EVERY = 1000;

function positive(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/**
 * Cases for a target whose cases are slow (verify, child processes): in the default (CI) run `share` of
 * FUZZ_RUNS, at least `min`; when KYSO_FUZZ_RUNS is set (`npm run fuzz`), all of them.
 */
export function runsFor(share: number, min = 50): number {
  return process.env.KYSO_FUZZ_RUNS !== undefined ? FUZZ_RUNS : Math.max(min, Math.round(FUZZ_RUNS * share));
}

export interface FuzzOptions {
  /** Cases to run (default FUZZ_RUNS). */
  readonly runs?: number;
  /** Longest a single case may take, in ms (default 2000). */
  readonly caseTimeoutMs?: number;
}

/** Run `check` on every saved regression of `target`, then on `runs` generated cases. */
export async function fuzz<T>(target: string, arbitrary: fc.Arbitrary<T>, check: (value: T) => unknown, options: FuzzOptions = {}): Promise<void> {
  const runs = options.runs ?? FUZZ_RUNS;
  const bound = options.caseTimeoutMs ?? 2000;
  // A case over its bound runs once more before it counts as a hang: the first case to reach a lazily
  // imported module (pdf.js, the decryption code…) pays its compilation, which a 2-core machine at load 20 took
  // 3.3 s of wall time for (0.76 s CPU; the same bytes then read in 8 ms CPU). A real hang or a super-linear
  // input is over the bound again.
  const bounded = async (value: T): Promise<void> => {
    try {
      await boundedOnce(value);
    } catch (error) {
      if (!(error instanceof CaseOverBound)) throw error;
      await boundedOnce(value);
    }
  };
  const boundedOnce = async (value: T): Promise<void> => {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(() => check(value)),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new CaseOverBound(`case exceeded ${bound} ms (hang)`)), bound); }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    const took = performance.now() - started;
    if (took > bound) throw new CaseOverBound(`case took ${Math.round(took)} ms, over its ${bound} ms bound (hang)`);
  };

  for (const file of savedRegressions(target)) {
    const value = fromJson(JSON.parse(readFileSync(join(REGRESSIONS, file), 'utf8')).counterexample) as T;
    try {
      await bounded(value);
    } catch (error) {
      throw new Error(`fuzz ${target}: saved regression ${file} fails again: ${String(error)}`, { cause: error });
    }
  }

  const started = performance.now();
  let passed = 0;
  const counted = async (value: T): Promise<void> => {
    await bounded(value);
    // Cases passed so far (a shrink after a failure counts its attempts too; the run then fails anyway).
    if (PROGRESS_FILE && ++passed % PROGRESS_EVERY === 0) appendFileSync(PROGRESS_FILE, `${target} ${passed} ${((performance.now() - started) / 1000).toFixed(1)}\n`);
  };
  const result = await fc.check(fc.asyncProperty(arbitrary, counted), { seed: FUZZ_SEED, numRuns: runs });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`fuzz ${target}: seed ${FUZZ_SEED}, ${result.numRuns} cases, ${seconds} s${result.failed ? ', FAILED' : ''}`);
  if (!result.failed) return;
  const counterexample = result.counterexample?.[0];
  mkdirSync(REGRESSIONS, { recursive: true });
  const file = `${target}-${FUZZ_SEED}.json`;
  // Maps, Sets, Dates and the like do not survive JSON exactly: the seed and path still replay the case
  // (`npm run fuzz -- --seed S`), and fast-check's printed value shows it.
  writeFileSync(join(REGRESSIONS, file), `${JSON.stringify({ target, seed: FUZZ_SEED, path: result.counterexamplePath, error: String(result.errorInstance), shown: fc.stringify(counterexample).slice(0, 4000), counterexample: toJson(counterexample) }, null, 1)}\n`);
  throw new Error(`fuzz ${target} failed (seed ${FUZZ_SEED}, path ${result.counterexamplePath}); counterexample saved to test/fuzz/regressions/${file}: ${String(result.errorInstance)}`, { cause: result.errorInstance });
}

/** A case slower than its bound (a hang, unless the same case is fast when run again). */
class CaseOverBound extends Error {}

function savedRegressions(target: string): string[] {
  try {
    return readdirSync(REGRESSIONS).filter((f) => f.startsWith(`${target}-`) && f.endsWith('.json')).sort();
  } catch {
    return [];
  }
}

/** JSON with byte arrays as {"$bytes": base64} (counterexamples are mostly bytes). */
export function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  if (value === undefined) return { $undefined: true };
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  return value;
}

export function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.$bytes === 'string' && Object.keys(o).length === 1) return new Uint8Array(Buffer.from(o.$bytes, 'base64'));
    if (o.$undefined === true && Object.keys(o).length === 1) return undefined;
    if (typeof o.$bigint === 'string' && Object.keys(o).length === 1) return BigInt(o.$bigint);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fromJson(v)]));
  }
  return value;
}

/** The property every reader shares: it returns, or throws a KysoError whose code is one of `codes`. */
export async function expectTypedRejection(run: () => unknown, codes: readonly string[]): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof KysoError)) throw new Error(`not a KysoError: ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`);
    if (!codes.includes(error.code)) throw new Error(`unexpected code ${error.code} (allowed: ${codes.join(', ')}): ${JSON.stringify(error.details)}`);
  }
}

/** Byte-level mutations of a real document: flips, overwrites with digits/keywords, insertions, deletions. */
export function mutationsOf(seed: Uint8Array, tokens: readonly string[] = []): fc.Arbitrary<Uint8Array> {
  const at = fc.nat({ max: Math.max(0, seed.length - 1) });
  const piece = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 8 }),
    fc.constantFrom(...['0', '9', ' ', '\n', '<<', '>>', '[', ']', '(', ')', '/', 'R', 'obj', 'endobj', 'stream', ...tokens].map((t) => new TextEncoder().encode(t))),
    fc.stringMatching(/^-?[0-9]{1,11}$/).map((t) => new TextEncoder().encode(t)),
  );
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at, bit: fc.nat({ max: 7 }) }),
    fc.record({ kind: fc.constant('overwrite' as const), at, piece }),
    fc.record({ kind: fc.constant('insert' as const), at, piece }),
    fc.record({ kind: fc.constant('delete' as const), at, count: fc.integer({ min: 1, max: 64 }) }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let bytes = Buffer.from(seed);
    for (const e of edits) {
      const i = Math.min(e.at, bytes.length);
      if (e.kind === 'flip') { if (i < bytes.length) bytes[i]! ^= 1 << e.bit; }
      else if (e.kind === 'overwrite') { bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from(e.piece), bytes.subarray(Math.min(bytes.length, i + e.piece.length))]); }
      else if (e.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from(e.piece), bytes.subarray(i)]);
      else bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + e.count)]);
    }
    return new Uint8Array(bytes);
  });
}
