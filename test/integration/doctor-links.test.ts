/**
 * `kyso doctor` (the built CLI) on each deliberately broken link, with real files: host manifests written by
 * `kyso install` into a temp Chromium user-data-dir, real SoftHSM2 tokens (empty, with an expired certificate,
 * with a certificate that starts in the future) and a driver path that does not exist. Each broken link has
 * its own message, in Vietnamese by default and in English with --lang en or an English locale.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { runKyso } from '../helpers/kyso-cli.js';
import { opensslDate, TestPki } from '../helpers/test-pki.js';

const exec = promisify(execFile);
const DAY_MS = 86_400_000;
let demo: DemoToken;

interface Check { id: string; status: string; vi: string; en: string; hint?: { vi: string; en: string }; details?: Record<string, unknown> }

/** Environment isolated from the machine: only the given driver, a fresh driver-health state, no locale, no trust dir. */
function isolated(env: Record<string, string>): NodeJS.ProcessEnv {
  return { LANG: '', LC_ALL: '', LC_MESSAGES: '', KYSO_TRUST_DIR: '', KYSO_STATE_DIR: mkdtempSync(join(tmpdir(), 'kyso-state-')), ...env };
}

async function doctorJson(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; checks: Check[] }> {
  const result = await runKyso(['doctor', ...args, '--json'], { env, timeoutMs: 90_000 });
  return { code: result.code, checks: (JSON.parse(result.stdout) as { checks: Check[] }).checks };
}

const byId = (checks: Check[], id: string) => checks.find((c) => c.id === id);

/** A SoftHSM2 token (own SOFTHSM2_CONF) holding one key pair and certificate issued with the given dates. */
async function tokenWithCertificate(subject: string, dates: { startDate: string; endDate: string } | undefined): Promise<Record<string, string>> {
  const pki = await TestPki.create({ label: 'Kyso Doctor Test' });
  const tokens = join(pki.dir, 'softhsm-tokens');
  mkdirSync(tokens, { recursive: true });
  const conf = join(pki.dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const env = { SOFTHSM2_CONF: conf, KYSO_PKCS11_MODULE: demo.module };
  if (!dates) return env; // an empty token folder: the driver loads and sees no token
  const leaf = await pki.issue({ subject, ...dates }, 'doctor-leaf');
  const processEnv = { ...process.env, ...env };
  await exec('softhsm2-util', ['--init-token', '--free', '--label', 'Kyso Doctor', '--pin', '123456', '--so-pin', '12345678'], { env: processEnv });
  await exec('softhsm2-util', ['--import', leaf.keyPath, '--token', 'Kyso Doctor', '--label', 'leaf', '--id', 'd1', '--pin', '123456'], { env: processEnv });
  const der = join(pki.dir, 'leaf.der');
  writeFileSync(der, leaf.certDer);
  await exec('pkcs11-tool', ['--module', demo.module, '--token-label', 'Kyso Doctor', '--login', '--pin', '123456', '--write-object', der, '--type', 'cert', '--id', 'd1', '--label', 'leaf'], { env: processEnv });
  return env;
}

beforeAll(async () => {
  demo = await createDemoToken();
}, 120_000);

describe('kyso doctor: each broken browser link has its own message', () => {
  it('missing manifest: "not registered" with the install command to run', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'kyso-profile-'));
    const { code, checks } = await doctorJson(['--browser', 'chromium', '--user-data-dir', profile], isolated(demo.env));
    expect(code).toBe(1);
    expect(byId(checks, 'manifest:chromium')).toMatchObject({
      status: 'fail',
      vi: expect.stringContaining('chưa đăng ký Kyso với trình duyệt này'),
      hint: { en: `kyso install --browser chromium --user-data-dir ${profile}` },
    });
  }, 120_000);

  it('manifest pointing nowhere: names the missing launcher', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'kyso-profile-'));
    expect((await runKyso(['install', '--browser', 'chromium', '--user-data-dir', profile])).code).toBe(0);
    const file = join(profile, 'NativeMessagingHosts', 'vn.kyso.host.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...manifest, path: '/opt/kyso-was-here/kyso-host' }));
    const { checks } = await doctorJson(['--browser', 'chromium', '--user-data-dir', profile], isolated(demo.env));
    expect(byId(checks, 'manifest:chromium')?.status).toBe('ok');
    expect(byId(checks, 'launcher:chromium')).toMatchObject({
      status: 'fail',
      en: expect.stringContaining('the manifest points at /opt/kyso-was-here/kyso-host, which does not exist'),
      vi: expect.stringContaining('tệp này không tồn tại'),
    });
  }, 120_000);

  it('wrong extension id: says the Kyso extension is not allowed and which one is', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'kyso-profile-'));
    const other = 'a'.repeat(32);
    expect((await runKyso(['install', '--browser', 'chromium', '--user-data-dir', profile, '--extension-id', other])).code).toBe(0);
    const { checks } = await doctorJson(['--browser', 'chromium', '--user-data-dir', profile], isolated(demo.env));
    expect(byId(checks, 'extension-id:chromium')).toMatchObject({
      status: 'fail',
      en: expect.stringMatching(new RegExp(`does not allow the Kyso extension \\(chrome-extension://[a-p]{32}/\\); it allows chrome-extension://${other}/`)),
      vi: expect.stringContaining('không cho phép tiện ích Kyso'),
    });
    expect(byId(checks, 'launcher:chromium')).toBeUndefined(); // the chain stops at the first broken link
  }, 120_000);

  it('a good registration: every browser link ok, the host answers with its version', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'kyso-profile-'));
    expect((await runKyso(['install', '--browser', 'chromium', '--user-data-dir', profile, '--pkcs11-module', demo.module, '--env', `SOFTHSM2_CONF=${demo.softhsm2Conf}`])).code).toBe(0);
    const { checks } = await doctorJson(['--browser', 'chromium', '--user-data-dir', profile], isolated(demo.env));
    for (const id of ['manifest:chromium', 'extension-id:chromium', 'host:chromium']) expect(byId(checks, id)?.status, id).toBe('ok');
    expect(byId(checks, 'launcher:chromium')).toBeUndefined(); // a launcher line only when it is broken: the host answering says it works
    expect(byId(checks, 'host:chromium')?.details).toMatchObject({ hostVersion: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  }, 120_000);
});

