/** `kyso policy`: admin policy files, validated by the extension's own origin parser and operation table. */
import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { domainToASCII } from 'node:url';
import { buildAdminPolicy, chromiumPolicyJson, firefoxPoliciesJson, windowsPolicyReg } from '../../native-host/install/admin-policy.js';
import { parseManagedPolicy } from '../../extension/background/access/managed-policy.js';
import { run as runPolicy } from '../../native-host/cli/commands/policy.js';
import { KysoError } from '../../shared/errors/kyso-error.js';

const ID = 'abddkodjbciaefbbillgfgplhpgfcokp';
const IDN = `https://${domainToASCII('cổng.thuế.gov.vn')}`;
const FULL = {
  allow: ['https://*.gov.vn', 'https://Portal.Example.com.vn:443/', 'https://cổng.thuế.gov.vn'],
  block: ['https://old-portal.example.gov.vn'],
  noUserOrigins: true,
  operations: ['https://*.gov.vn=signPdf,signXml,listCertificates', 'https://thuedientu.gdt.gov.vn=signXml,signHash'],
  forceInstallUpdateUrl: 'https://kyso.congty.vn/ext/update.xml',
  firefoxInstallUrl: 'https://kyso.congty.vn/ext/kyso.xpi',
};

describe('buildAdminPolicy', () => {
  it('normalises every origin the way the extension does (case, default port, slash, IDN → punycode)', () => {
    const policy = buildAdminPolicy(FULL);
    expect(policy.kyso).toEqual({
      allowedOrigins: ['https://*.gov.vn', 'https://portal.example.com.vn', IDN],
      blockedOrigins: ['https://old-portal.example.gov.vn'],
      allowUserOrigins: false,
      operations: { 'https://*.gov.vn': ['signPdf', 'signXml', 'listCertificates'], 'https://thuedientu.gdt.gov.vn': ['signXml', 'signHash'] },
    });
  });

  it('what it writes parses in the extension with no policy problem', () => {
    const parsed = parseManagedPolicy(buildAdminPolicy(FULL).kyso);
    expect(parsed.problems).toEqual([]);
    expect(parsed.allowed.map((e) => e.serialized)).toHaveLength(3);
    expect(parsed.allowUserOrigins).toBe(false);
  });

  for (const [bad, problem] of [
    ['https://dichvucong.gov.vn/thu-tuc', 'has-path'],
    ['http://portal.example.vn', 'insecure-scheme'],
    ['https://*.vn', 'pattern-too-broad'],
    ['https://user@portal.gov.vn', 'has-userinfo'],
    ['ftp://portal.gov.vn', 'unsupported-scheme'],
    ['portal.gov.vn', 'not-a-url'],
  ] as const) {
    it(`refuses ${bad} naming it (${problem})`, () => {
      const error = (() => { try { buildAdminPolicy({ allow: ['https://ok.gov.vn', bad] }); } catch (e) { return e; } return undefined; })();
      expect(error).toBeInstanceOf(KysoError);
      expect(JSON.stringify((error as KysoError).details)).toContain(bad);
      expect(JSON.stringify((error as KysoError).details)).toContain(problem);
    });
  }

  it('refuses a bad origin in --block and --operations, and an unknown operation', () => {
    expect(() => buildAdminPolicy({ allow: [], block: ['https://x.gov.vn?q=1'] })).toThrow(KysoError);
    expect(() => buildAdminPolicy({ allow: [], operations: ['https://x.gov.vn/path=signPdf'] })).toThrow(KysoError);
    const unknown = (() => { try { buildAdminPolicy({ allow: [], operations: ['https://x.gov.vn=signEverything'] }); } catch (e) { return e as KysoError; } return undefined; })();
    expect(JSON.stringify(unknown?.details)).toContain('signEverything');
    expect(() => buildAdminPolicy({ allow: [], operations: ['signPdf'] })).toThrow(KysoError);
  });

  it('refuses a plain-http or credentialed force-install URL except on loopback', () => {
    expect(() => buildAdminPolicy({ allow: [], forceInstallUpdateUrl: 'http://kyso.congty.vn/update.xml' })).toThrow(KysoError);
    expect(() => buildAdminPolicy({ allow: [], forceInstallUpdateUrl: 'https://a:b@kyso.congty.vn/update.xml' })).toThrow(KysoError);
    expect(buildAdminPolicy({ allow: [], forceInstallUpdateUrl: 'http://127.0.0.1:8080/update.xml' }).forceInstallUpdateUrl).toBe('http://127.0.0.1:8080/update.xml');
  });
});

