/**
 * Argument parsing shared by the `kyso sign-*` commands (CMS, XML, PDF):
 *   kyso sign-X IN... -o OUT [--cert SELECTOR] [--hash-alg SHA-256] [--pin-stdin] [command flags]
 * One input and -o FILE writes that file; several inputs (or -o naming a directory) write one file per input
 * into that directory. The PIN never comes from argv: `--pin` is refused.
 */
import { statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HASH_ALGORITHMS, type HashAlgorithm } from '../../shared/domain/algorithms.js';
import { KysoError } from '../../shared/errors/kyso-error.js';

export interface SignOptionSpec {
  /** Boolean flags the command accepts besides the common ones (without the leading --). */
  readonly flags?: readonly string[];
  /** Flags that take a value (without the leading --). */
  readonly values?: readonly string[];
}

export interface ParsedSignArgs {
  readonly inputs: readonly string[];
  readonly output: string;
  /** Certificate selector: a certificate id, `MST:…`, `CCCD:…`; undefined = the token's only certificate. */
  readonly certificate: string | undefined;
  readonly hashAlgorithm: HashAlgorithm;
  readonly pinFromStdin: boolean;
  readonly help: boolean;
  /** Command-specific boolean flags that were given. */
  readonly flags: ReadonlySet<string>;
  /** Command-specific values that were given. */
  readonly values: ReadonlyMap<string, string>;
}

/** One input and where its signed result goes. */
export interface PlannedOutput {
  readonly input: string;
  readonly output: string;
}

const COMMON_BOOLEANS = ['pin-stdin', 'help'] as const;
const COMMON_VALUES = ['output', 'cert', 'hash-alg'] as const;

/**
 * `--name VALUE` → `--name=VALUE` for options that take a value, so the next argument is the value whatever it
 * starts with: certificate ids are random base64url and one in 64 starts with '-', which node:util's parseArgs
 * would otherwise refuse as "ambiguous" (`kyso list` prints the id; the person pastes it after --cert).
 */
function attachOptionValues(argv: readonly string[], options: Readonly<Record<string, { type: 'string' | 'boolean'; short?: string }>>): string[] {
  const takesValue = new Set<string>();
  for (const [name, option] of Object.entries(options)) {
    if (option.type !== 'string') continue;
    takesValue.add(`--${name}`);
    if (option.short) takesValue.add(`-${option.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') { out.push(...argv.slice(i)); break; }
    if (takesValue.has(arg) && i + 1 < argv.length) {
      out.push(arg.startsWith('--') ? `${arg}=${argv[i + 1]}` : `${arg}${argv[i + 1]}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** Parse argv of a sign command; usage mistakes become BAD_REQUEST with the reason in details. */
export function parseSignArgs(argv: readonly string[], spec: SignOptionSpec = {}): ParsedSignArgs {
  // Refuse a PIN on the command line before anything else, so it is never even parsed [see read-pin.ts].
  if (argv.some((a) => a === '--pin' || a.startsWith('--pin='))) {
    throw new KysoError('BAD_REQUEST', { reason: '--pin is not accepted: the PIN is asked on the terminal, or use --pin-stdin' });
  }
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const name of [...COMMON_BOOLEANS, ...(spec.flags ?? [])]) options[name] = { type: 'boolean' };
  for (const name of [...COMMON_VALUES, ...(spec.values ?? [])]) options[name] = { type: 'string' };
  (options.output as { short?: string }).short = 'o';
  (options.help as { short?: string }).short = 'h';

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: attachOptionValues(argv, options), options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new KysoError('BAD_REQUEST', { reason: error instanceof Error ? error.message : 'invalid arguments' });
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const help = v.help === true;
  const hashAlgorithm = (v['hash-alg'] as string | undefined)?.toUpperCase() ?? 'SHA-256';
  if (!(HASH_ALGORITHMS as readonly string[]).includes(hashAlgorithm)) {
    throw new KysoError('UNSUPPORTED_ALGORITHM', { hashAlgorithm, supported: HASH_ALGORITHMS.join(', ') });
  }
  const output = v.output as string | undefined;
  if (!help && parsed.positionals.length === 0) throw new KysoError('BAD_REQUEST', { reason: 'no input file given' });
  if (!help && !output) throw new KysoError('BAD_REQUEST', { reason: 'no output given (-o FILE, or -o DIR for several inputs)' });

  const flags = new Set<string>();
  for (const name of spec.flags ?? []) if (v[name] === true) flags.add(name);
  const values = new Map<string, string>();
  for (const name of spec.values ?? []) if (typeof v[name] === 'string') values.set(name, v[name] as string);

  return {
    inputs: parsed.positionals,
    output: output ?? '',
    certificate: v.cert as string | undefined,
    hashAlgorithm: hashAlgorithm as HashAlgorithm,
    pinFromStdin: v['pin-stdin'] === true,
    help,
    flags,
    values,
  };
}

/**
 * Where each input's result goes. Directory mode when there are several inputs or -o is an existing directory;
 * `outputName` maps an input's file name to its output's. Refuses to overwrite an input (inputs are never changed
 * in place) and two inputs that would land on the same output.
 */
export function planOutputs(args: Pick<ParsedSignArgs, 'inputs' | 'output'>, outputName: (inputName: string) => string): PlannedOutput[] {
  const directoryMode = args.inputs.length > 1 || isDirectory(args.output) || /[\\/]$/.test(args.output);
  if (args.inputs.length > 1 && !isDirectory(args.output)) {
    throw new KysoError('BAD_REQUEST', { reason: 'with several inputs, -o must name an existing directory' });
  }
  const plan = args.inputs.map((input) => ({
    input,
    output: directoryMode ? join(args.output, outputName(basename(input))) : args.output,
  }));
  const inputs = new Set(plan.map((p) => resolve(p.input)));
  const seen = new Set<string>();
  for (const p of plan) {
    const out = resolve(p.output);
    if (inputs.has(out)) throw new KysoError('BAD_REQUEST', { reason: 'the output would overwrite an input', file: basename(p.input) });
    if (seen.has(out)) throw new KysoError('BAD_REQUEST', { reason: 'two inputs would write the same output', file: basename(p.output) });
    seen.add(out);
  }
  return plan;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
