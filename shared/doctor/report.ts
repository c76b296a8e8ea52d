/**
 * The copy-paste block a person sends to the help desk (`kyso doctor --report`, the popup's "copy report").
 * It carries versions, the OS and one line per check. By construction it never holds a PIN (no check ever
 * has one) nor document data; about the person it names only certificate holders and their identifiers.
 */
export type ReportStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface ReportLine {
  readonly status: ReportStatus;
  readonly text: string;
  readonly hint?: string;
}

export const REPORT_MARK: Readonly<Record<ReportStatus, string>> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

const TITLE = { vi: 'KYSO — BÁO CÁO GỬI BỘ PHẬN HỖ TRỢ', en: 'KYSO — HELP DESK REPORT' };
const END = { vi: 'HẾT BÁO CÁO', en: 'END OF REPORT' };
const SUMMARY = {
  vi: (fail: number, warn: number) => `Tóm tắt: ${fail} lỗi, ${warn} cảnh báo`,
  en: (fail: number, warn: number) => `Summary: ${fail} failed, ${warn} warnings`,
};

export function formatReport(lang: 'vi' | 'en', header: readonly string[], lines: readonly ReportLine[]): string {
  const fail = lines.filter((l) => l.status === 'fail').length;
  const warn = lines.filter((l) => l.status === 'warn').length;
  const out = [`===== ${TITLE[lang]} =====`, ...header, SUMMARY[lang](fail, warn), ''];
  for (const l of lines) {
    out.push(`${REPORT_MARK[l.status]} ${l.text}`);
    if (l.hint && l.status !== 'ok') out.push(`    → ${l.hint}`);
  }
  out.push(`===== ${END[lang]} =====`);
  return `${out.join('\n')}\n`;
}
