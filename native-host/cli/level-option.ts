/**
 * `--level` of the sign commands: the baseline level asked for, checked against `--tsa` before the PIN is asked.
 * Every level above B-B needs a time-stamp server; a format offers the levels it can make (PDF all four, CMS up
 * to B-LT).
 */
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { PadesLevel } from '../formats/pdf/ltv/add-long-term-data.js';

/**
 * add-long-term-data.ts's PADES_LEVELS, restated (the type keeps the two in step): importing the value made every
 * sign-* command load the PDF writer and fontkit (~0.3 s of start-up for `kyso sign-xml`).
 */
const PADES_LEVELS: readonly PadesLevel[] = ['B-B', 'B-T', 'B-LT', 'B-LTA'];

export function parseLevel(text: string | undefined, hasTsa: boolean, offered: readonly PadesLevel[] = PADES_LEVELS): PadesLevel {
  const level = text === undefined ? (hasTsa ? 'B-T' : 'B-B') : text.toUpperCase();
  if (!(offered as readonly string[]).includes(level)) throw new KysoError('BAD_REQUEST', { reason: `--level must be one of ${offered.join(', ')}` });
  if (level === 'B-B' && hasTsa) throw new KysoError('BAD_REQUEST', { reason: '--level B-B has no time-stamp: drop --tsa, or choose B-T or higher' });
  if (level !== 'B-B' && !hasTsa) throw new KysoError('BAD_REQUEST', { reason: `--level ${level} needs a time-stamp server: add --tsa URL` });
  return level as PadesLevel;
}
