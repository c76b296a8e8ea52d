#!/usr/bin/env node
/**
 * npm run demo [-- --headless] [-- --port N] [-- --fresh-token]
 *
 * Everything a person needs to see Kyso sign on this machine:
 *   1. system packages (softhsm2, opensc, chromium) and node_modules — installed when root, else the command is printed;
 *   2. a demo SoftHSM2 token in .kyso/demo-token (unless KYSO_PKCS11_MODULE names a real token's driver);
 *   3. npm run build; `kyso install --browser chromium --user-data-dir .kyso/demo-profile`;
 *   4. raw-hash signing (signHash, which the demo page uses) enabled for the demo origin on Kyso's options page
 *      of .kyso/demo-profile, as a person would: signHash is opt-in per origin (README "Admins", docs/security.md);
 *   5. the demo portal on http://localhost:<port>, opened in Chromium with the extension.
 * With --headless, playwright-core plays the person: clicks "Ký số", approves in the Kyso window, types the PIN,
 * prints the verified result and exits 0 (non-zero on any failure).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { X509Certificate, verify as nodeVerify } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ensurePrerequisites } from './lib/prerequisites.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.KYSO_CHROMIUM ?? '/usr/bin/chromium';
const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const TOKEN_DIR = join(ROOT, '.kyso/demo-token');
const PROFILE_DIR = join(ROOT, '.kyso/demo-profile');
const EXTENSION_DIR = join(ROOT, 'dist/chromium');
const DEMO_PIN = process.env.KYSO_DEMO_PIN ?? '123456';

const { values: args } = parseArgs({
  options: { headless: { type: 'boolean', default: false }, port: { type: 'string', default: '5173' }, 'fresh-token': { type: 'boolean', default: false } },
});

const say = (text) => process.stderr.write(`demo: ${text}\n`);

function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', cwd: ROOT, ...options });
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

/** 1. Prerequisites (the one list in scripts/system-packages.txt): install when we may, otherwise say exactly what to run. */
function ensureDemoPrerequisites() {
  // A real token's driver replaces the SoftHSM2 demo token and its tools.
  const skip = process.env.KYSO_PKCS11_MODULE ? ['softhsm2', 'opensc'] : [];
  ensurePrerequisites('demo', { say, skip });
}

/** 2. The token: a real one (KYSO_PKCS11_MODULE) or the demo SoftHSM2 token. Returns the env for the browser/host. */
function ensureToken() {
  if (process.env.KYSO_PKCS11_MODULE) {
    say(`using the token driver in KYSO_PKCS11_MODULE (${process.env.KYSO_PKCS11_MODULE})`);
    return { env: { KYSO_PKCS11_MODULE: process.env.KYSO_PKCS11_MODULE }, pin: DEMO_PIN };
  }
  const info = join(TOKEN_DIR, 'token.json');
  if (args['fresh-token'] || !existsSync(info)) {
    say('creating the demo token (.kyso/demo-token)');
    rmSync(TOKEN_DIR, { recursive: true, force: true });
    run(process.execPath, [join(ROOT, 'scripts/token-demo.mjs'), '--dir', TOKEN_DIR]);
  } else {
    say('reusing the demo token in .kyso/demo-token (--fresh-token to recreate)');
  }
  const token = JSON.parse(readFileSync(info, 'utf8'));
  return { env: { SOFTHSM2_CONF: token.softhsm2Conf, KYSO_PKCS11_MODULE: token.module }, pin: token.userPin ?? DEMO_PIN };
}

function chromiumArgs() {
  return ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    `--disable-extensions-except=${EXTENSION_DIR}`, `--load-extension=${EXTENSION_DIR}`];
}

async function startServer() {
  const { startStaticServer } = await import(pathToFileURL(join(ROOT, 'demo/serve.mjs')).href);
  const routes = { '/': join(ROOT, 'demo'), '/sdk/': join(ROOT, 'dist/sdk') };
  try {
    return await startStaticServer({ routes, port: Number(args.port) });
  } catch {
    say(`port ${args.port} is busy; using a free one`);
    return startStaticServer({ routes, port: 0 });
  }
}

/**
 * The demo page signs a hash (`signHash`), which Kyso offers only to origins an admin or the person enabled it
 * for. Do what the person would: open Kyso's options page in the demo profile, type the demo origin, tick "I
 * understand" under the warning and confirm. Stored in the profile's extension storage, so the interactive
 * browser started afterwards with the same profile has it. Idempotent (re-enabling refreshes the date).
 */
async function enableSignHashForDemo(context, url) {
  const worker = context.serviceWorkers()[0] ?? await context.waitForEvent('serviceworker', { timeout: 15_000 });
  const options = await context.newPage();
  try {
    await options.goto(`chrome-extension://${new URL(worker.url()).host}/ui/options/options.html`);
    await options.fill('[data-testid=raw-signing-input]', url);
    await options.check('[data-testid=raw-signing-understood]');
    await options.click('[data-testid=raw-signing-add]');
    await options.waitForSelector(`[data-testid=raw-signing-row][data-origin="${url}"]`, { timeout: 10_000 });
    say(`enabled signHash for ${url} on Kyso's options page (demo profile only; see README "Admins")`);
  } finally {
    await options.close();
  }
}

