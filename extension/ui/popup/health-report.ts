/**
 * The popup's health, as report lines: the same block `kyso doctor --report` prints (shared/doctor/report.ts),
 * for what the browser side can see — host found and version, drivers, tokens, certificates, policy.
 */
import { formatReport, type ReportLine } from '../../../shared/doctor/report.js';
import { holderText } from '../../../shared/doctor/certificate-health.js';
import type { PopupHealth } from '../../background/health/popup-health.js';

export type PopupLang = 'vi' | 'en';

const day = (iso: string) => iso.slice(0, 10);

export function healthLines(h: PopupHealth, lang: PopupLang): ReportLine[] {
  const t = (vi: string, en: string) => (lang === 'vi' ? vi : en);
  const lines: ReportLine[] = [];
  lines.push(h.host.found
    ? { status: 'ok', text: t(`host Kyso ${h.host.version ?? '?'} đã trả lời`, `Kyso host ${h.host.version ?? '?'} answered`) }
    : { status: 'fail', text: t(`không tìm thấy host Kyso: ${h.host.errorCode ?? ''} ${h.host.errorVi ?? ''}`, `Kyso host not found: ${h.host.errorCode ?? ''} ${h.host.errorEn ?? ''}`), hint: t('chạy "kyso doctor" trên máy này (hoặc cài lại Kyso)', 'run "kyso doctor" on this computer (or reinstall Kyso)') });
  if (!h.host.found) return [...lines, policyLine(h, lang)];
  const anyLoaded = h.drivers.some((d) => d.loaded);
  for (const d of h.drivers) {
    lines.push(d.loaded ? { status: 'ok', text: t(`driver token: ${d.path}`, `token driver: ${d.path}`) }
      : { status: anyLoaded ? 'warn' : 'fail', text: t(`driver token: ${d.path}: không nạp được (${d.error ?? '?'})`, `token driver: ${d.path}: not loaded (${d.error ?? '?'})`) });
  }
  if (h.tokens.length === 0) lines.push({ status: 'fail', text: t('token: chưa cắm token', 'token: no token plugged in'), hint: t('cắm USB token', 'plug in the USB token') });
  for (const k of h.tokens) {
    lines.push({ status: k.pinLocked ? 'fail' : k.pinLow ? 'warn' : 'ok', text: `token: ${k.label} (${k.manufacturer} ${k.model}, ${t('số sê-ri', 'serial')} ${k.serialNumber})${k.pinLocked ? t(': PIN ĐÃ BỊ KHOÁ', ': PIN LOCKED') : k.pinLow ? t(': đã có lần nhập sai PIN', ': a wrong PIN was entered') : ''}` });
  }
  const usable = h.certificates.some((c) => c.state === 'ok' || c.state === 'expiringSoon');
  for (const c of h.certificates) {
    const who = holderText(c);
    const prefix = t('chứng thư số', 'certificate');
    switch (c.state) {
      case 'ok': lines.push({ status: 'ok', text: `${prefix}: ${who}, ${t('hiệu lực đến', 'valid until')} ${day(c.notAfter)}` }); break;
      case 'expiringSoon': lines.push({ status: 'warn', text: `${prefix}: ${who} ${t(`hết hạn sau ${c.daysLeft} ngày`, `expires in ${c.daysLeft} days`)} (${day(c.notAfter)})`, hint: t('gia hạn chứng thư số với tổ chức cấp', 'renew the certificate with your certificate authority') }); break;
      case 'expired': lines.push({ status: usable ? 'warn' : 'fail', text: `${prefix}: ${who} ${t('ĐÃ HẾT HẠN ngày', 'EXPIRED on')} ${day(c.notAfter)}`, hint: t('gia hạn chứng thư số với tổ chức cấp', 'renew the certificate with your certificate authority') }); break;
      case 'notYetValid': lines.push({ status: usable ? 'warn' : 'fail', text: `${prefix}: ${who} ${t('CHƯA CÓ HIỆU LỰC, bắt đầu từ', 'NOT YET VALID, valid from')} ${c.notBefore}`, hint: t('đồng hồ máy tính có thể bị sai: chỉnh ngày giờ', 'the PC clock may be wrong: set the date and time') }); break;
      case 'unusable': lines.push({ status: usable ? 'warn' : 'fail', text: `${prefix}: ${who} ${t('không dùng để ký được', 'cannot sign')}` }); break;
    }
  }
  if (h.tokens.length && h.certificates.length === 0) lines.push({ status: 'fail', text: t('chứng thư số: token không có chứng thư kèm khoá', 'certificates: none with a key on the token') });
  lines.push(policyLine(h, lang));
  return lines;
}

function policyLine(h: PopupHealth, lang: PopupLang): ReportLine {
  const p = h.policy;
  if (!p.present) return { status: 'ok', text: lang === 'vi' ? 'chính sách quản trị: không có' : 'policy: none' };
  return {
    status: p.problems ? 'warn' : 'ok',
    text: lang === 'vi'
      ? `chính sách quản trị: ${p.allowed} trang được phép, ${p.blocked} bị chặn, người dùng ${p.allowUserOrigins ? 'được' : 'không được'} tự thêm trang${p.problems ? `, ${p.problems} mục sai` : ''}`
      : `policy: ${p.allowed} allowed, ${p.blocked} blocked, the person ${p.allowUserOrigins ? 'may' : 'may not'} add sites${p.problems ? `, ${p.problems} invalid entries` : ''}`,
  };
}

export function popupReport(h: PopupHealth, lang: PopupLang, userAgent: string): string {
  return formatReport(lang, [
    `${lang === 'vi' ? 'Tiện ích' : 'Extension'} Kyso ${h.extensionVersion} · ${userAgent}`,
    `${lang === 'vi' ? 'Thời điểm' : 'Time'}: ${h.checkedAt}`,
  ], healthLines(h, lang));
}
