/** Entry of the `kyso` command line. Errors end with a non-zero exit, the code and message on stderr. */
import { COMMANDS } from './commands/index.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { ERROR_CATALOGUE } from '../../shared/errors/catalogue.js';
import { HOST_VERSION } from '../config.js';
import { endIfTokenCallStuck } from '../token/token-call-thread.js';

export async function main(argv: string[]): Promise<number> {
  const code = await runCommand(argv);
  // A token driver stuck in a call would keep the process from ever exiting (token-call-thread.ts).
  endIfTokenCallStuck((message) => process.stderr.write(`kyso: ${message}\n`));
  return code;
}

async function runCommand(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stderr.write(usage());
    return name ? 0 : 2;
  }
  // One place for both entries (bin/kyso.mjs under Node, and the single executable).
  if (name === '--version' || name === '-V') {
    process.stdout.write(`kyso ${HOST_VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`kyso: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    const module = await command.load();
    return await module.run(rest);
  } catch (error) {
    return reportCliError(error);
  }
}

/** Print a typed error as "CODE: Vietnamese message / English message" on stderr; return the exit code. */
export function reportCliError(error: unknown): number {
  if (error instanceof KysoError) {
    const entry = ERROR_CATALOGUE[error.code];
    const details = error.details ? ` ${JSON.stringify(error.details)}` : '';
    process.stderr.write(`kyso: ${error.code}: ${entry.vi} / ${entry.en}${details}\n  → ${entry.hintVi} / ${entry.hintEn}\n`);
    return 1;
  }
  process.stderr.write(`kyso: INTERNAL_ERROR: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  kyso ${name.padEnd(12)} ${c.summary}`);
  return `Kyso — ký số với USB token / sign with your USB token\n\nUsage:\n${lines.join('\n')}\n`;
}
