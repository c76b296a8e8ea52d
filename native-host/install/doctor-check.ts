/**
 * One `kyso doctor` check = one link of the chain a help-desk call walks through (browser → manifest →
 * extension id → launcher → host → driver → token → certificate → clock → trust → policy). Each carries its
 * Vietnamese and English line so the CLI, `--json` and `--report` say the same thing in either language.
 */
import { homedir } from 'node:os';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';
export type DoctorLang = 'vi' | 'en';

export interface Bilingual {
  readonly vi: string;
  readonly en: string;
}

export interface CheckResult {
  /** Stable machine id of the link, e.g. "manifest:chromium", "extension-id:chrome", "certificate:<id>", "clock". */
  readonly id: string;
  readonly status: CheckStatus;
  /** The whole line in Vietnamese / English. */
  readonly vi: string;
  readonly en: string;
  /** What to do about it, when not ok. */
  readonly hint?: Bilingual;
  /** Structured facts for tools (paths, dates, counts). Never a PIN, never document data. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** English group name and detail (the `kyso doctor --json` fields from before the ids; kept for tools). */
  readonly name: string;
  readonly detail: string;
}

/** Build a check whose English line is "name: detail" (what earlier versions printed). */
export function check(
  id: string,
  status: CheckStatus,
  name: Bilingual,
  detail: Bilingual,
  more: { hint?: Bilingual; details?: Record<string, unknown> } = {},
): CheckResult {
  return {
    id, status,
    vi: `${name.vi}: ${detail.vi}`,
    en: `${name.en}: ${detail.en}`,
    ...(more.hint ? { hint: more.hint } : {}),
    ...(more.details ? { details: more.details } : {}),
    name: name.en,
    detail: detail.en,
  };
}

/** Same words in both languages (paths, versions). */
export function both(text: string): Bilingual {
  return { vi: text, en: text };
}

/**
 * The language a person reads: `--lang` when given; otherwise English only when the locale says English
 * (LC_ALL, then LC_MESSAGES, then LANG — POSIX precedence); Vietnamese by default (VGCA's help desk).
 */
export function doctorLanguage(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): DoctorLang {
  if (flag === 'en' || flag === 'vi') return flag;
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^en([_.@-]|$)/i.test(locale) ? 'en' : 'vi';
}

/** Text with the home folder written as "~" wherever it appears (its name is often the person's login name). */
export function hideHome(text: string, home = homedir()): string {
  return home && home.length > 1 ? text.split(home).join('~') : text;
}
