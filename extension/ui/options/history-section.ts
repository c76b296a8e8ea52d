/**
 * Options page section "Lịch sử ký / Signing history" (issue 16 §1): the host's signing records, newest first,
 * with a search box, a filter by site and a CSV export of what is shown. Asked of the background with the
 * runtime message `options.history` (extension/background/history/options-history.ts), which only this page
 * may send. Every value shown comes from the history file: text only (el() → textContent), and CSV cells that a
 * spreadsheet would run as a formula are neutralised.
 */
import * as v from 'valibot';
import { browserApi } from '../../platform/browser-api.js';
import { OptionsHistoryReplySchema } from '../../messaging/options-history-messages.js';
import type { SigningRecord } from '../../../shared/protocol/signing-history.js';
import { el } from '../dom.js';
import type { UiLanguage } from './options-text.js';

const TEXT = {
  vi: {
    heading: 'Lịch sử ký', search: 'Tìm kiếm', allSites: 'Mọi trang', export: 'Xuất CSV', none: 'Chưa có lần ký nào.',
    chainOk: (n: number) => `Chuỗi băm nguyên vẹn (${n} bản ghi hiển thị).`, chainBroken: 'Lịch sử đã bị sửa hoặc hỏng:',
    loadFailed: 'Không đọc được lịch sử ký từ Kyso:', ok: 'Đã ký', partial: 'Ký một phần', error: 'Lỗi',
    columns: ['Thời gian', 'Trang', 'Thao tác', 'Tài liệu / mã băm', 'Người ký', 'Kết quả'],
  },
  en: {
    heading: 'Signing history', search: 'Search', allSites: 'All sites', export: 'Export CSV', none: 'No signatures yet.',
    chainOk: (n: number) => `Hash chain intact (${n} records shown).`, chainBroken: 'The history was edited or damaged:',
    loadFailed: 'Could not read the signing history from Kyso:', ok: 'Signed', partial: 'Partly signed', error: 'Error',
    columns: ['Time', 'Site', 'Operation', 'Documents / hashes', 'Signer', 'Result'],
  },
} as const;

let records: SigningRecord[] = [];
let chain: { ok: boolean; problems: readonly string[] } | undefined;
let loadError: string | undefined;
let language: UiLanguage = 'vi';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

/** Build the section's controls once and load the records. */
export function initHistorySection(initialLanguage: UiLanguage): void {
  language = initialLanguage;
  $('history-search').addEventListener('input', () => renderRows());
  $('history-site').addEventListener('change', () => renderRows());
  $('history-export').addEventListener('click', () => exportCsv());
  void loadHistory();
}

export async function loadHistory(): Promise<void> {
  try {
    const reply = v.parse(OptionsHistoryReplySchema, await browserApi.sendMessage({ kind: 'options.history', query: {} }));
    if (reply.ok) {
      records = reply.result.records;
      chain = reply.result.chain;
      loadError = undefined;
    } else {
      loadError = `${reply.error.code}: ${language === 'vi' ? reply.error.message : reply.error.messageEn}`;
    }
  } catch (error) {
    loadError = error instanceof Error ? error.message : String(error);
  }
  renderHistorySection(language);
}

export function renderHistorySection(next: UiLanguage): void {
  language = next;
  const t = TEXT[language];
  $('history-heading').textContent = t.heading;
  $('history-search-label').textContent = t.search;
  $('history-export').textContent = t.export;
  const select = $<HTMLSelectElement>('history-site');
  const chosen = select.value;
  select.replaceChildren(el('option', { text: t.allSites }), ...sites().map((site) => el('option', { text: site })));
  (select.options[0] as HTMLOptionElement).value = '';
  select.value = sites().includes(chosen) ? chosen : '';
  renderRows();
}

function sites(): string[] {
  return [...new Set(records.flatMap((r) => [r.origin, ...(r.topOrigin ? [r.topOrigin] : [])]))].sort();
}

/** The records the search box and the site filter leave. */
function shown(): SigningRecord[] {
  const site = $<HTMLSelectElement>('history-site').value;
  const words = $<HTMLInputElement>('history-search').value.toLowerCase().split(/\s+/).filter(Boolean);
  return records.filter((r) => (site === '' || r.origin === site || r.topOrigin === site)
    && words.every((w) => searchableText(r).includes(w)));
}

