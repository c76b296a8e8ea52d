/**
 * Which installed TrueType font draws a stamp's text. Decree 30/2020/NĐ-CP Phụ lục I asks for Times New Roman
 * (10 pt) in the copy and appendix marks; Kyso ships no font, so it uses the best one the machine has:
 *
 *   serif:  Times New Roman (Windows, macOS, Linux msttcorefonts) → Liberation Serif (metric-compatible with Times
 *           New Roman: same advance widths, so lines break where they would in Times) → DejaVu Serif → DejaVu Sans
 *   sans:   DejaVu Sans (Kyso's default stamp) → Arial (Windows, macOS)
 *
 * A font is taken only if it has a glyph for every character of the text: Liberation Serif 1.07 (Debian's
 * fonts-liberation) lacks most Vietnamese letters with two marks (ờ, ụ, ế…), Liberation Serif 2 (fonts-liberation2)
 * has them. A stamp never falls back to empty boxes: with no covering font the signature is refused.
 */
import { readFontFile, stampFontFor } from './stamp-font.js';
import { win32 } from 'node:path';
import { KysoError } from '../../../../shared/errors/kyso-error.js';

export type StampTypeface = 'sans' | 'serif';

export interface FontCandidate {
  /** The family name stated to the person (README, CLI output). */
  readonly name: string;
  readonly path: string;
}

export interface ResolvedFont extends FontCandidate {
  readonly bytes: Uint8Array;
}

export interface FontEnvironment {
  readonly platform: NodeJS.Platform;
  /** %WINDIR% on Windows (default C:\Windows). */
  readonly windowsDir?: string | undefined;
  readonly readFile?: (path: string) => Promise<Uint8Array>;
}

const TIMES = 'Times New Roman';
const LIBERATION_SERIF = 'Liberation Serif';
const DEJAVU_SERIF = 'DejaVu Serif';
const DEJAVU_SANS = 'DejaVu Sans';
const ARIAL = 'Arial';

