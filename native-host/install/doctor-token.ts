/**
 * Token links: PKCS#11 drivers (found, loadable), the tokens each driver sees, the certificates on them
 * (expired, expiring within 30 days, not yet valid) and the clock (a certificate "not yet valid" usually
 * means the PC's clock is behind, not that the certificate is wrong).
 */
import { existsSync } from 'node:fs';
import { TokenService } from '../token/token-service.js';
import type { DriverStatus } from '../token/drivers/driver-status.js';
import { driverHealthFile } from '../token/drivers/driver-health.js';
import { serializeError } from '../../shared/errors/kyso-error.js';
import type { CertificateInfo, TokenInfo } from '../../shared/protocol/common.js';
import { certificateHealth, EXPIRY_WARNING_DAYS, holderText, type CertificateHealth } from '../../shared/doctor/certificate-health.js';
import { both, check, type Bilingual, type CheckResult } from './doctor-check.js';

const FOUND_BY: Record<NonNullable<DriverStatus['foundBy']>, Bilingual> = {
  environment: { vi: 'từ KYSO_PKCS11_MODULE', en: 'from KYSO_PKCS11_MODULE' },
  'config-file': { vi: 'từ tệp cấu hình', en: 'from the config file' },
  'p11-kit': { vi: 'đăng ký với p11-kit', en: 'registered with p11-kit' },
  'known-path': { vi: 'vị trí driver đã biết', en: 'known driver location' },
};

const DRIVER = { vi: 'driver token', en: 'token driver' };

/** One line per driver: what it is, how it was found, and why it was skipped if it was. */
export function driverCheck(m: DriverStatus, anotherLoaded: boolean): CheckResult {
  const how = (lang: keyof Bilingual) => (m.foundBy ? ` (${FOUND_BY[m.foundBy][lang]}${m.registeredIn ? `: ${m.registeredIn}` : ''})` : '');
  const what = (lang: keyof Bilingual) => `${m.vendor ? `${m.vendor}: ` : ''}${m.path}${how(lang)}`;
  const details = { path: m.path, loaded: m.loaded, ...(m.error ? { error: m.error } : {}), ...(m.vendor ? { vendor: m.vendor } : {}), ...(m.foundBy ? { foundBy: m.foundBy } : {}) };
  if (m.loaded) {
    const lib = m.library ? ` — ${m.library}` : '';
    return check(`driver:${m.path}`, 'ok', DRIVER, { vi: `${what('vi')}${lib}`, en: `${what('en')}${lib}` }, { details });
  }
  const status = anotherLoaded ? 'warn' : 'fail';
  const why = `${m.error ?? 'not loaded'}${m.detail ? ` — ${m.detail}` : ''}`;
  // The file is simply not there (a typo in KYSO_PKCS11_MODULE, a driver uninstalled): its own message.
  if ((m.error === undefined || m.error === 'PKCS11_MODULE_NOT_FOUND') && !existsSync(m.path)) {
    return check(`driver:${m.path}`, status, DRIVER,
      { vi: `${what('vi')}: không có tệp driver này (${why})`, en: `${what('en')}: the driver file does not exist (${why})` },
      { hint: { vi: 'cài driver của token (phần mềm đi kèm token từ nhà cung cấp), hoặc sửa KYSO_PKCS11_MODULE / ~/.config/kyso/config.json', en: 'install the token driver from its maker, or correct KYSO_PKCS11_MODULE / ~/.config/kyso/config.json' }, details: { ...details, problem: 'missing' } });
  }
  const hint: Bilingual = m.error === 'TOKEN_NOT_RESPONDING'
    ? { vi: 'driver không trả lời khi liệt kê token: rút token ra cắm lại; nếu lặp lại, cài driver mới nhất từ nhà sản xuất token', en: 'the driver did not answer while listing its tokens: unplug and replug the token; if it repeats, install the newest driver from the token\'s maker' }
    : m.error === 'DRIVER_HUNG' || m.error === 'DRIVER_CRASHED'
    ? { vi: `cài driver mới nhất từ nhà sản xuất token, hoặc gỡ driver này; Kyso thử lại khi tệp driver thay đổi (hoặc xoá ${driverHealthFile()} để thử ngay)`, en: `install the newest driver from the token's maker, or remove this one; Kyso tries it again when the file changes (or delete ${driverHealthFile()} to try now)` }
    : m.error === 'DRIVER_NOT_FOR_THIS_CPU'
      ? { vi: `cài bản driver dành cho máy này (${process.arch})`, en: `install the driver built for this computer (${process.arch})` }
      // C_Initialize refused its (absent) parameters: NSS's softoken and the like need their init string.
      : m.error === 'CKR_ARGUMENTS_BAD'
        ? { vi: 'driver này cần tham số khởi tạo (ví dụ NSS softoken: configdir=…): đặt KYSO_PKCS11_INIT_ARGS hoặc "initArgs" trong tệp cấu hình (xem docs/tokens.md)', en: 'this driver needs initialisation parameters (NSS softoken: configdir=…): set KYSO_PKCS11_INIT_ARGS or "initArgs" in the config file (see docs/tokens.md)' }
      : m.error?.startsWith('CKR_')
        ? { vi: 'driver đã nạp nhưng không khởi động được: cài lại từ nhà sản xuất token (có thể dịch vụ đầu đọc chưa chạy)', en: 'the driver loaded but refused to start: reinstall it from the token\'s maker (its reader service may not be running)' }
        : { vi: 'kiểm tra đường dẫn driver và driver phải đúng loại máy này (64-bit)', en: 'check the driver path and that it matches this computer (64-bit)' };
  // A broken driver next to a working one does not stop signing: a warning, not a failure.
  return check(`driver:${m.path}`, status, DRIVER, { vi: `${what('vi')}: ${why}`, en: `${what('en')}: ${why}` }, { hint, details });
}