function searchableText(r: SigningRecord): string {
  return [r.time, r.origin, r.topOrigin, r.operation, r.pageOperation, r.description, r.result, r.error, r.certificate?.holder, ...(r.certificate?.identifiers ?? []),
    r.certificate?.fingerprintSha256, r.token?.label, ...r.items.flatMap((i) => [i.name, i.sha256, i.digest, i.resultSha256, i.error])]
    .filter((x): x is string => typeof x === 'string').join(' ').toLowerCase();
}

function renderRows(): void {
  const t = TEXT[language];
  const rows = shown();
  const body = $('history-rows');
  body.replaceChildren(el('tr', {}, ...t.columns.map((c) => el('th', { text: c }))));
  for (const r of rows) {
    const tr = el('tr', { testid: 'history-row' },
      el('td', { text: new Date(r.time).toLocaleString(language === 'vi' ? 'vi-VN' : 'en-GB') }),
      el('td', { text: r.topOrigin ? `${r.origin} (${r.topOrigin})` : r.origin, className: 'origin' }),
      el('td', { text: [r.pageOperation ?? r.operation, r.description].filter(Boolean).join(' — ') }),
      el('td', { lines: r.items.map(itemText).join('\n'), className: 'hashes' }),
      el('td', { text: r.certificate ? `${r.certificate.holder ?? ''} ${r.certificate.identifiers.join(', ')}`.trim() : '' }),
      el('td', { text: r.result === 'ok' ? t.ok : `${r.result === 'partial' ? t.partial : t.error} ${r.error ?? ''}`.trim() }));
    tr.dataset['origin'] = r.origin;
    tr.dataset['seq'] = String(r.seq);
    body.append(tr);
  }
  $('history-none').hidden = records.length > 0 || loadError !== undefined;
  $('history-none').textContent = t.none;
  const status = $('history-chain');
  status.replaceChildren();
  if (loadError !== undefined) {
    status.className = 'error';
    status.append(el('span', { text: `${t.loadFailed} ${loadError}` }));
  } else if (chain && !chain.ok) {
    status.className = 'error';
    status.append(el('span', { text: t.chainBroken }), el('ul', {}, ...chain.problems.map((p) => el('li', { text: p }))));
  } else {
    status.className = 'muted';
    status.append(el('span', { text: t.chainOk(rows.length) }));
  }
  status.dataset['ok'] = String(loadError === undefined && (chain?.ok ?? true));
}

function itemText(i: SigningRecord['items'][number]): string {
  const label = i.name ?? (i.kind === 'digest' ? `${i.hashAlgorithm ?? ''} digest` : i.kind);
  return `${label}: ${i.digest ?? i.sha256 ?? ''}${i.error ? ` (${i.error})` : ''}`;
}

const CSV_COLUMNS = ['seq', 'time', 'origin', 'topOrigin', 'operation', 'pageOperation', 'description', 'documents', 'sha256', 'holder', 'identifiers',
  'fingerprintSha256', 'token', 'result', 'error'] as const;

/** RFC 4180 CSV of the rows shown; a cell starting with = + - @ (or tab/CR) gets a leading ' so no spreadsheet runs it. */
export function historyCsv(rows: readonly SigningRecord[]): string {
  const cell = (value: string | number | undefined) => {
    let text = value === undefined ? '' : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = rows.map((r) => [
    r.seq, r.time, r.origin, r.topOrigin, r.operation, r.pageOperation, r.description,
    r.items.map((i) => i.name ?? i.kind).join('; '), r.items.map((i) => i.digest ?? i.sha256 ?? '').join('; '),
    r.certificate?.holder, r.certificate?.identifiers.join('; '), r.certificate?.fingerprintSha256, r.token?.label, r.result, r.error,
  ].map(cell).join(','));
  return `${[CSV_COLUMNS.join(','), ...lines].join('\r\n')}\r\n`;
}

function exportCsv(): void {
  // UTF-8 BOM: spreadsheet programs then read Vietnamese names correctly.
  const blob = new Blob(['\uFEFF', historyCsv(shown())], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = el('a');
  a.href = url;
  a.download = 'kyso-signing-history.csv';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
