/**
 * `npm run package` for Linux: the one `kyso` executable (Node single-executable application) and the .deb.
 * The executable is run with NO Node on PATH, as the CLI (`--version`, `kyso list` on a real SoftHSM2 token)
 * and as the host (started the way Chromium starts it, exchanging host.hello frames), and as the host in front of the
 * quirks module (a slow, hung or PIN-counting token), where its token calls must run on worker threads.
 * The .deb is listed with dpkg-deb; as root it is also installed for a few seconds and removed again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { CHROME_CALLER, frame, spawnHost, type HostProcess } from '../helpers/host-process.js';
import { buildQuirksModule, opensslVerifies, quirksSetup, type Quirk } from '../helpers/quirks-token.js';
import { CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID } from '../../native-host/config.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
/** A PATH on which no `node` can be found (this machine's node is /usr/bin/node, so /usr/bin is left out too). */
const NO_NODE_PATH = '/nonexistent-kyso-test';

interface Packaged {
  executable: { executable: string; addon: string; bytes: number; ms: number };
  deb: { deb: string; bytes: number; ms: number; manifests: string[] };
}

let outDir: string;
let packaged: Packaged;
let token: DemoToken;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'kyso-package-'));
  const { packageAll } = await import(pathToFileURL(join(ROOT, 'scripts/package.mjs')).href) as {
    packageAll(o: { outDir: string; parts: string[]; say: (l: string) => void }): Promise<Packaged>;
  };
  packaged = await packageAll({ outDir, parts: ['executable', 'deb'], say: (line) => process.stderr.write(`${line}\n`) });
  token = await createDemoToken();
}, 300_000);
afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
  if (token) await rm(token.dir, { recursive: true, force: true });
});

