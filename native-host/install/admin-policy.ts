/**
 * `kyso policy`: the admin's policy files for the Kyso allowlist keys (extension/managed-schema.json:
 * allowedOrigins, blockedOrigins, allowUserOrigins, operations) plus force-install entries, for
 *   chromium-json  a file for /etc/chromium/policies/managed/ (also /etc/opt/chrome/…, /etc/opt/edge/…)
 *                  [Chrome Enterprise "Set Chrome policies on Linux"; "Configure apps and extensions policy"]
 *   windows-reg    a .reg file for Chrome and Edge under HKLM\SOFTWARE\Policies (the layout README documents)
 *   firefox-json   policies.json [Firefox enterprise policies: 3rdparty, ExtensionSettings]
 * Every origin goes through the SAME parser the extension applies to policy (shared/domain/origin.ts
 * parseOriginEntry) and every operation through its operation table, so a file this writes never holds an entry
 * the extension would drop as a policy problem. Written values are the parser's normalised form.
 */
import { KysoError } from '../../shared/errors/kyso-error.js';
import { parseOriginEntry } from '../../shared/domain/origin.js';
import { POLICY_OPERATIONS, type PolicyOperation } from '../../extension/background/access/operations.js';

export const POLICY_FORMATS = ['chromium-json', 'windows-reg', 'firefox-json'] as const;
export type PolicyFormat = (typeof POLICY_FORMATS)[number];

export interface AdminPolicyInput {
  readonly allow: readonly string[];
  readonly block?: readonly string[];
  readonly noUserOrigins?: boolean;
  /** `ORIGIN=op,op` as typed on the command line. */
  readonly operations?: readonly string[];
  /** Chromium-family update URL (gupdate XML) to force-install the extension from. */
  readonly forceInstallUpdateUrl?: string;
  /** Firefox: URL of the .xpi to force-install. */
  readonly firefoxInstallUrl?: string;
}

/** The Kyso keys as the extension reads them (managed-schema.json), normalised. */
export interface KysoManagedPolicy {
  allowedOrigins: string[];
  blockedOrigins?: string[];
  allowUserOrigins?: boolean;
  operations?: Record<string, PolicyOperation[]>;
}

export interface AdminPolicy {
  readonly kyso: KysoManagedPolicy;
  readonly forceInstallUpdateUrl: string | undefined;
  readonly firefoxInstallUrl: string | undefined;
}

function badOrigin(field: string, origin: string, problem: string): KysoError {
  return new KysoError('BAD_REQUEST', { field, problem: `"${origin.slice(0, 200)}" is not a usable origin (${problem})` });
}

function normaliseOrigin(field: string, text: string): string {
  const parsed = parseOriginEntry(text);
  if (!parsed.ok) throw badOrigin(field, text, parsed.problem);
  return parsed.value.serialized;
}

/** An update or install URL: https, or http on a loopback host (an admin testing on one machine). */
function checkInstallUrl(field: string, text: string): string {
  let url: URL;
  try { url = new URL(text); } catch { throw new KysoError('BAD_REQUEST', { field, problem: `"${text.slice(0, 200)}" is not a URL` }); }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new KysoError('BAD_REQUEST', { field, problem: `"${text.slice(0, 200)}": https expected (http only for localhost)` });
  }
  if (url.username || url.password) throw new KysoError('BAD_REQUEST', { field, problem: 'no user name or password in the URL' });
  return url.href;
}