describe('policy file formats', () => {
  const policy = buildAdminPolicy(FULL);

  it('chromium-json: 3rdparty.extensions.<id> holds the Kyso keys; ExtensionInstallForcelist "<id>;<url>"', () => {
    const json = JSON.parse(chromiumPolicyJson(policy, ID));
    expect(json['3rdparty'].extensions[ID]).toEqual(policy.kyso);
    expect(json.ExtensionInstallForcelist).toEqual([`${ID};https://kyso.congty.vn/ext/update.xml`]);
    expect(JSON.parse(chromiumPolicyJson(buildAdminPolicy({ allow: ['https://a.gov.vn'] }), ID)).ExtensionInstallForcelist).toBeUndefined();
  });

  it('windows-reg: Chrome and Edge HKLM policy keys, JSON as REG_SZ, allowUserOrigins as REG_DWORD, CRLF', () => {
    const reg = windowsPolicyReg(policy, ID);
    expect(reg.startsWith('Windows Registry Editor Version 5.00\r\n\r\n')).toBe(true);
    expect(reg).not.toMatch(/[^\r]\n/);
    for (const root of ['HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome', 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Edge']) {
      expect(reg).toContain(`[${root}\\3rdparty\\extensions\\${ID}\\policy]\r\n"allowedOrigins"="[\\"https://*.gov.vn\\",\\"https://portal.example.com.vn\\",\\"${IDN}\\"]"\r\n`);
      expect(reg).toContain(`[${root}\\ExtensionInstallForcelist]\r\n"1"="${ID};https://kyso.congty.vn/ext/update.xml"\r\n`);
    }
    expect(reg).toContain('"allowUserOrigins"=dword:00000000\r\n');
    expect(reg).toContain('"blockedOrigins"="[\\"https://old-portal.example.gov.vn\\"]"');
    // Each REG_SZ, unescaped, is the JSON the extension parses.
    const value = /"operations"="((?:[^"\\]|\\.)*)"/.exec(reg)![1]!.replace(/\\(.)/g, '$1');
    expect(JSON.parse(value)).toEqual(policy.kyso.operations);
  });

  it('firefox-json: policies.3rdparty.Extensions["kyso@kyso.vn"] and ExtensionSettings force_installed', () => {
    const json = JSON.parse(firefoxPoliciesJson(policy, 'kyso@kyso.vn'));
    expect(json.policies['3rdparty'].Extensions['kyso@kyso.vn']).toEqual(policy.kyso);
    expect(json.policies.ExtensionSettings['kyso@kyso.vn']).toEqual({ installation_mode: 'force_installed', install_url: 'https://kyso.congty.vn/ext/kyso.xpi' });
  });
});

describe('kyso policy (the command)', () => {
  it('--format all writes the three files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kyso-policy-'));
    try {
      const code = await runPolicy(['--allow', 'https://*.gov.vn', '--no-user-origins', '--format', 'all', '-o', dir]);
      expect(code).toBe(0);
      expect((await readdir(dir)).sort()).toEqual(['kyso-chromium-policy.json', 'kyso-policy.reg', 'policies.json']);
      expect(JSON.parse(await readFile(join(dir, 'kyso-chromium-policy.json'), 'utf8'))['3rdparty'].extensions[ID]).toEqual({ allowedOrigins: ['https://*.gov.vn'], allowUserOrigins: false });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a bad origin anywhere is an error naming it, and no file is written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kyso-policy-'));
    try {
      await expect(runPolicy(['--allow', 'https://*.gov.vn', '--block', 'https://evil.vn/x', '--format', 'all', '-o', dir])).rejects.toThrow(KysoError);
      await expect(runPolicy(['--allow', 'https://*.gov.vn', '--block', 'https://evil.vn/x', '--format', 'all', '-o', dir]).catch((e: KysoError) => JSON.stringify(e.details))).resolves.toContain('https://evil.vn/x');
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown --format', async () => {
    await expect(runPolicy(['--allow', 'https://a.gov.vn', '--format', 'plist', '-o', tmpdir()])).rejects.toThrow(KysoError);
  });
});
