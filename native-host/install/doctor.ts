/**
 * `kyso doctor`: every link a help-desk call walks through, one check each (doctor-check.ts): the host build,
 * the browsers found, per browser its manifest / allowed extension id / launcher / host answer
 * (doctor-browsers.ts), PKCS#11 drivers, the tokens each sees, certificates and the clock (doctor-token.ts),
 * the trust store (doctor-trust.ts) and the administrator's policy (doctor-policy.ts).
 */
import { release, type as osType } from 'node:os';
import { HOST_VERSION } from '../config.js';
import { BROWSERS, type Browser } from './host-manifest.js';
import { check, hideHome, type CheckResult, type DoctorLang } from './doctor-check.js';
import { checkBrowser, checkBrowsersFound } from './doctor-browsers.js';
import { checkToken } from './doctor-token.js';
import { checkTrustStore } from './doctor-trust.js';
import { checkPolicy, MANAGED_POLICY_DIRS } from './doctor-policy.js';
import { formatReport } from '../../shared/doctor/report.js';

export type { CheckResult, CheckStatus } from './doctor-check.js';
export { probeLauncher, checkBrowser } from './doctor-browsers.js';
export { driverCheck, checkToken, certificateCheck, clockCheck } from './doctor-token.js';

export interface DoctorOptions {
  readonly browsers?: readonly Browser[];
  readonly userDataDir?: string;
  readonly hostScript?: string | undefined;
  /** Managed policy folders (default: the Chromium, Chrome and Edge ones under /etc). */
  readonly policyDirs?: readonly string[];
  readonly now?: Date;
}

export async function runDoctor(options: DoctorOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const [major] = process.versions.node.split('.').map(Number);
  results.push((major ?? 0) >= 20
    ? check('node', 'ok', { vi: 'node', en: 'node' }, { vi: `Node.js ${process.versions.node}`, en: `Node.js ${process.versions.node}` })
    : check('node', 'fail', { vi: 'node', en: 'node' }, { vi: `Node.js ${process.versions.node}`, en: `Node.js ${process.versions.node}` },
      { hint: { vi: 'cài Node.js 20 trở lên', en: 'install Node.js 20 or later' } }));
  results.push(options.hostScript
    ? check('host-build', 'ok', { vi: 'bản dựng host', en: 'host build' }, { vi: options.hostScript, en: options.hostScript })
    : check('host-build', 'fail', { vi: 'bản dựng host', en: 'host build' }, { vi: 'không thấy dist/host/kyso-host.mjs', en: 'dist/host/kyso-host.mjs not found' },
      { hint: { vi: 'npm run build', en: 'npm run build' } }));
  const browsers = options.browsers ?? BROWSERS;
  results.push(checkBrowsersFound(browsers));
  for (const browser of browsers) {
    results.push(...await checkBrowser(browser, options.userDataDir ? { userDataDir: options.userDataDir } : {}));
  }
  results.push(...(await checkToken(options.now)).checks);
  results.push(await checkTrustStore());
  results.push(checkPolicy(options.policyDirs ?? MANAGED_POLICY_DIRS));
  return results;
}

/** The help-desk block: versions, OS, then every check in the person's language; the home folder shown as "~". */
export function doctorReport(results: readonly CheckResult[], lang: DoctorLang, now = new Date()): string {
  const header = [
    `Kyso ${HOST_VERSION} · Node.js ${process.versions.node} · ${osType()} ${release()} (${process.platform}/${process.arch})`,
    `${lang === 'vi' ? 'Thời điểm' : 'Time'}: ${now.toISOString()}`,
  ];
  return formatReport(lang, header, results.map((r) => ({
    status: r.status,
    text: hideHome(r[lang]),
    ...(r.hint ? { hint: hideHome(r.hint[lang]) } : {}),
  })));
}
