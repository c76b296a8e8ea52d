/**
 * The SDK as the package portals install (`@kyso/sdk`, dist/sdk-package/ from `npm run build`): packed with
 * `npm pack`, installed from the tarball offline into a fresh Vite + TypeScript app and a fresh Node project,
 * both type-checked (skipLibCheck off, so the package's own .d.ts are checked) and built. The Node project's
 * compiled server code then checks a sign-in token and a signHash result made by the REAL host with a SoftHSM2
 * token. test/e2e/sdk-package-vite.test.ts signs from the Vite app's page in Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, createNodeServer, createViteApp, listFiles, packSdk, type NodeServer, type ViteApp } from '../helpers/sdk-package-projects.js';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { buildTestHost, spawnHost, type HostProcess } from '../helpers/host-process.js';
import { AUTH_TOKEN_FORMAT, authDigestToSign } from '../../shared/protocol/auth-token.js';

const ORIGIN = 'https://dichvucong.kyso-test.gov.vn';
let dir: string;
let packed: { tarball: string; files: string[] };
let app: ViteApp;
let server: NodeServer;
let token: DemoToken;
let host: HostProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kyso-sdk-package-'));
  packed = await packSdk(dir);
  [app, server, token] = await Promise.all([
    createViteApp(join(dir, 'vite-app'), packed.tarball),
    createNodeServer(join(dir, 'node-server'), packed.tarball),
    createDemoToken(join(dir, 'token')),
  ]);
  host = spawnHost((await buildTestHost()).hostPath, { env: token.env });
}, 240_000);

afterAll(async () => {
  await host?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const pemToBase64 = async (path: string) => (await readFile(path, 'utf8')).replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

async function signWithToken(digest: Uint8Array) {
  const reply = await host.request('host.signDigest', {
    certificateId: token.cert('org-rsa').certificateId, digest: Buffer.from(digest).toString('base64'), hashAlgorithm: 'SHA-256', pin: token.userPin,
  });
  expect(reply.type, JSON.stringify(reply.error)).toBe('host.result');
  return reply.payload as { signature: string; signatureAlgorithm: string; hashAlgorithm: string; certificate: string; chain: string[] };
}

describe('@kyso/sdk tarball', () => {
  it('holds exactly the ESM build, the minified IIFE, the server build, their types, README and package.json', () => {
    expect(packed.files).toEqual(['README.md', 'kyso.d.ts', 'kyso.iife.min.js', 'kyso.js', 'package.json', 'server.d.ts', 'server.js']);
  });

  it('the installed package declares ESM, ./server and types, and has no dependencies to fetch', async () => {
    const manifest = JSON.parse(await readFile(join(app.dir, 'node_modules/@kyso/sdk/package.json'), 'utf8'));
    expect(manifest.name).toBe('@kyso/sdk');
    expect(manifest.type).toBe('module');
    expect(manifest.exports['.']).toEqual({ types: './kyso.d.ts', default: './kyso.js' });
    expect(manifest.exports['./server']).toEqual({ types: './server.d.ts', default: './server.js' });
    expect(manifest.dependencies ?? {}).toEqual({});
    // The IIFE is a classic script (no import/export statements) that defines the global Kyso, minified to one line.
    const iife = await readFile(join(app.dir, 'node_modules/@kyso/sdk/kyso.iife.min.js'), 'utf8');
    expect(iife.startsWith('var Kyso=')).toBe(true);
    expect(iife.trim().split('\n').length).toBeLessThanOrEqual(2);
  });

  it('a fresh Vite app type-checks and builds with it; the page bundle contains the SDK', async () => {
    expect(app.typecheck.stdout + app.typecheck.stderr).toBe('');
    const files = await listFiles(app.distDir);
    expect(files).toEqual(expect.arrayContaining(['index.html', 'legacy.html', 'kyso.iife.min.js']));
    const bundles = files.filter((f) => /^assets\/.*\.js$/.test(f));
    expect(bundles.length).toBeGreaterThan(0);
    const code = (await Promise.all(bundles.map((f) => readFile(join(app.distDir, f), 'utf8')))).join('\n');
    expect(code).toContain('kyso/page-request'); // the SDK's request channel: the package was bundled, not left as an import
    expect(code).not.toMatch(/from\s*["']@kyso\/sdk["']/);
  });

  it('a type error against the package\'s types is caught (the check is real)', async () => {
    const bad = join(app.dir, 'src/bad.ts');
    await writeFile(bad, `import { getStatus } from '@kyso/sdk';\nexport const v: number = (await getStatus()).missing;\n`);
    try {
      const out = await new Promise<string>((ok) => execFile(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app.dir }, (_e, stdout) => ok(stdout)));
      expect(out).toMatch(/src\/bad\.ts\(2,\d+\): error TS2322: Type '.*' is not assignable to type 'number'/);
    } finally {
      await rm(bad, { force: true });
    }
  });

  it('a fresh Node project type-checks, builds, and its server code verifies a sign-in token and a signature from a real token', async () => {
    expect(server.typecheck.stdout + server.typecheck.stderr).toBe('');
    const challenge = randomBytes(32).toString('base64');
    const auth = await signWithToken(await authDigestToSign(ORIGIN, challenge, 'SHA-256'));
    const authToken = { format: AUTH_TOKEN_FORMAT, origin: ORIGIN, challenge, ...auth };
    const hash = createHash('sha256').update('Tờ trình 12/TTr-UBND', 'utf8').digest('base64');
    const signed = await signWithToken(Buffer.from(hash, 'base64'));
    const roots = [await pemToBase64(token.rootPem)];
    const input = (extra: Record<string, unknown> = {}) => ({ origin: ORIGIN, challenge, token: authToken, trustedRootsBase64: roots, signHash: { result: signed, hash }, ...extra });

    await writeFile(join(dir, 'good.json'), JSON.stringify(input()));
    const good = await server.verify(join(dir, 'good.json')) as any;
    expect(good.signIn.identifiers).toContain('MST:0101234567');
    expect(good.signIn.pathLength).toBeGreaterThanOrEqual(2);
    expect(good.signature).toMatchObject({ valid: true });

    // The same compiled code refuses a replayed token (another challenge issued), another site, and a digest it did not compute.
    const otherHash = createHash('sha256').update('Tờ trình khác', 'utf8').digest('base64');
    await writeFile(join(dir, 'bad.json'), JSON.stringify(input({ challenge: randomBytes(32).toString('base64'), signHash: { result: signed, hash: otherHash } })));
    const bad = await server.verify(join(dir, 'bad.json')) as any;
    expect(bad.signIn).toEqual({ error: 'AUTH_TOKEN_INVALID', reason: 'challenge' });
    expect(bad.signature).toEqual({ valid: false, reason: 'signature' });
    await writeFile(join(dir, 'site.json'), JSON.stringify(input({ origin: 'https://dichvucong.kyso-test.gov.vn.evil.example' })));
    expect((await server.verify(join(dir, 'site.json')) as any).signIn).toEqual({ error: 'AUTH_TOKEN_INVALID', reason: 'origin' });
  });
});