function tokenCheck(t: TokenInfo): CheckResult {
  const state: Bilingual = t.flags.userPinLocked ? { vi: 'PIN ĐÃ BỊ KHOÁ', en: 'PIN LOCKED' }
    : t.flags.userPinFinalTry ? { vi: 'chỉ còn một lần nhập PIN', en: 'one PIN try left' }
      : t.flags.userPinCountLow ? { vi: 'đã có lần nhập sai PIN', en: 'a wrong PIN was entered' }
        : { vi: 'PIN bình thường', en: 'PIN ok' };
  const driver = t.driver ? `${t.driver.file}` : '';
  return check(`token:${t.id}`, t.flags.userPinLocked ? 'fail' : t.flags.userPinFinalTry || t.flags.userPinCountLow ? 'warn' : 'ok',
    { vi: 'token', en: 'token' },
    {
      vi: `${t.label} (${t.manufacturer} ${t.model}, số sê-ri ${t.serialNumber}${driver ? `, driver ${driver}` : ''}): ${state.vi}`,
      en: `${t.label} (${t.manufacturer} ${t.model}, serial ${t.serialNumber}${driver ? `, driver ${driver}` : ''}): ${state.en}`,
    },
    { ...(t.flags.userPinLocked ? { hint: { vi: 'liên hệ tổ chức cấp chứng thư số để mở khoá', en: 'ask your certificate authority to unlock it' } } : {}), details: { label: t.label, serialNumber: t.serialNumber, manufacturer: t.manufacturer, model: t.model, ...(t.driver ? { driver: t.driver.file } : {}) } });
}

const day = (iso: string) => iso.slice(0, 10);
const CERTIFICATE = { vi: 'chứng thư số', en: 'certificate' };

