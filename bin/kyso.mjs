#!/usr/bin/env node
// The `kyso` command: runs the built CLI (npm run build writes dist/host/cli.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../dist/host/cli.mjs', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('kyso: the host is not built yet; run "npm run build" first.\n');
  process.exit(2);
}
const { main } = await import(pathToFileURL(cli).href);
process.exitCode = await main(process.argv.slice(2));