describe('kyso doctor: each broken token link has its own message', () => {
  it('missing driver (KYSO_PKCS11_MODULE names a file that is not there)', async () => {
    const { code, checks } = await doctorJson(['--browser', 'chromium', '--user-data-dir', mkdtempSync(join(tmpdir(), 'kyso-p-'))],
      isolated({ KYSO_PKCS11_MODULE: '/opt/no-such-vendor/libpkcs11.so', SOFTHSM2_CONF: demo.softhsm2Conf }));
    expect(code).toBe(1);
    expect(byId(checks, 'driver:/opt/no-such-vendor/libpkcs11.so')).toMatchObject({
      status: 'fail',
      en: expect.stringContaining('the driver file does not exist'),
      vi: expect.stringContaining('không có tệp driver này'),
    });
  }, 120_000);

  it('no token: the driver loads and sees none', async () => {
    const env = await tokenWithCertificate('', undefined);
    const { checks } = await doctorJson(['--browser', 'chromium', '--user-data-dir', mkdtempSync(join(tmpdir(), 'kyso-p-'))], isolated(env));
    expect(byId(checks, `driver:${demo.module}`)?.status).toBe('ok');
    expect(byId(checks, 'tokens')).toMatchObject({ status: 'fail', vi: expect.stringContaining('chưa cắm token'), en: expect.stringContaining('no token plugged in') });
  }, 120_000);

  it('expired certificate: EXPIRED with its date and "renew"; nothing usable is a failure', async () => {
    const now = Date.now();
    const env = await tokenWithCertificate('/C=VN/CN=Trần Thị Hết Hạn/UID=CCCD:001099000777', { startDate: opensslDate(new Date(now - 400 * DAY_MS)), endDate: opensslDate(new Date(now - 3 * DAY_MS)) });
    const { code, checks } = await doctorJson(['--browser', 'chromium', '--user-data-dir', mkdtempSync(join(tmpdir(), 'kyso-p-'))], isolated(env));
    expect(code).toBe(1);
    const cert = checks.find((c) => c.id.startsWith('certificate:'));
    expect(cert).toMatchObject({ status: 'fail', en: expect.stringContaining('Trần Thị Hết Hạn [CCCD:001099000777] EXPIRED on'), vi: expect.stringContaining('ĐÃ HẾT HẠN'), hint: { en: 'renew the certificate with your certificate authority' } });
    expect(byId(checks, 'certificates')?.status).toBe('fail');
    expect(byId(checks, 'clock')?.status).toBe('ok');
  }, 120_000);

  it('certificate expiring within 30 days: a warning with the days left', async () => {
    const now = Date.now();
    const env = await tokenWithCertificate('/C=VN/CN=Lê Văn Sắp Hết/UID=CCCD:001099000888', { startDate: opensslDate(new Date(now - 300 * DAY_MS)), endDate: opensslDate(new Date(now + 10.5 * DAY_MS)) });
    const { checks } = await doctorJson(['--browser', 'chromium', '--user-data-dir', mkdtempSync(join(tmpdir(), 'kyso-p-'))], isolated(env));
    expect(checks.find((c) => c.id.startsWith('certificate:'))).toMatchObject({ status: 'warn', en: expect.stringContaining('Lê Văn Sắp Hết [CCCD:001099000888] expires in 10 days'), vi: expect.stringContaining('hết hạn sau 10 ngày') });
  }, 120_000);

  it('clock before notBefore: the certificate is "not yet valid" and the clock check says the PC clock may be wrong', async () => {
    const now = Date.now();
    const env = await tokenWithCertificate('/C=VN/CN=Phạm Văn Tương Lai/UID=CCCD:001099000999', { startDate: opensslDate(new Date(now + 20 * DAY_MS)), endDate: opensslDate(new Date(now + 400 * DAY_MS)) });
    const { code, checks } = await doctorJson(['--browser', 'chromium', '--user-data-dir', mkdtempSync(join(tmpdir(), 'kyso-p-'))], isolated(env));
    expect(code).toBe(1);
    expect(checks.find((c) => c.id.startsWith('certificate:'))).toMatchObject({ status: 'fail', en: expect.stringContaining('NOT YET VALID'), hint: { en: expect.stringContaining('the PC clock may be wrong'), vi: expect.stringContaining('đồng hồ máy tính có thể bị sai') } });
    expect(byId(checks, 'clock')).toMatchObject({ status: 'fail', en: expect.stringContaining('the PC clock may be behind'), vi: expect.stringContaining('đồng hồ máy có thể bị chậm') });
  }, 120_000);
});

