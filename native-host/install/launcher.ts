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

export function launcherScript(options: { nodePath: string; hostScript: string; env?: Readonly<Record<string, string>> }): string {
  const exports = Object.entries(options.env ?? {}).map(([name, value]) => {
    if (!ENV_NAME.test(name)) throw new RangeError(`invalid environment variable name: ${name}`);
    return `export ${name}=${shellQuote(value)}`;
  });
  return [
    '#!/bin/sh',
    '# Kyso native messaging host launcher, written by `kyso install`. The browser runs it with the caller',
    '# extension as arguments; stdout must carry protocol frames only.',
    ...exports,
    `exec ${shellQuote(options.nodePath)} ${shellQuote(options.hostScript)} "$@"`,
    '',
  ].join('\n');
}