/** A one-page PDF with one line of Helvetica text (hand-built: objects, xref table, trailer [ISO 32000-1 §7.5]). */
function minimalPdf(text: string): Buffer {
  const content = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => { offsets.push(out.length); out += `${i + 1} 0 obj\n${body}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function noNodeEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: NO_NODE_PATH, HOME: tmpdir(), ...extra };
}

async function runExecutable(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(packaged.executable.executable, args, { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Start the executable as a browser would and read the first reply frame to one request. */
function helloAsBrowser(args: string[], env: NodeJS.ProcessEnv): Promise<{ reply: { type: string; payload?: { hostVersion?: string }; error?: { code?: string } }; stderr: string }> {
  return new Promise((resolveReply, reject) => {
    const child = spawn(packaged.executable.executable, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = Buffer.alloc(0);
    let stderr = '';
    const timer = setTimeout(() => { child.kill(); reject(new Error(`no reply within 20 s; stderr:\n${stderr}`)); }, 20_000);
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    child.stdout.on('data', (c: Buffer) => {
      out = Buffer.concat([out, c]);
      if (out.length < 4 || out.length < 4 + out.readUInt32LE(0)) return;
      clearTimeout(timer);
      const reply = JSON.parse(out.subarray(4, 4 + out.readUInt32LE(0)).toString('utf8'));
      child.stdin.end();
      resolveReply({ reply, stderr });
    });
    child.on('error', reject);
    child.stdin.on('error', () => undefined);
    child.stdin.write(frame({ v: 1, id: 'h1', type: 'host.hello', payload: { extensionVersion: '0.1.0' } }));
  });
}

describe('the kyso executable (Linux x64, no Node needed)', () => {
  it('the test PATH really has no node on it', () => {
    expect(spawnSync('sh', ['-c', 'command -v node'], { env: noNodeEnv() }).status).not.toBe(0);
  });

  it('is one ELF file with the pkcs11js addon beside it (not in a temporary folder)', () => {
    const head = readFileSync(packaged.executable.executable).subarray(0, 4);
    expect(head.toString('latin1')).toBe('\x7fELF');
    expect(existsSync(join(outDir, 'linux-x64', 'pkcs11.node'))).toBe(true);
  });

  it('kyso --version answers with no node on PATH', async () => {
    const result = await runExecutable(['--version'], noNodeEnv());
    expect(result).toMatchObject({ code: 0, stdout: 'kyso 0.1.0\n' });
  });

  it('kyso list --json lists the SoftHSM2 token and its Vietnamese certificates with no node on PATH', async () => {
    const result = await runExecutable(['list', '--json'], noNodeEnv(token.env));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const listed = JSON.parse(result.stdout) as { tokens: { token: { label: string }; certificates: { commonName?: string; mst?: string }[] }[] };
    const mine = listed.tokens.find((t) => t.token.label === token.tokenLabel);
    expect(mine?.certificates.find((c) => c.commonName === 'Công ty TNHH Kyso Thử Nghiệm')).toMatchObject({ mst: '0101234567' });
  });

  it('kyso sign-pdf --anchor (pdf.js text search, stamp fonts: all inside the one file) signs with no node on PATH; pdfsig verifies', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kyso-package-pdf-'));
    try {
      const input = join(dir, 'in.pdf');
      writeFileSync(input, minimalPdf('Chu ky / Signer here'));
      const output = join(dir, 'signed.pdf');
      const signed = spawnSync(packaged.executable.executable, ['sign-pdf', input, '-o', output, '--cert', 'MST:0101234567', '--anchor', 'Signer here', '--pin-stdin'], { input: `${token.userPin}\n`, encoding: 'utf8', env: noNodeEnv(token.env), timeout: 60_000 });
      expect(signed.status, signed.stderr).toBe(0);
      const check = spawnSync('pdfsig', [output], { encoding: 'utf8' });
      expect(check.stdout).toContain('Signer Certificate Common Name: Công ty TNHH Kyso Thử Nghiệm');
      expect(check.stdout).toContain('Signature Validation: Signature is Valid.');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('started by Chromium (first argument chrome-extension://…/) it is the host and answers host.hello', async () => {
    const { reply } = await helloAsBrowser([CHROME_CALLER], noNodeEnv(token.env));
    expect(reply).toMatchObject({ type: 'host.result', payload: { hostVersion: '0.1.0' } });
  });

  it('started by Firefox (manifest path, add-on id) it is the host and answers host.hello', async () => {
    const { reply } = await helloAsBrowser(['/usr/lib/mozilla/native-messaging-hosts/vn.kyso.host.json', FIREFOX_EXTENSION_ID], noNodeEnv(token.env));
    expect(reply).toMatchObject({ type: 'host.result', payload: { hostVersion: '0.1.0' } });
  });

  it('probes new token drivers in a child that is the executable itself (no node -e): a hanging and an aborting driver are reported with their stage, the SoftHSM2 token still lists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kyso-package-drivers-'));
    try {
      const source = join(ROOT, 'test/fixtures/pkcs11-faulty/faulty-module.c');
      const hangs = join(dir, 'libkyso-fault-init_hangs.so');
      const aborts = join(dir, 'libkyso-fault-init_aborts.so');
      for (const [fault, out] of [['INIT_HANGS', hangs], ['INIT_ABORTS', aborts]] as const) {
        const built = spawnSync('cc', ['-shared', '-fPIC', '-O1', `-DFAULT_${fault}`, '-o', out, source], { encoding: 'utf8' });
        expect(built.status, `cc (apt-get install -y gcc): ${built.stderr}`).toBe(0);
      }
      // A fresh state folder, so every driver (SoftHSM2 included) is probed by this run.
      const env = noNodeEnv({ ...token.env, KYSO_PKCS11_MODULE: [hangs, aborts, token.module].join(':'), KYSO_STATE_DIR: join(dir, 'state') });
      const result = await runExecutable(['list', '--json'], env);
      expect(result.code, result.stderr).toBe(0);
      const listed = JSON.parse(result.stdout) as { tokens: { token: { label: string } }[]; drivers: { path: string; loaded: boolean; error?: string; detail?: string }[] };
      expect(listed.tokens.map((t) => t.token.label)).toContain(token.tokenLabel);
      const byPath = new Map(listed.drivers.map((d) => [d.path, d]));
      expect(byPath.get(hangs)).toMatchObject({ loaded: false, error: 'DRIVER_HUNG', detail: expect.stringContaining('hung in C_Initialize') });
      expect(byPath.get(aborts)).toMatchObject({ loaded: false, error: 'DRIVER_CRASHED', detail: expect.stringContaining('SIGABRT') });
      expect(byPath.get(token.module)).toMatchObject({ loaded: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('kyso doctor run from the executable counts the executable as the host build (no dist/host/kyso-host.mjs)', async () => {
    const profile = await mkdtemp(join(tmpdir(), 'kyso-package-doctor-'));
    try {
      const result = await runExecutable(['doctor', '--json', '--user-data-dir', profile], noNodeEnv(token.env));
      const { checks } = JSON.parse(result.stdout) as { checks: { name: string; status: string; detail: string }[] };
      expect(checks.find((c) => c.name === 'host build')).toMatchObject({ status: 'ok', detail: packaged.executable.executable });
    } finally {
      await rm(profile, { recursive: true, force: true });
    }
  });

  it('kyso install run from the executable names the executable itself in the manifest (no script, no Node)', async () => {
    const profile = await mkdtemp(join(tmpdir(), 'kyso-package-profile-'));
    try {
      const result = await runExecutable(['install', '--browser', 'chromium', '--user-data-dir', profile], noNodeEnv());
      expect(result.code, result.stderr).toBe(0);
      const manifest = JSON.parse(readFileSync(join(profile, 'NativeMessagingHosts', 'vn.kyso.host.json'), 'utf8'));
      expect(manifest.path).toBe(packaged.executable.executable);
      expect(existsSync(join(profile, 'kyso', 'kyso-host'))).toBe(false);
    } finally {
      await rm(profile, { recursive: true, force: true });
    }
  });

  it('started for another extension it is the host and refuses the caller (CALLER_NOT_ALLOWED)', async () => {
    const { reply } = await helloAsBrowser([`chrome-extension://${'b'.repeat(32)}/`], noNodeEnv());
    expect(reply).toMatchObject({ type: 'host.error', error: { code: 'CALLER_NOT_ALLOWED' } });
  });
});

