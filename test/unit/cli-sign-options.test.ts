/** Argument parsing, output planning and PIN reading shared by the `kyso sign-*` commands. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseSignArgs, planOutputs } from '../../native-host/cli/sign-options.js';
import { checkPinFormat, readPin } from '../../native-host/cli/read-pin.js';
import { KysoError } from '../../shared/errors/kyso-error.js';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof KysoError ? error.code : 'not a KysoError';
  }
};

describe('parseSignArgs', () => {
  it('reads inputs, -o, --cert, --hash-alg and command flags', () => {
    const args = parseSignArgs(['a.xml', 'b.xml', '-o', 'out', '--cert', 'MST:0101234567', '--hash-alg', 'sha-384', '--xades', '--parent', 'DSCKS/NBan', '--pin-stdin'],
      { flags: ['xades'], values: ['parent'] });
    expect(args.inputs).toEqual(['a.xml', 'b.xml']);
    expect(args.output).toBe('out');
    expect(args.certificate).toBe('MST:0101234567');
    expect(args.hashAlgorithm).toBe('SHA-384');
    expect(args.pinFromStdin).toBe(true);
    expect(args.flags.has('xades')).toBe(true);
    expect(args.values.get('parent')).toBe('DSCKS/NBan');
  });

  it.each([
    ['a PIN on the command line', ['a', '-o', 'b', '--pin', '123456'], 'BAD_REQUEST'],
    ['a PIN as --pin=', ['a', '-o', 'b', '--pin=123456'], 'BAD_REQUEST'],
    ['an unknown flag', ['a', '-o', 'b', '--frobnicate'], 'BAD_REQUEST'],
    ['no input', ['-o', 'b'], 'BAD_REQUEST'],
    ['no output', ['a'], 'BAD_REQUEST'],
    ['MD5', ['a', '-o', 'b', '--hash-alg', 'MD5'], 'UNSUPPORTED_ALGORITHM'],
  ])('refuses %s', (_name, argv, expected) => {
    expect(code(() => parseSignArgs(argv))).toBe(expected);
  });

  it('takes the argument after --cert / -o as the value even when it starts with a dash (random certificate ids)', () => {
    const args = parseSignArgs(['a.pdf', '-o', '-out.pdf', '--cert', '-Xq3_k9', '--', '--literal.pdf']);
    expect(args.certificate).toBe('-Xq3_k9');
    expect(args.output).toBe('-out.pdf');
    expect(args.inputs).toEqual(['a.pdf', '--literal.pdf']);
  });

  it('never puts the PIN in the error details', () => {
    try {
      parseSignArgs(['a', '-o', 'b', '--pin', '987654']);
    } catch (error) {
      expect(JSON.stringify((error as KysoError).details)).not.toContain('987654');
    }
  });
});

describe('planOutputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-plan-'));
  writeFileSync(join(dir, 'a.xml'), '<a/>');

  it('one input, -o FILE', () => {
    expect(planOutputs({ inputs: ['x/a.xml'], output: 'y/a-signed.xml' }, (n) => n)).toEqual([{ input: 'x/a.xml', output: 'y/a-signed.xml' }]);
  });
  it('several inputs into an existing directory, named by the command', () => {
    expect(planOutputs({ inputs: ['x/a.txt', 'z/b.txt'], output: dir }, (n) => `${n}.p7s`).map((p) => p.output))
      .toEqual([join(dir, 'a.txt.p7s'), join(dir, 'b.txt.p7s')]);
  });
  it('refuses several inputs without a directory, overwriting an input, and two inputs on one output', () => {
    expect(code(() => planOutputs({ inputs: ['a', 'b'], output: join(dir, 'missing') }, (n) => n))).toBe('BAD_REQUEST');
    expect(code(() => planOutputs({ inputs: [join(dir, 'a.xml')], output: dir }, (n) => n))).toBe('BAD_REQUEST');
    expect(code(() => planOutputs({ inputs: ['x/a.xml', 'y/a.xml'], output: dir }, (n) => n))).toBe('BAD_REQUEST');
  });
});

describe('readPin', () => {
  const stdin = (text: string) => {
    const stream = new PassThrough();
    stream.end(text);
    return stream as unknown as NodeJS.ReadStream;
  };
  it('takes the first line of stdin (LF or CRLF) and ignores the rest', async () => {
    await expect(readPin({ fromStdin: true, input: stdin('123456\nsecond line\n') })).resolves.toBe('123456');
    await expect(readPin({ fromStdin: true, input: stdin('12345678\r\n') })).resolves.toBe('12345678');
    await expect(readPin({ fromStdin: true, input: stdin('4321') })).resolves.toBe('4321');
  });
  it('refuses an empty or too short PIN with PIN_INVALID_FORMAT', async () => {
    await expect(readPin({ fromStdin: true, input: stdin('\n') })).rejects.toMatchObject({ code: 'PIN_INVALID_FORMAT' });
    await expect(readPin({ fromStdin: true, input: stdin('12\n') })).rejects.toMatchObject({ code: 'PIN_INVALID_FORMAT' });
    expect(code(() => checkPinFormat('12\u000734'))).toBe('PIN_INVALID_FORMAT');
  });
  it('without --pin-stdin and without a terminal, says to use --pin-stdin instead of waiting', async () => {
    await expect(readPin({ fromStdin: false, input: stdin('123456\n') })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
