/**
 * The extension for distribution (scripts/lib/package/extension.mjs), from the built dist/chromium and
 * dist/firefox (`npm run build` first): the store zip, the CRX3 + update.xml for self-hosting, the Firefox .xpi.
 * The .crx is signed with a key this test makes; the checks read the file the way Chrome's verifier does
 * (header layout, proof, signature over the documented byte string), and `unzip -t` checks every archive.
 * test/e2e/enterprise-rollout.test.ts then has a real Chromium install the .crx by policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');
const UPDATE_URL = 'https://kyso.congty.vn/ext/update.xml';
let dir: string;
let result: { storeZip: string; crx: string; updateXml: string; xpi: string; extensionId: string; crxUrl: string };
let spki: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kyso-extension-package-'));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  spki = publicKey.export({ type: 'spki', format: 'der' });
  const keyPath = join(dir, 'test-release-key.pem');
  await writeFile(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const { packageExtension } = await import(pathToFileURL(join(ROOT, 'scripts/lib/package/extension.mjs')).href);
  result = await packageExtension({
    version: '0.1.0', outDir: join(dir, 'out'), workDir: join(dir, 'work'),
    chromiumDir: join(ROOT, 'dist/chromium'), firefoxDir: join(ROOT, 'dist/firefox'), crxKeyPath: keyPath, updateUrl: UPDATE_URL,
  });
}, 120_000);
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

/** Read one protobuf length-delimited field list (enough for CrxFileHeader). */
function fields(bytes: Buffer): { number: number; value: Buffer }[] {
  const out: { number: number; value: Buffer }[] = [];
  let i = 0;
  const varint = () => { let n = 0; let shift = 0; let b; do { b = bytes[i++]!; n += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80); return n; };
  while (i < bytes.length) {
    const tag = varint();
    expect(tag & 7).toBe(2);
    const length = varint();
    out.push({ number: Math.floor(tag / 8), value: bytes.subarray(i, i + length) });
    i += length;
  }
  return out;
}

function unzip(args: string[]): string {
  const r = spawnSync('unzip', args, { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('extension packages', () => {
  it('the store zip is a valid archive whose manifest has no "key" (the store assigns the ID)', () => {
    expect(unzip(['-t', result.storeZip])).toContain('No errors detected');
    const manifest = JSON.parse(unzip(['-p', result.storeZip, 'manifest.json']));
    expect(manifest.key).toBeUndefined();
    expect(manifest.manifest_version).toBe(3);
    expect(manifest.version).toBe('0.1.0');
  });

  it('the .crx is CRX3: header, RSA proof with the release key, signature over "CRX3 SignedData\\0" | len | signed data | zip', async () => {
    const crx = await readFile(result.crx);
    expect(crx.subarray(0, 4).toString('latin1')).toBe('Cr24');
    expect(crx.readUInt32LE(4)).toBe(3);
    const headerSize = crx.readUInt32LE(8);
    const header = fields(crx.subarray(12, 12 + headerSize));
    const zip = crx.subarray(12 + headerSize);
    const proof = fields(header.find((f) => f.number === 2)!.value);
    const signedHeaderData = header.find((f) => f.number === 10000)!.value;
    expect(proof.find((f) => f.number === 1)!.value.equals(spki)).toBe(true);
    const crxId = fields(signedHeaderData).find((f) => f.number === 1)!.value;
    expect(crxId.equals(createHash('sha256').update(spki).digest().subarray(0, 16))).toBe(true);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(signedHeaderData.length, 0);
    const signed = Buffer.concat([Buffer.from('CRX3 SignedData\x00', 'latin1'), length, signedHeaderData, zip]);
    const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(verify('sha256', signed, publicKey, proof.find((f) => f.number === 2)!.value)).toBe(true);
    // A flipped byte in the payload breaks it (the check can fail).
    const tampered = Buffer.from(signed);
    tampered[tampered.length - 100]! ^= 1;
    expect(verify('sha256', tampered, publicKey, proof.find((f) => f.number === 2)!.value)).toBe(false);
  });

  it('the extension ID is the release key\'s (a–p letters of SHA-256(key)), and the crx manifest carries that key and update_url', async () => {
    const expectedId = [...createHash('sha256').update(spki).digest().subarray(0, 16).toString('hex')].map((c) => 'abcdefghijklmnop'[parseInt(c, 16)]).join('');
    expect(result.extensionId).toBe(expectedId);
    const crx = await readFile(result.crx);
    const zipPath = join(dir, 'payload.zip');
    await writeFile(zipPath, crx.subarray(12 + crx.readUInt32LE(8)));
    expect(unzip(['-t', zipPath])).toContain('No errors detected');
    const manifest = JSON.parse(unzip(['-p', zipPath, 'manifest.json']));
    expect(manifest.key).toBe(spki.toString('base64'));
    expect(manifest.update_url).toBe(UPDATE_URL);
  });

  it('update.xml (gupdate) names the ID, the version and the .crx next to it', async () => {
    const xml = await readFile(result.updateXml, 'utf8');
    expect(xml).toContain("<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>");
    expect(xml).toContain(`<app appid='${result.extensionId}'>`);
    expect(xml).toContain("<updatecheck codebase='https://kyso.congty.vn/ext/kyso-0.1.0.crx' version='0.1.0' />");
  });

  it('the .xpi (web-ext build) is a valid archive with the Firefox manifest (gecko id kyso@kyso.vn)', () => {
    expect(unzip(['-t', result.xpi])).toContain('No errors detected');
    const manifest = JSON.parse(unzip(['-p', result.xpi, 'manifest.json']));
    expect(manifest.browser_specific_settings.gecko.id).toBe('kyso@kyso.vn');
  });
});
