/**
 * The PAdES baseline levels [ETSI EN 319 142-1 §6.1], apart from the code that makes them: the CLI checks `--level`
 * before the PIN is asked without loading pdf-lib and the validation-data code (add-long-term-data.ts re-exports these).
 */
export const PADES_LEVELS = ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const;
export type PadesLevel = (typeof PADES_LEVELS)[number];
/** The levels that add data after the signature. */
export type LongTermLevel = Extract<PadesLevel, 'B-LT' | 'B-LTA'>;

export function isLongTermLevel(level: PadesLevel): level is LongTermLevel {
  return level === 'B-LT' || level === 'B-LTA';
}