/** One line per certificate; `anotherUsable` turns a dead certificate beside a good one into a warning. */
export function certificateCheck(cert: CertificateInfo, now: Date, anotherUsable: boolean): CheckResult {
  const h = certificateHealth(cert, now);
  const who = holderText(h);
  const details = { holder: h.holder, identifiers: h.identifiers, notBefore: h.notBefore, notAfter: h.notAfter, state: h.state, daysLeft: h.daysLeft, ...(cert.issuer.ca ? { ca: cert.issuer.ca } : {}) };
  const renew = { vi: 'gia hạn chứng thư số với tổ chức cấp (VGCA, VNPT-CA…)', en: 'renew the certificate with your certificate authority' };
  switch (h.state) {
    case 'ok':
      return check(`certificate:${cert.id}`, 'ok', CERTIFICATE, { vi: `${who}, hiệu lực đến ${day(h.notAfter)}`, en: `${who}, valid until ${day(h.notAfter)}` }, { details });
    case 'expiringSoon':
      return check(`certificate:${cert.id}`, 'warn', CERTIFICATE,
        { vi: `${who} hết hạn sau ${h.daysLeft} ngày (${day(h.notAfter)})`, en: `${who} expires in ${h.daysLeft} days (${day(h.notAfter)})` }, { hint: renew, details });
    case 'expired':
      return check(`certificate:${cert.id}`, anotherUsable ? 'warn' : 'fail', CERTIFICATE,
        { vi: `${who} ĐÃ HẾT HẠN ngày ${day(h.notAfter)}`, en: `${who} EXPIRED on ${day(h.notAfter)}` }, { hint: renew, details });
    case 'notYetValid':
      return check(`certificate:${cert.id}`, anotherUsable ? 'warn' : 'fail', CERTIFICATE,
        { vi: `${who} CHƯA CÓ HIỆU LỰC: bắt đầu từ ${h.notBefore}, đồng hồ máy đang là ${now.toISOString()}`, en: `${who} NOT YET VALID: valid from ${h.notBefore}, this PC's clock says ${now.toISOString()}` },
        { hint: { vi: 'đồng hồ máy tính có thể bị sai: chỉnh ngày giờ (bật đồng bộ thời gian tự động)', en: 'the PC clock may be wrong: set the date and time (turn on automatic time sync)' }, details });
    case 'unusable':
      return check(`certificate:${cert.id}`, anotherUsable ? 'warn' : 'fail', CERTIFICATE,
        { vi: `${who}: không dùng để ký được (${cert.unusableReasons.join(', ')})`, en: `${who}: cannot sign (${cert.unusableReasons.join(', ')})` }, { hint: renew, details });
  }
}

/** The clock link: judged from the certificates (no network): a certificate that starts in the future says the clock is behind. */
export function clockCheck(now: Date, healths: readonly CertificateHealth[]): CheckResult {
  const name = { vi: 'đồng hồ máy', en: 'clock' };
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const early = healths.filter((h) => h.state === 'notYetValid');
  const details = { now: now.toISOString(), timeZone: zone };
  // No certificate Kyso can meet was issued before this year: a clock before it is wrong whatever the token holds.
  if (now.getUTCFullYear() < 2024) {
    return check('clock', 'fail', name, { vi: `máy đang ở ngày ${now.toISOString()}: đồng hồ bị sai`, en: `this PC says ${now.toISOString()}: the clock is wrong` },
      { hint: { vi: 'chỉnh ngày giờ máy tính', en: 'set the computer\'s date and time' }, details });
  }
  if (early.length) {
    const first = early[0]!;
    return check('clock', healths.some((h) => h.state === 'ok' || h.state === 'expiringSoon') ? 'warn' : 'fail', name,
      { vi: `${now.toISOString()} (${zone}) — sớm hơn ngày bắt đầu của chứng thư ${holderText(first)} (${first.notBefore}): đồng hồ máy có thể bị chậm`,
        en: `${now.toISOString()} (${zone}) — before the start of ${holderText(first)}'s certificate (${first.notBefore}): the PC clock may be behind` },
      { hint: { vi: 'chỉnh ngày giờ máy tính (bật đồng bộ thời gian tự động), rồi thử ký lại', en: 'set the computer\'s date and time (turn on automatic time sync), then sign again' }, details });
  }
  return check('clock', 'ok', name, both(`${now.toISOString()} (${zone})`), { details });
}

export interface TokenLinks {
  readonly checks: CheckResult[];
  readonly certificates: readonly CertificateHealth[];
}

