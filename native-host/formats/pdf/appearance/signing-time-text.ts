/** Times as Vietnamese documents show them, and as PDF dates [ISO 32000-1 §7.9.4]. */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function shifted(time: Date, offsetMinutes: number): Date {
  return new Date(time.getTime() + offsetMinutes * 60_000);
}

function offsetParts(offsetMinutes: number): { sign: string; hours: string; minutes: string } {
  const abs = Math.abs(offsetMinutes);
  return { sign: offsetMinutes < 0 ? '-' : '+', hours: pad(Math.floor(abs / 60)), minutes: pad(abs % 60) };
}

/** "25/11/2026 10:30:00 +07:00" (dd/MM/yyyy, 24-hour clock, explicit offset). */
export function formatVietnameseTime(time: Date, offsetMinutes: number): string {
  const t = shifted(time, offsetMinutes);
  const o = offsetParts(offsetMinutes);
  return `${pad(t.getUTCDate())}/${pad(t.getUTCMonth() + 1)}/${t.getUTCFullYear()} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} ${o.sign}${o.hours}:${o.minutes}`;
}

/** "D:20261125103000+07'00'" [ISO 32000-1 §7.9.4]. */
export function formatPdfDate(time: Date, offsetMinutes: number): string {
  const t = shifted(time, offsetMinutes);
  const o = offsetParts(offsetMinutes);
  return `D:${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}${o.sign}${o.hours}'${o.minutes}'`;
}
