/**
 * The policy link: what an administrator's Chromium-family policy says about Kyso (read-only). Chrome reads
 * every JSON file in its managed policy folder ("Linux Quick Start": /etc/opt/chrome/policies/managed,
 * /etc/chromium/policies/managed for Chromium, /etc/opt/edge/policies/managed for Edge). The lines that can
 * stop Kyso: the extension blocked, native messaging to vn.kyso.host blocked; the lines that shape it:
 * force-install and Kyso's own managed settings under 3rdparty.extensions.<id> (extension/managed-schema.json).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NATIVE_HOST_NAME } from '../../shared/native-host-name.js';
import { CHROMIUM_EXTENSION_ID } from '../config.js';
import { both, check, type Bilingual, type CheckResult } from './doctor-check.js';

export const MANAGED_POLICY_DIRS: readonly string[] = [
  '/etc/chromium/policies/managed',
  '/etc/opt/chrome/policies/managed',
  '/etc/opt/edge/policies/managed',
];

export interface PolicyFinding {
  readonly file: string;
  readonly forceInstalled: boolean;
  readonly extensionBlocked: boolean;
  readonly nativeMessagingBlocked: boolean;
  /** Kyso's managed settings (names only, and counts for the origin lists: no need to copy a ministry's list). */
  readonly settings: Readonly<Record<string, string>>;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Read one policy file; undefined when it says nothing about Kyso. Files that are not JSON are reported as such. */
function readPolicyFile(file: string, extensionId: string): PolicyFinding | { file: string; unreadable: true } | undefined {
  let policy: Record<string, unknown>;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { file, unreadable: true };
    policy = parsed as Record<string, unknown>;
  } catch {
    return { file, unreadable: true };
  }
  const forceInstalled = strings(policy.ExtensionInstallForcelist).some((e) => e.split(';')[0] === extensionId);
  const settingsEntry = (policy.ExtensionSettings as Record<string, { installation_mode?: unknown }> | undefined)?.[extensionId];
  const allowedExt = strings(policy.ExtensionInstallAllowlist).includes(extensionId) || forceInstalled;
  const blockedExt = settingsEntry?.installation_mode === 'blocked' || strings(policy.ExtensionInstallBlocklist).includes(extensionId)
    || (strings(policy.ExtensionInstallBlocklist).includes('*') && !allowedExt);
  const nmBlock = strings(policy.NativeMessagingBlocklist);
  const nmAllowed = strings(policy.NativeMessagingAllowlist).includes(NATIVE_HOST_NAME);
  const nativeMessagingBlocked = nmBlock.includes(NATIVE_HOST_NAME) || (nmBlock.includes('*') && !nmAllowed);
  const managed = ((policy['3rdparty'] as { extensions?: Record<string, Record<string, unknown>> } | undefined)?.extensions ?? {})[extensionId] ?? {};
  const settings: Record<string, string> = {};
  for (const [key, value] of Object.entries(managed)) {
    settings[key] = Array.isArray(value) ? `${value.length}` : typeof value === 'object' && value ? `${Object.keys(value).length}` : String(value);
  }
  const forced = forceInstalled || settingsEntry?.installation_mode === 'force_installed';
  if (!forced && !blockedExt && !nativeMessagingBlocked && Object.keys(settings).length === 0) return undefined;
  return { file, forceInstalled: forced, extensionBlocked: blockedExt, nativeMessagingBlocked, settings };
}

export function checkPolicy(dirs: readonly string[] = MANAGED_POLICY_DIRS, extensionId = CHROMIUM_EXTENSION_ID): CheckResult {
  const name = { vi: 'chính sách quản trị', en: 'policy' };
  const findings: PolicyFinding[] = [];
  const unreadable: string[] = [];
  for (const dir of dirs) {
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    } catch {
      continue; // no such folder: no policy from it
    }
    for (const f of files) {
      const found = readPolicyFile(join(dir, f), extensionId);
      if (found && 'unreadable' in found) unreadable.push(found.file);
      else if (found) findings.push(found);
    }
  }
  const details = { dirs, findings, unreadable };
  const describe = (p: PolicyFinding): Bilingual => {
    const parts: Bilingual[] = [];
    if (p.forceInstalled) parts.push({ vi: 'cài bắt buộc', en: 'force-installed' });
    if (p.extensionBlocked) parts.push({ vi: 'TIỆN ÍCH BỊ CHẶN', en: 'EXTENSION BLOCKED' });
    if (p.nativeMessagingBlocked) parts.push({ vi: `CHẶN KẾT NỐI TỚI ${NATIVE_HOST_NAME}`, en: `NATIVE MESSAGING TO ${NATIVE_HOST_NAME} BLOCKED` });
    const s = Object.entries(p.settings).map(([k, v]) => `${k}=${v}`).join(', ');
    if (s) parts.push(both(s));
    return { vi: `${p.file}: ${parts.map((x) => x.vi).join('; ')}`, en: `${p.file}: ${parts.map((x) => x.en).join('; ')}` };
  };
  const blocked = findings.filter((f) => f.extensionBlocked || f.nativeMessagingBlocked);
  if (blocked.length) {
    return check('policy', 'fail', name, { vi: blocked.map((f) => describe(f).vi).join(' | '), en: blocked.map((f) => describe(f).en).join(' | ') },
      { hint: { vi: 'chính sách của quản trị viên đang chặn Kyso: liên hệ bộ phận CNTT của cơ quan', en: 'an administrator\'s policy blocks Kyso: contact your IT department' }, details });
  }
  if (findings.length === 0) {
    return check('policy', unreadable.length ? 'warn' : 'ok', name,
      unreadable.length ? { vi: `không có chính sách cho Kyso; không đọc được ${unreadable.join(', ')}`, en: `no policy for Kyso; cannot read ${unreadable.join(', ')}` }
        : { vi: 'không có chính sách quản trị cho Kyso (người dùng tự chọn trang được phép)', en: 'no administrator policy for Kyso (the person chooses allowed sites)' },
      { details });
  }
  return check('policy', unreadable.length ? 'warn' : 'ok', name,
    { vi: findings.map((f) => describe(f).vi).join(' | '), en: findings.map((f) => describe(f).en).join(' | ') }, { details });
}
