/**
 * The executable the browser starts: a POSIX shell script that execs Node on the bundled host. The browser
 * needs one absolute path to an executable; a script also lets an install pin the Node binary and, for
 * demos and tests, environment such as SOFTHSM2_CONF.
 */

/** Single-quote a value for sh: '…' with each ' written as '\'' [POSIX sh §2.2.3]. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `{ nodePath, hostScript }`: Node runs the bundled host (a source checkout). `{ executable }`: the single `kyso`
 * executable (npm run package), which is the host when started with the caller as first argument.
 */
export function launcherScript(options: ({ nodePath: string; hostScript: string } | { executable: string }) & { env?: Readonly<Record<string, string>> }): string {
  const command = 'executable' in options ? [options.executable] : [options.nodePath, options.hostScript];
  const exports = Object.entries(options.env ?? {}).map(([name, value]) => {
    if (!ENV_NAME.test(name)) throw new RangeError(`invalid environment variable name: ${name}`);
    return `export ${name}=${shellQuote(value)}`;
  });
  return [
    '#!/bin/sh',
    '# Kyso native messaging host launcher, written by `kyso install`. The browser runs it with the caller',
    '# extension as arguments; stdout must carry protocol frames only.',
    ...exports,
    `exec ${command.map(shellQuote).join(' ')} "$@"`,
    '',
  ].join('\n');
}