// Issue 13: C_Login and C_Sign run on worker threads, bounded in time (native-host/token/token-call-thread.ts). The
// executable has no pkcs11js file for a worker to require; its workers dlopen the addon beside it. Through the quirks
// module (a real PKCS#11 module over the SoftHSM2 token, test/fixtures/pkcs11-quirks/), started as Chromium starts it.
describe('the kyso executable as the host, with a slow or hung token (calls on worker threads)', () => {
  const DOCUMENT = Buffer.from('Tờ khai thuế — ký bằng kyso đóng gói');
  const digest = createHash('sha256').update(DOCUMENT).digest().toString('base64');
  let modulePath: string;
  const hosts: HostProcess[] = [];
  beforeAll(async () => { modulePath = await buildQuirksModule(); }, 60_000);
  afterAll(async () => { await Promise.all(hosts.map((h) => h.close())); });

  function executableHost(quirks: Quirk[], env: NodeJS.ProcessEnv = {}) {
    const setup = quirksSetup(modulePath, token, quirks);
    const host = spawnHost(packaged.executable.executable, { executable: true, env: noNodeEnv({ ...setup.env as Record<string, string>, ...env as Record<string, string> }) });
    hosts.push(host);
    return { host, setup };
  }

  it('slow-login: the executable answers host.listTokens while C_Login (2.5 s) runs, then the signature verifies', async () => {
    const { host, setup } = executableHost(['slow-login']);
    await host.request('host.hello', { extensionVersion: 'test' });
    const signing = host.request('host.signDigest', { certificateId: token.cert('org-rsa').certificateId, digest, hashAlgorithm: 'SHA-256', pin: token.userPin }, 'sign-1');
    const until = Date.now() + 20_000;
    while (!setup.calls().includes('C_Login user pin') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const listing = await host.request('host.listTokens', {}, 'list-1');
    expect(listing.type).toBe('host.result');
    // Answered while the token was still inside the slow login: the login did not hold the host's event loop.
    expect(setup.calls()).not.toContain('C_Login user returned');
    const signed = await signing;
    expect(signed.type, JSON.stringify(signed.error)).toBe('host.result');
    expect(host.frames.findIndex((f) => f.id === 'list-1')).toBeLessThan(host.frames.findIndex((f) => f.id === 'sign-1'));
    expect(opensslVerifies(signed.payload.certificate, DOCUMENT, signed.payload.signature)).toBe(true);
  }, 60_000);

  it('pin-count-low: a wrong PIN through the executable\'s worker is PIN_INCORRECT with its token state (the CKR code read from the bare addon); the right PIN signs', async () => {
    const { host, setup } = executableHost(['pin-count-low']);
    const sign = (pin: string) => host.request('host.signDigest', { certificateId: token.cert('org-rsa').certificateId, digest, hashAlgorithm: 'SHA-256', pin });
    const wrong = await sign('999999');
    expect(wrong.error).toMatchObject({ code: 'PIN_INCORRECT', details: { tokenState: 'countLow' } });
    expect(setup.calls().filter((c) => c === 'C_Login user pin')).toHaveLength(1);
    const signed = await sign(token.userPin);
    expect(signed.type, JSON.stringify(signed.error)).toBe('host.result');
    expect(opensslVerifies(signed.payload.certificate, DOCUMENT, signed.payload.signature)).toBe(true);
  }, 60_000);

  it('hung-sign: a C_Sign that never returns ends in TOKEN_NOT_RESPONDING; host.hello is answered meanwhile; the host still exits on disconnect', async () => {
    const { host, setup } = executableHost(['hung-sign'], { KYSO_TOKEN_CALL_TIMEOUT_MS: '3000' });
    try {
      const signing = host.request('host.signDigest', { certificateId: token.cert('org-rsa').certificateId, digest, hashAlgorithm: 'SHA-256', pin: token.userPin });
      const hello = await host.request('host.hello', { extensionVersion: 'test' });
      expect(hello.type).toBe('host.result');
      const failed = await signing;
      expect(failed.type).toBe('host.error');
      expect(failed.error).toMatchObject({ code: 'TOKEN_NOT_RESPONDING', details: { operation: 'C_Sign' } });
      const listed = await host.request('host.listCertificates', {});
      expect(listed.payload.certificates.map((c: { id: string }) => c.id)).toContain(token.cert('org-rsa').certificateId);
      const ended = await Promise.race([host.close().then(() => 'ended'), new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
      expect(ended).toBe('ended');
      expect(host.stderrText()).toMatch(/a token call never returned/);
    } finally {
      setup.release();
    }
  }, 60_000);
});

const SYSTEM_MANIFESTS = [
  '/etc/chromium/native-messaging-hosts/vn.kyso.host.json',
  '/etc/opt/chrome/native-messaging-hosts/vn.kyso.host.json',
  '/etc/opt/edge/native-messaging-hosts/vn.kyso.host.json',
  '/usr/lib/mozilla/native-messaging-hosts/vn.kyso.host.json',
];

describe('kyso_<version>_amd64.deb', () => {
  it('holds the executable, /usr/bin/kyso and one system-wide host manifest per browser', () => {
    expect(packaged.deb.deb).toMatch(/kyso_0\.1\.0_amd64\.deb$/);
    const listing = spawnSync('dpkg-deb', ['-c', packaged.deb.deb], { encoding: 'utf8' }).stdout;
    expect(listing).toMatch(/^-rwxr-xr-x root\/root +\d+ .* \.\/usr\/lib\/kyso\/kyso$/m);
    expect(listing).toMatch(/^-rw-r--r-- root\/root +\d+ .* \.\/usr\/lib\/kyso\/pkcs11\.node$/m);
    expect(listing).toMatch(/\.\/usr\/bin\/kyso -> \.\.\/lib\/kyso\/kyso$/m);
    for (const manifest of SYSTEM_MANIFESTS) expect(listing).toContain(`.${manifest}\n`);
    const fields = spawnSync('dpkg-deb', ['-f', packaged.deb.deb, 'Package', 'Architecture', 'Depends'], { encoding: 'utf8' }).stdout;
    expect(fields).toContain('Package: kyso');
    expect(fields).toContain('Architecture: amd64');
    expect(fields).not.toMatch(/nodejs/);
  });

  it('each manifest points at the executable itself and allows only the Kyso extension', async () => {
    const extracted = await mkdtemp(join(tmpdir(), 'kyso-deb-x-'));
    try {
      expect(spawnSync('dpkg-deb', ['-x', packaged.deb.deb, extracted]).status).toBe(0);
      for (const path of SYSTEM_MANIFESTS) {
        const manifest = JSON.parse(readFileSync(join(extracted, path), 'utf8'));
        expect(manifest).toMatchObject({ name: 'vn.kyso.host', type: 'stdio', path: '/usr/lib/kyso/kyso' });
        if (path.includes('mozilla')) expect(manifest.allowed_extensions).toEqual([FIREFOX_EXTENSION_ID]);
        else expect(manifest.allowed_origins).toEqual([`chrome-extension://${CHROMIUM_EXTENSION_ID}/`]);
      }
    } finally {
      await rm(extracted, { recursive: true, force: true });
    }
  });

  // Installing touches the machine: only as root, only when no kyso package is installed already, and the
  // package is removed again at once (other browser tests on this machine would see the /etc manifests).
  const root = process.getuid?.() === 0;
  const alreadyInstalled = spawnSync('dpkg-query', ['-W', '-f', '${Status}', 'kyso'], { encoding: 'utf8' }).stdout.includes('installed');
  const why = !root ? 'not root' : alreadyInstalled ? 'a kyso package is already installed on this machine' : '';
  if (why) process.stderr.write(`package-linux: dpkg -i / dpkg -r test NOT run: ${why}\n`);
  it.skipIf(Boolean(why))('dpkg -i installs it system-wide (kyso runs from /usr/bin with no node on PATH); dpkg -r removes every file', () => {
    try {
      const installed = spawnSync('dpkg', ['-i', packaged.deb.deb], { encoding: 'utf8' });
      expect(installed.status, installed.stderr).toBe(0);
      for (const path of [...SYSTEM_MANIFESTS, '/usr/lib/kyso/kyso', '/usr/lib/kyso/pkcs11.node', '/usr/bin/kyso']) expect(existsSync(path), path).toBe(true);
      const version = spawnSync('/usr/bin/kyso', ['--version'], { encoding: 'utf8', env: noNodeEnv() });
      expect(version.stdout).toBe('kyso 0.1.0\n');
    } finally {
      const removed = spawnSync('dpkg', ['-r', 'kyso'], { encoding: 'utf8' });
      expect(removed.status, removed.stderr).toBe(0);
    }
    for (const path of [...SYSTEM_MANIFESTS, '/usr/lib/kyso', '/usr/bin/kyso']) expect(existsSync(path), path).toBe(false);
  });
});
