import type { ErrorEntry } from './catalogue.js';

const ACTOR_TITLE: Readonly<Record<ErrorEntry['actor'], string>> = {
  user: 'Người dùng / The person',
  portal: 'Nhà phát triển cổng / Portal developer',
  install: 'Cài đặt / Installation',
  token: 'Thiết bị ký / Token',
  internal: 'Nội bộ / Internal',
};

/** The README's error-code section, grouped by who must act (one source: the catalogue). */
export function renderErrorTable(catalogue: Readonly<Record<string, ErrorEntry>>): string {
  const out: string[] = [];
  for (const actor of Object.keys(ACTOR_TITLE) as ErrorEntry['actor'][]) {
    out.push(`\n#### ${ACTOR_TITLE[actor]}\n`, '| Code | Thrown when (vi / en) | How to resolve (vi / en) |', '|---|---|---|');
    for (const [code, e] of Object.entries(catalogue)) {
      if (e.actor !== actor) continue;
      out.push(`| \`${code}\` | ${e.vi}<br>${e.en} | ${e.hintVi}<br>${e.hintEn} |`);
    }
  }
  return out.join('\n');
}