/** Where each family lives, per platform (Debian/Ubuntu, Fedora, Arch paths for Linux). */
export function fontCandidates(typeface: StampTypeface, env: FontEnvironment): FontCandidate[] {
  const windowsFonts = win32.join(env.windowsDir ?? 'C:\\Windows', 'Fonts');
  const at = (name: string, paths: readonly string[]) => paths.map((path) => ({ name, path }));
  const dejavuSans = at(DEJAVU_SANS, ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf', '/usr/share/fonts/TTF/DejaVuSans.ttf']);
  if (env.platform === 'win32') {
    return typeface === 'serif'
      ? [...at(TIMES, [win32.join(windowsFonts, 'times.ttf')]), ...at(ARIAL, [win32.join(windowsFonts, 'arial.ttf')])]
      : at(ARIAL, [win32.join(windowsFonts, 'arial.ttf')]);
  }
  if (env.platform === 'darwin') {
    const times = at(TIMES, ['/System/Library/Fonts/Supplemental/Times New Roman.ttf', '/Library/Fonts/Times New Roman.ttf']);
    const arial = at(ARIAL, ['/System/Library/Fonts/Supplemental/Arial.ttf', '/Library/Fonts/Arial.ttf']);
    return typeface === 'serif' ? [...times, ...arial] : [...dejavuSans, ...arial];
  }
  if (typeface === 'sans') return dejavuSans;
  return [
    ...at(TIMES, ['/usr/share/fonts/truetype/msttcorefonts/Times_New_Roman.ttf', '/usr/share/fonts/truetype/msttcorefonts/times.ttf', '/usr/share/fonts/msttcore/times.ttf', '/usr/share/fonts/TTF/times.ttf']),
    ...at(LIBERATION_SERIF, ['/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf', '/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf', '/usr/share/fonts/liberation-serif/LiberationSerif-Regular.ttf', '/usr/share/fonts/TTF/LiberationSerif-Regular.ttf']),
    ...at(DEJAVU_SERIF, ['/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf', '/usr/share/fonts/dejavu-serif-fonts/DejaVuSerif.ttf', '/usr/share/fonts/TTF/DejaVuSerif.ttf']),
    ...dejavuSans,
  ];
}

/** Does the font have a glyph for every non-space character of `text`? Unreadable font files count as no. */
export function coversText(bytes: Uint8Array, text: string): boolean {
  let font: { hasGlyphForCodePoint(codePoint: number): boolean };
  // Parsed once per font bytes (stamp-font.ts): a batch asks this for every document.
  const stampFont = stampFontFor(bytes);
  try { font = stampFont.fontkit.create(stampFont.bytes) as unknown as typeof font; } catch { return false; }
  // What the font answered per code point, kept with the parsed font: a batch asks for the same letters again.
  let answers = GLYPH_ANSWERS.get(stampFont);
  if (!answers) GLYPH_ANSWERS.set(stampFont, (answers = new Map()));
  // A text found covered before is not checked again (a batch's stamp text changes once a second, with the time).
  let coveredTexts = COVERED_TEXTS.get(stampFont);
  if (!coveredTexts) COVERED_TEXTS.set(stampFont, (coveredTexts = new Set()));
  if (coveredTexts.has(text)) return true;
  for (const char of new Set(text.normalize('NFC'))) {
    if (/\s/.test(char)) continue;
    const codePoint = char.codePointAt(0)!;
    let has = answers.get(codePoint);
    if (has === undefined) answers.set(codePoint, (has = font.hasGlyphForCodePoint(codePoint)));
    if (!has) return false;
  }
  if (coveredTexts.size >= MAX_COVERED_TEXTS) coveredTexts.clear();
  coveredTexts.add(text);
  return true;
}

const GLYPH_ANSWERS = new WeakMap<object, Map<number, boolean>>();
const COVERED_TEXTS = new WeakMap<object, Set<string>>();
const MAX_COVERED_TEXTS = 1024;

/**
 * The first installed candidate font that covers `text` (else the first installed one: the appearance builder then
 * refuses with the missing characters); BAD_REQUEST saying what to install when no candidate is installed.
 */
export async function resolveStampFont(typeface: StampTypeface, text: string, env: FontEnvironment = defaultEnvironment()): Promise<ResolvedFont> {
  const read = env.readFile ?? readFontFile;
  let firstInstalled: ResolvedFont | undefined;
  for (const candidate of keptCandidates(typeface, env)) {
    let bytes: Uint8Array;
    try { bytes = await read(candidate.path); } catch { continue; }
    if (coversText(bytes, text)) return { ...candidate, bytes };
    firstInstalled ??= { ...candidate, bytes };
  }
  // Installed fonts, none covering: the first one, so the appearance builder refuses naming the missing characters.
  if (firstInstalled) return firstInstalled;
  throw new KysoError('BAD_REQUEST', {
    reason: typeface === 'serif'
      ? 'no font for the stamp is installed: install Times New Roman, fonts-liberation2 or fonts-dejavu-core'
      : 'the default font (DejaVu Sans) is not installed: install fonts-dejavu-core or give a font file',
  });
}

/**
 * fontCandidates per typeface and platform, kept: the list is a pure function of them, and a batch asks for it for
 * every document (building it joined Windows paths each time, which showed in a batch's profile).
 */
const CANDIDATES = new Map<string, readonly FontCandidate[]>();
function keptCandidates(typeface: StampTypeface, env: FontEnvironment): readonly FontCandidate[] {
  const key = `${typeface}\u0000${env.platform}\u0000${env.windowsDir ?? ''}`;
  let candidates = CANDIDATES.get(key);
  if (!candidates) {
    candidates = fontCandidates(typeface, env);
    if (CANDIDATES.size < 16) CANDIDATES.set(key, candidates);
  }
  return candidates;
}

function defaultEnvironment(): FontEnvironment {
  // %WINDIR% is read only where it names the fonts' folder: reading the environment showed in a batch's profile.
  const windowsDir = process.platform === 'win32' ? process.env['WINDIR'] ?? process.env['SystemRoot'] : undefined;
  return { platform: process.platform, windowsDir };
}
