/** `kyso uninstall`: see install.ts. */
import { uninstall } from './install.js';

export function run(argv: string[]): Promise<number> {
  return uninstall(argv);
}