/** Validate everything first; a bad value throws naming it, before any file is written. */
export function buildAdminPolicy(input: AdminPolicyInput): AdminPolicy {
  const allowedOrigins = [...new Set(input.allow.map((o) => normaliseOrigin('allow', o)))];
  const blockedOrigins = [...new Set((input.block ?? []).map((o) => normaliseOrigin('block', o)))];
  const kyso: KysoManagedPolicy = { allowedOrigins };
  if (blockedOrigins.length) kyso.blockedOrigins = blockedOrigins;
  if (input.noUserOrigins) kyso.allowUserOrigins = false;
  if (input.operations?.length) {
    const operations: Record<string, PolicyOperation[]> = {};
    for (const rule of input.operations) {
      const eq = rule.lastIndexOf('=');
      if (eq <= 0) throw new KysoError('BAD_REQUEST', { field: 'operations', problem: `"${rule.slice(0, 200)}": ORIGIN=op,op expected` });
      const origin = normaliseOrigin('operations', rule.slice(0, eq));
      const ops = rule.slice(eq + 1).split(',').map((s) => s.trim()).filter(Boolean);
      for (const op of ops) {
        if (!(POLICY_OPERATIONS as readonly string[]).includes(op)) {
          throw new KysoError('BAD_REQUEST', { field: 'operations', problem: `"${op.slice(0, 50)}" is not an operation (${POLICY_OPERATIONS.join(', ')})` });
        }
      }
      operations[origin] = [...new Set([...(operations[origin] ?? []), ...ops as PolicyOperation[]])];
    }
    kyso.operations = operations;
  }
  return {
    kyso,
    forceInstallUpdateUrl: input.forceInstallUpdateUrl === undefined ? undefined : checkInstallUrl('force-install', input.forceInstallUpdateUrl),
    firefoxInstallUrl: input.firefoxInstallUrl === undefined ? undefined : checkInstallUrl('firefox-install-url', input.firefoxInstallUrl),
  };
}

/** Chromium/Chrome/Edge on Linux and macOS: one JSON file in the managed policy folder. */
export function chromiumPolicyJson(policy: AdminPolicy, extensionId: string): string {
  const document: Record<string, unknown> = { '3rdparty': { extensions: { [extensionId]: policy.kyso } } };
  // "<id>;<update URL>": installed silently, cannot be disabled or removed by the person [ExtensionInstallForcelist].
  if (policy.forceInstallUpdateUrl) document.ExtensionInstallForcelist = [`${extensionId};${policy.forceInstallUpdateUrl}`];
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** A .reg value string: backslash and double quote escaped [regedit export format]. */
function regString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const WINDOWS_POLICY_ROOTS = ['HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome', 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Edge'] as const;

/**
 * Chrome and Edge on Windows: lists and objects as REG_SZ holding JSON (the browser converts them with the
 * extension's schema), booleans as REG_DWORD; the force-install list as numbered REG_SZ values.
 * CRLF line endings; ASCII only (origins are punycode), which `reg import` reads as-is.
 */
export function windowsPolicyReg(policy: AdminPolicy, extensionId: string): string {
  const lines = ['Windows Registry Editor Version 5.00', ''];
  for (const root of WINDOWS_POLICY_ROOTS) {
    lines.push(`[${root}\\3rdparty\\extensions\\${extensionId}\\policy]`);
    for (const [name, value] of Object.entries(policy.kyso)) {
      lines.push(typeof value === 'boolean'
        ? `"${name}"=dword:${value ? '00000001' : '00000000'}`
        : `"${name}"=${regString(JSON.stringify(value))}`);
    }
    lines.push('');
    if (policy.forceInstallUpdateUrl) {
      lines.push(`[${root}\\ExtensionInstallForcelist]`, `"1"=${regString(`${extensionId};${policy.forceInstallUpdateUrl}`)}`, '');
    }
  }
  return lines.join('\r\n');
}

/** Firefox policies.json: the Kyso keys under 3rdparty.Extensions, force-install under ExtensionSettings. */
export function firefoxPoliciesJson(policy: AdminPolicy, addonId: string): string {
  const policies: Record<string, unknown> = { '3rdparty': { Extensions: { [addonId]: policy.kyso } } };
  if (policy.firefoxInstallUrl) {
    policies.ExtensionSettings = { [addonId]: { installation_mode: 'force_installed', install_url: policy.firefoxInstallUrl } };
  }
  return `${JSON.stringify({ policies }, null, 2)}\n`;
}

export const POLICY_FILE_NAMES: Readonly<Record<PolicyFormat, string>> = {
  'chromium-json': 'kyso-chromium-policy.json',
  'windows-reg': 'kyso-policy.reg',
  'firefox-json': 'policies.json',
};

export function policyFiles(policy: AdminPolicy, formats: readonly PolicyFormat[], ids: { chromium: string; firefox: string }): { name: string; text: string }[] {
  return formats.map((format) => ({
    name: POLICY_FILE_NAMES[format],
    text: format === 'chromium-json' ? chromiumPolicyJson(policy, ids.chromium)
      : format === 'windows-reg' ? windowsPolicyReg(policy, ids.chromium)
      : firefoxPoliciesJson(policy, ids.firefox),
  }));
}