/** Step 4 for the interactive run: a short headless start of the same profile. */
async function prepareDemoProfile(url, env) {
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(PROFILE_DIR, {
    executablePath: CHROMIUM, headless: true, args: chromiumArgs(), env: { ...process.env, ...env },
  });
  try {
    await enableSignHashForDemo(context, url);
  } finally {
    await context.close();
  }
}

/** --headless: play the person with playwright-core and check the result independently. */
async function headlessRun(url, env, pin) {
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(PROFILE_DIR, {
    executablePath: CHROMIUM, headless: true, args: chromiumArgs(), env: { ...process.env, ...env },
  });
  try {
    await enableSignHashForDemo(context, url);
    const page = await context.newPage();
    await page.goto(`${url}/`);
    await page.waitForSelector('[data-testid=status][data-state]', { timeout: 30_000 });
    say(`status: ${await page.textContent('[data-testid=status]')}`);
    if (await page.getAttribute('[data-testid=status]', 'data-state') !== 'ready') throw new Error('Kyso is not ready (see status above)');
    const text = await page.inputValue('[data-testid=document-text]');
    const consentOpened = context.waitForEvent('page', { predicate: (p) => p.url().includes('/ui/consent/consent.html'), timeout: 30_000 });
    await page.click('[data-testid=sign]');
    const consent = await consentOpened;
    const siteButton = consent.locator('[data-testid=site-allow-once]');
    const pinField = consent.locator('[data-testid=pin]');
    await Promise.race([siteButton.waitFor({ timeout: 15_000 }), pinField.waitFor({ timeout: 15_000 })]);
    // The window fills itself from the background after it opens: read the origin once it is rendered.
    say(`consent window opened for ${await consent.locator('[data-testid=origin]').first().textContent()}`);
    if (await siteButton.isVisible()) { await siteButton.click(); await pinField.waitFor({ timeout: 15_000 }); }
    const chosen = consent.locator('[data-testid=certificate-option]:has(input:checked) .name');
    say(`certificate: ${await chosen.textContent()}`);
    await pinField.fill(pin);
    await consent.click('[data-testid=approve]', { noWaitAfter: true }).catch((error) => {
      if (!/closed/i.test(String(error))) throw error; // the window closes as soon as signing succeeds
    });
    await page.waitForSelector('[data-testid=verified]:visible, [data-testid=demo-error]:visible', { timeout: 60_000 });
    const outcome = await page.evaluate(() => window.kysoDemo);
    if (!outcome.lastResult) throw new Error(`signing failed: ${outcome.lastError?.code} ${outcome.lastError?.message ?? ''}`);
    const result = outcome.lastResult;
    // Independent check, outside the browser: node:crypto against the returned certificate.
    const certificate = new X509Certificate(Buffer.from(result.certificate, 'base64'));
    const valid = nodeVerify(result.hashAlgorithm.replace('-', '').toLowerCase(), Buffer.from(text, 'utf8'), certificate.publicKey, Buffer.from(result.signature, 'base64'));
    process.stdout.write([
      `Signed: "${text}"`,
      `Signer: ${certificate.subject.replace(/\n/g, ', ')}`,
      `Algorithm: ${result.signatureAlgorithm} / ${result.hashAlgorithm}`,
      `Signature: ${result.signature.slice(0, 64)}…`,
      `Verified by the SDK in the page: yes; by node:crypto: ${valid ? 'yes' : 'NO'}`,
      '',
    ].join('\n'));
    if (!valid) throw new Error('node:crypto could not verify the signature');
  } finally {
    await context.close();
  }
}

async function main() {
  ensureDemoPrerequisites();
  const { env, pin } = ensureToken();
  say('building');
  const { buildAll } = await import(pathToFileURL(join(ROOT, 'scripts/build.mjs')).href);
  await buildAll();
  say('registering the native host for .kyso/demo-profile');
  run(process.execPath, [join(ROOT, 'bin/kyso.mjs'), 'install', '--browser', 'chromium', '--user-data-dir', PROFILE_DIR]);
  const server = await startServer();
  say(`demo portal: ${server.url}/`);
  try {
    if (args.headless) {
      await headlessRun(server.url, env, pin);
      return 0;
    }
    if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
      say('no display here (DISPLAY / WAYLAND_DISPLAY unset): run "npm run demo -- --headless" to watch the flow in the terminal');
      return 2;
    }
    await prepareDemoProfile(server.url, env);
    say(`opening Chromium; the demo PIN is ${pin}. Close the browser to stop.`);
    const browser = spawn(CHROMIUM, [...chromiumArgs(), `--user-data-dir=${PROFILE_DIR}`, `${server.url}/`], { stdio: 'inherit', env: { ...process.env, ...env } });
    process.on('SIGINT', () => browser.kill('SIGTERM'));
    return await new Promise((ok) => browser.on('exit', (code) => ok(code ?? 0)));
  } finally {
    await server.close();
  }
}

main().then((code) => { process.exitCode = code; }, (error) => {
  say(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