export async function checkToken(now: Date = new Date()): Promise<TokenLinks> {
  const results: CheckResult[] = [];
  let healths: CertificateHealth[] = [];
  const service = new TokenService();
  try {
    const modules = service.modules();
    if (modules.length === 0) {
      results.push(check('drivers', 'fail', DRIVER,
        { vi: 'không tìm thấy driver PKCS#11 nào', en: 'no PKCS#11 module configured or found' },
        { hint: { vi: 'cài driver của token (docs/tokens.md liệt kê nơi Kyso tìm), hoặc đặt KYSO_PKCS11_MODULE / ~/.config/kyso/config.json', en: 'install the token driver (docs/tokens.md lists where Kyso looks), or set KYSO_PKCS11_MODULE / ~/.config/kyso/config.json' } }));
      return { checks: [...results, clockCheck(now, [])], certificates: [] };
    }
    const anyLoaded = modules.some((m) => m.loaded);
    for (const m of modules) results.push(driverCheck(m, anyLoaded));
    if (!anyLoaded) return { checks: [...results, clockCheck(now, [])], certificates: [] };
    const tokens = await service.listTokens();
    // A driver that stopped answering in this listing (given up after its bound) is named in its own line.
    for (const m of service.modules()) {
      const at = results.findIndex((r) => r.id === `driver:${m.path}`);
      if (at >= 0 && m.error === 'TOKEN_NOT_RESPONDING') results[at] = driverCheck(m, true);
    }
    if (tokens.length === 0) {
      const loaded = modules.filter((m) => m.loaded).map((m) => m.path).join(', ');
      results.push(check('tokens', 'fail', { vi: 'token', en: 'token' },
        { vi: `chưa cắm token: driver ${loaded} không thấy token nào`, en: `no token plugged in: driver ${loaded} sees no token` },
        { hint: { vi: 'cắm USB token (thử cổng USB khác; đèn token phải sáng)', en: 'plug in the USB token (try another USB port; its light should be on)' }, details: { drivers: modules.filter((m) => m.loaded).map((m) => m.path) } }));
      return { checks: [...results, clockCheck(now, [])], certificates: [] };
    }
    for (const t of tokens) results.push(tokenCheck(t));
    // Only certificates with a key on the token are the person's own; CA certificates stored beside them are not.
    const certs = (await service.listCertificates()).filter((c) => !c.unusableReasons.includes('noPrivateKey'));
    healths = certs.map((c) => certificateHealth(c, now));
    const usable = certs.filter((_, i) => healths[i]!.state === 'ok' || healths[i]!.state === 'expiringSoon');
    for (const c of certs) results.push(certificateCheck(c, now, usable.length > 0));
    results.push(usable.length
      ? check('certificates', 'ok', { vi: 'chứng thư số', en: 'certificates' },
        { vi: `${usable.length} dùng được: ${usable.map((c) => `${holderText(certificateHealth(c, now))} đến ${day(c.notAfter)}`).join('; ')}`,
          en: `${usable.length} usable: ${usable.map((c) => `${holderText(certificateHealth(c, now))} until ${day(c.notAfter)}`).join('; ')}` },
        { details: { usable: usable.length, total: certs.length, expiringWithinDays: EXPIRY_WARNING_DAYS, expiringSoon: healths.filter((h) => h.state === 'expiringSoon').length } })
      : check('certificates', 'fail', { vi: 'chứng thư số', en: 'certificates' },
        { vi: `có ${certs.length}, không cái nào dùng được (${[...new Set(healths.map((h) => h.state))].join(', ') || 'token không có chứng thư kèm khoá'})`,
          en: `${certs.length} found, none usable (${[...new Set(healths.map((h) => h.state))].join(', ') || 'none on the token'})` },
        { hint: { vi: 'gia hạn hoặc xin cấp chứng thư số với tổ chức cấp', en: 'renew the certificate with your certificate authority' }, details: { usable: 0, total: certs.length } }));
  } catch (error) {
    const e = serializeError(error, 'en');
    const vi = serializeError(error, 'vi');
    results.push(check('token', 'fail', { vi: 'token', en: 'token' }, { vi: `${vi.code}: ${vi.message}`, en: `${e.code}: ${e.messageEn}` }));
  } finally {
    service.close();
  }
  return { checks: [...results, clockCheck(now, healths)], certificates: healths };
}