describe('kyso doctor: language and the help-desk report', () => {
  it('Vietnamese by default, English with an English locale or --lang en', async () => {
    const args = ['doctor', '--browser', 'chromium', '--user-data-dir', mkdtempSync(join(tmpdir(), 'kyso-p-'))];
    const vi = await runKyso(args, { env: isolated(demo.env) });
    expect(vi.stdout).toContain('chứng thư số: ');
    expect(vi.stdout).toContain('đồng hồ máy: ');
    const enLocale = await runKyso(args, { env: isolated({ ...demo.env, LANG: 'en_US.UTF-8' }) });
    expect(enLocale.stdout).toContain('certificates: ');
    expect(enLocale.stdout).not.toContain('chứng thư số: ');
    const flag = await runKyso([...args, '--lang', 'en'], { env: isolated({ ...demo.env, LANG: 'vi_VN.UTF-8' }) });
    expect(flag.stdout).toContain('clock: ');
    const bad = await runKyso([...args, '--lang', 'fr'], { env: isolated(demo.env) });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('BAD_REQUEST');
  }, 120_000);

  it('--report: one block with versions, OS, drivers, tokens, holders and identifiers with expiry; no PIN; home folder hidden', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'kyso-profile-'));
    await runKyso(['install', '--browser', 'chromium', '--user-data-dir', profile, '--pkcs11-module', demo.module, '--env', `SOFTHSM2_CONF=${demo.softhsm2Conf}`]);
    const home = mkdtempSync(join(tmpdir(), 'kyso-home-'));
    const report = await runKyso(['doctor', '--report', '--browser', 'chromium', '--user-data-dir', profile], { env: isolated({ ...demo.env, HOME: home }) });
    const text = report.stdout;
    expect(text.startsWith('===== KYSO — BÁO CÁO GỬI BỘ PHẬN HỖ TRỢ =====\n')).toBe(true);
    expect(text.trimEnd().endsWith('===== HẾT BÁO CÁO =====')).toBe(true);
    expect(text).toMatch(/^Kyso \d+\.\d+\.\d+ · Node\.js \d+/m);
    expect(text).toContain(`✓ driver token: SoftHSM2: ${demo.module}`);
    expect(text).toContain(`✓ token: ${demo.tokenLabel}`);
    expect(text).toContain('Công ty TNHH Kyso Thử Nghiệm [MST:0101234567], hiệu lực đến ');
    expect(text).toMatch(/ĐÃ HẾT HẠN ngày \d{4}-\d{2}-\d{2}/); // the demo token's expired certificate
    expect(text).toContain('chính sách quản trị: ');
    // The demo PINs are digit runs (123456 is also inside MST:0101234567): never standing on their own.
    for (const pin of [demo.userPin, demo.soPin]) expect(text).not.toMatch(new RegExp(`(^|[^0-9])${pin}([^0-9]|$)`));
    // Nothing about the person beyond holder names and identifiers: no address or e-mail from the subject DN.
    for (const c of demo.certificates) {
      for (const field of c.subject.split('/').filter((f) => /^(L|ST|street|emailAddress|OU)=/.test(f))) expect(text).not.toContain(field.split('=')[1]);
    }
    expect(text).not.toContain(home);
  }, 120_000);
});
