/** `kyso doctor` pieces that need no token: language choice, home folder hiding, certificate and clock wording, policy files. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doctorLanguage, hideHome } from '../../native-host/install/doctor-check.js';
import { certificateCheck, clockCheck } from '../../native-host/install/doctor-token.js';
import { checkPolicy } from '../../native-host/install/doctor-policy.js';
import { certificateHealth } from '../../shared/doctor/certificate-health.js';
import { formatReport } from '../../shared/doctor/report.js';
import type { CertificateInfo } from '../../shared/protocol/common.js';

const KYSO_ID = 'abddkodjbciaefbbillgfgplhpgfcokp';
const NOW = new Date('2026-12-02T04:00:00Z');
const DAY = 86_400_000;

function cert(notBefore: Date, notAfter: Date): CertificateInfo {
  return {
    id: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', der: '', serialNumber: '01', keyType: 'RSA', keyBits: 2048, keyUsage: ['digitalSignature'], extendedKeyUsage: [], policies: [],
    fingerprintSha256: '0'.repeat(64), unusableReasons: [],
    subject: { dn: 'CN=Nguyễn Văn An,UID=CCCD:001099012345,L=Hà Nội', commonName: 'Nguyễn Văn An', identifiers: { all: ['CCCD:001099012345'] } } as CertificateInfo['subject'],
    issuer: { dn: 'CN=Test CA', commonName: 'Test CA' } as CertificateInfo['issuer'],
    notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString(),
  };
}

describe('language', () => {
  it('Vietnamese by default; English for --lang en or an English locale; LC_ALL before LANG', () => {
    expect(doctorLanguage(undefined, {})).toBe('vi');
    expect(doctorLanguage(undefined, { LANG: 'C.UTF-8' })).toBe('vi');
    expect(doctorLanguage(undefined, { LANG: 'vi_VN.UTF-8' })).toBe('vi');
    expect(doctorLanguage(undefined, { LANG: 'en_US.UTF-8' })).toBe('en');
    expect(doctorLanguage(undefined, { LANG: 'en_US.UTF-8', LC_ALL: 'vi_VN.UTF-8' })).toBe('vi');
    expect(doctorLanguage('en', { LANG: 'vi_VN.UTF-8' })).toBe('en');
    expect(doctorLanguage('vi', { LC_ALL: 'en_GB' })).toBe('vi');
  });

  it('the home folder (often the login name) is written as ~ everywhere in a line', () => {
    expect(hideHome('no /home/an/.config/x.json (/home/an/kyso)', '/home/an')).toBe('no ~/.config/x.json (~/kyso)');
    expect(hideHome('/etc/x', '/')).toBe('/etc/x');
  });
});

describe('certificates and the clock', () => {
  it('valid, expiring within 30 days, expired, not yet valid: each its own status and words', () => {
    expect(certificateCheck(cert(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 400 * DAY)), NOW, false)).toMatchObject({ status: 'ok', en: 'certificate: Nguyễn Văn An [CCCD:001099012345], valid until 2028-01-06' });
    expect(certificateCheck(cert(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 29.5 * DAY)), NOW, false)).toMatchObject({ status: 'warn', en: expect.stringContaining('expires in 29 days'), vi: expect.stringContaining('hết hạn sau 29 ngày') });
    expect(certificateCheck(cert(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 31 * DAY)), NOW, false).status).toBe('ok');
    const expired = cert(new Date(NOW.getTime() - 400 * DAY), new Date(NOW.getTime() - DAY));
    expect(certificateCheck(expired, NOW, false)).toMatchObject({ status: 'fail', en: expect.stringContaining('EXPIRED on 2026-12-01') });
    expect(certificateCheck(expired, NOW, true).status).toBe('warn'); // another certificate still signs
    const future = cert(new Date(NOW.getTime() + 3 * DAY), new Date(NOW.getTime() + 400 * DAY));
    expect(certificateCheck(future, NOW, false)).toMatchObject({ status: 'fail', en: expect.stringContaining('NOT YET VALID'), hint: { en: expect.stringContaining('the PC clock may be wrong') } });
  });

  it('the clock: ok normally, suspicious before a certificate starts, wrong before 2024', () => {
    const ok = certificateHealth(cert(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 400 * DAY)), NOW);
    const early = certificateHealth(cert(new Date(NOW.getTime() + 3 * DAY), new Date(NOW.getTime() + 400 * DAY)), NOW);
    expect(clockCheck(NOW, [ok]).status).toBe('ok');
    expect(clockCheck(NOW, [early])).toMatchObject({ status: 'fail', vi: expect.stringContaining('đồng hồ máy có thể bị chậm') });
    expect(clockCheck(NOW, [ok, early]).status).toBe('warn');
    expect(clockCheck(new Date('2009-01-01T00:00:00Z'), [])).toMatchObject({ status: 'fail', en: expect.stringContaining('the clock is wrong') });
  });
});

describe('policy in force (managed policy JSON files, read-only)', () => {
  const dirWith = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'kyso-policy-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };

  it('no folder or no Kyso entry: ok, "no administrator policy"', () => {
    expect(checkPolicy(['/nonexistent/policies'], KYSO_ID)).toMatchObject({ status: 'ok', en: expect.stringContaining('no administrator policy') });
    expect(checkPolicy([dirWith({ 'other.json': '{"HomepageLocation":"https://example.vn"}' })], KYSO_ID).status).toBe('ok');
  });

  it('force-install and Kyso settings: names the file, the settings and the size of the origin lists', () => {
    const dir = dirWith({ 'kyso.json': JSON.stringify({
      ExtensionInstallForcelist: [`${KYSO_ID};https://clients2.google.com/service/update2/crx`],
      '3rdparty': { extensions: { [KYSO_ID]: { allowedOrigins: ['https://dichvucong.gov.vn', 'https://*.gdt.gov.vn'], allowUserOrigins: false } } },
    }) });
    const result = checkPolicy([dir], KYSO_ID);
    expect(result).toMatchObject({ status: 'ok', en: `policy: ${join(dir, 'kyso.json')}: force-installed; allowedOrigins=2, allowUserOrigins=false`, vi: expect.stringContaining('cài bắt buộc') });
  });

  it('the extension blocked, or native messaging to vn.kyso.host blocked: a failure naming it', () => {
    expect(checkPolicy([dirWith({ 'b.json': JSON.stringify({ ExtensionInstallBlocklist: ['*'] }) })], KYSO_ID)).toMatchObject({ status: 'fail', en: expect.stringContaining('EXTENSION BLOCKED') });
    expect(checkPolicy([dirWith({ 'b.json': JSON.stringify({ ExtensionInstallBlocklist: ['*'], ExtensionInstallAllowlist: [KYSO_ID] }) })], KYSO_ID).status).toBe('ok');
    expect(checkPolicy([dirWith({ 'n.json': JSON.stringify({ NativeMessagingBlocklist: ['*'] }) })], KYSO_ID)).toMatchObject({ status: 'fail', en: expect.stringContaining('NATIVE MESSAGING TO vn.kyso.host BLOCKED'), hint: { vi: expect.stringContaining('bộ phận CNTT') } });
    expect(checkPolicy([dirWith({ 'n.json': JSON.stringify({ NativeMessagingBlocklist: ['*'], NativeMessagingAllowlist: ['vn.kyso.host'] }) })], KYSO_ID).status).toBe('ok');
  });

  it('a policy file that is not JSON: a warning naming it', () => {
    const dir = dirWith({ 'broken.json': '{ "ExtensionInstallForcelist": [' });
    expect(checkPolicy([dir], KYSO_ID)).toMatchObject({ status: 'warn', en: expect.stringContaining(`cannot read ${join(dir, 'broken.json')}`) });
  });
});

describe('the report block', () => {
  it('title, header, summary counts, one line per check with its hint when not ok, end marker', () => {
    const text = formatReport('en', ['Kyso 0.1.0'], [
      { status: 'ok', text: 'token: Kyso Demo', hint: 'never shown' },
      { status: 'fail', text: 'certificate: X EXPIRED', hint: 'renew' },
    ]);
    expect(text).toBe('===== KYSO — HELP DESK REPORT =====\nKyso 0.1.0\nSummary: 1 failed, 0 warnings\n\n✓ token: Kyso Demo\n✗ certificate: X EXPIRED\n    → renew\n===== END OF REPORT =====\n');
  });
});
