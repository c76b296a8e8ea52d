/**
 * Certificates in the browser, end to end with real parts (headless Chromium, the built extension, the native
 * host, SoftHSM2): the consent window shows each certificate's holder, identifiers (MST/CCCD as labelled
 * fields), issuer and validity; tokens plugged in / pulled out while the window is open appear / disappear;
 * and the SDK's verify() judges a CMS signature the token made (cross-checked with openssl first).
 * Requires `npm run build`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { ROOT, clickClosing, pageClosed, waitForConsentPage } from '../helpers/browser.js';
import { portalFixture } from '../helpers/portal-fixture.js';
import { plugInSecondToken } from '../helpers/hotplug-token.js';
import { VERIFY_INLINE_MAX_BYTES } from '../../shared/protocol/verify-document-request.js';

const run = promisify(execFile);
const portal = portalFixture({ env: (token) => ({ ...token.env, KYSO_TRUST_DIR: '' }) });

/** Start an SDK call in the page without waiting for it (it waits for the person); read it with `outcome`. */
async function startSdk(page: Page, call: string): Promise<void> {
  await page.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    window.__kysoCall = ${call}.then((result) => ({ result }), (error) => ({ code: error.code ?? String(error) }));
  })()`);
}
async function outcome(page: Page): Promise<{ result?: any; code?: string }> {
  return page.evaluate('window.__kysoCall');
}

const optionOf = (consent: Page, certificateId: string) => consent.locator(`[data-testid=certificate-option][data-certificate-id="${certificateId}"]`);

describe('consent window: who the certificates belong to', () => {
  it('shows holder, typed identifiers, issuer and validity for each test certificate; the expired one greyed out with the reason', async () => {
    const page = await portal.openPortal();
    await startSdk(page, `sdk.signHash({ hash: btoa(String.fromCharCode(...new Uint8Array(32).fill(7))), hashAlgorithm: 'SHA-256', description: 'Kiểm tra hiển thị' })`);
    const consent = await waitForConsentPage(portal.browser.context);
    await consent.waitForSelector('[data-testid=certificate-option]');

    const org = optionOf(consent, portal.token.cert('org-rsa').certificateId);
    expect(await org.locator('[data-testid=certificate-holder]').textContent()).toBe('Công ty TNHH Kyso Thử Nghiệm');
    expect(await org.locator('[data-testid=certificate-identifier]').allTextContents()).toEqual(['MST: 0101234567']);
    expect(await org.locator('[data-testid=certificate-issuer]').textContent()).toMatch(/^Nơi cấp: .+/);
    const issuerCn = (await run('openssl', ['x509', '-in', portal.token.intermediatePem, '-noout', '-subject', '-nameopt', 'multiline,utf8,-esc_msb'])).stdout
      .match(/commonName\s*=\s*(.+)/)?.[1]?.trim();
    expect(await org.locator('[data-testid=certificate-issuer]').textContent()).toContain(issuerCn!);
    const notAfter = new Date((await run('openssl', ['x509', '-in', portal.token.cert('org-rsa').certPem, '-noout', '-enddate'])).stdout.split('=')[1]!.trim());
    expect(await org.locator('[data-testid=certificate-validity]').textContent()).toContain(notAfter.toLocaleDateString('vi-VN'));

    const person = optionOf(consent, portal.token.cert('person-ec').certificateId);
    expect(await person.locator('[data-testid=certificate-holder]').textContent()).toBe('Nguyễn Văn Ánh');
    expect(await person.locator('[data-testid=certificate-identifier]').allTextContents()).toEqual(['CCCD: 001099012345']);
    expect(await person.locator('[data-testid=certificate-identifier]').getAttribute('data-identifier-type')).toBe('CCCD');
    const person2 = optionOf(consent, portal.token.cert('person2-rsa').certificateId);
    expect(await person2.locator('[data-testid=certificate-identifier]').allTextContents()).toEqual(['CCCD: 079199000001']);

    // The expired certificate is shown, greyed out, with the reason; the others are choosable.
    const expired = optionOf(consent, portal.token.cert('expired-rsa').certificateId);
    expect(await expired.locator('[data-testid=unusable-reason]').textContent()).toContain('Đã hết hạn');
    expect(await expired.locator('input[type=radio]').isDisabled()).toBe(true);
    expect(await person.locator('[data-testid=unusable-reason]').count()).toBe(0);

    await clickClosing(consent, '[data-testid=cancel]');
    expect(await pageClosed(consent)).toBe(true);
    expect((await outcome(page)).code).toBe('USER_CANCELLED');
    await page.close();
  });
});

describe('hot-plug while the consent window is open', () => {
  it('a second token plugged in appears; the selection is kept; pulled out, it disappears', async () => {
    const page = await portal.openPortal();
    await startSdk(page, `sdk.signHash({ hash: btoa(String.fromCharCode(...new Uint8Array(32).fill(9))), hashAlgorithm: 'SHA-256' })`);
    const consent = await waitForConsentPage(portal.browser.context);
    await consent.waitForSelector('[data-testid=certificate-option]');
    const personId = portal.token.cert('person-ec').certificateId;
    await optionOf(consent, personId).click();
    await consent.fill('[data-testid=pin]', '12'); // a half-typed PIN must survive the refresh

    const plugged = await plugInSecondToken(portal.token);
    try {
      const added = optionOf(consent, plugged.certificateId);
      await added.waitFor({ timeout: 10_000 });
      expect(await added.locator('[data-testid=certificate-holder]').textContent()).toBe(plugged.commonName);
      expect(await added.locator('[data-testid=certificate-identifier]').allTextContents()).toEqual(['MST: 0309999999']);
      expect(await optionOf(consent, personId).locator('input[type=radio]').isChecked()).toBe(true);
      expect(await consent.inputValue('[data-testid=pin]')).toBe('12');
    } finally {
      await plugged.pullOut();
    }
    await optionOf(consent, plugged.certificateId).waitFor({ state: 'detached', timeout: 10_000 });
    expect(await optionOf(consent, personId).count()).toBe(1);

    await clickClosing(consent, '[data-testid=cancel]');
    expect((await outcome(page)).code).toBe('USER_CANCELLED');
    await page.close();
  });
});

describe('SDK verify() of a CMS signature made by the token', () => {
  let doc: Buffer;
  let p7s: Buffer;
  let rootDer: Buffer;

  beforeAll(async () => {
    const path = join(portal.token.dir, 'cong-van.txt');
    await writeFile(path, 'Công văn số 88/CV-UBND ngày 25/11/2026 gửi các phường.\n');
    // The built CLI signs on the SoftHSM2 token (same code path as the host).
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/kyso.mjs'), 'sign-cms', path, '-o', `${path}.p7s`, '--cert', 'MST:0101234567', '--pin-stdin'],
        { env: { ...process.env, ...portal.token.env }, stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`sign-cms failed: ${stderr}`))));
      child.stdin.end(`${portal.token.userPin}\n`);
    });
    // Independent check first: openssl accepts the token's signature.
    await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', `${path}.p7s`, '-content', path, '-CAfile', portal.token.rootPem,
      '-certfile', portal.token.intermediatePem, '-purpose', 'any', '-out', '/dev/null']);
    doc = await readFile(path);
    p7s = await readFile(`${path}.p7s`);
    rootDer = Buffer.from((await readFile(portal.token.rootPem, 'utf8')).replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  }, 120_000);

  async function verifyInPage(page: Page, document: Buffer, content: Buffer | undefined, roots: Buffer[]): Promise<{ result?: any; code?: string }> {
    return page.evaluate(`(async () => {
      const sdk = await import('/sdk/kyso.js');
      const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      try {
        const result = await sdk.verify(bytes(${JSON.stringify(document.toString('base64'))}), {
          ${content ? `content: bytes(${JSON.stringify(content.toString('base64'))}),` : ''}
          trustRoots: ${JSON.stringify(roots.map((r) => r.toString('base64')))}.map(bytes),
          checkRevocation: false,
        });
        return { result };
      } catch (error) { return { code: error.code ?? String(error) }; }
    })()`);
  }

  it("valid with the demo root, with the signer's MST; no consent window opens", async () => {
    const page = await portal.openPortal();
    const pagesBefore = portal.browser.context.pages().length;
    const { result, code } = await verifyInPage(page, p7s, doc, [rootDer]);
    expect(code).toBeUndefined();
    expect(result).toMatchObject({ status: 'valid', format: 'cms', signatures: [{ status: 'valid', signer: { subject: { identifiers: { mst: '0101234567' } } } }] });
    expect(portal.browser.context.pages().length).toBe(pagesBefore);
    await page.close();
  });

  it('content changed: invalid, with the reason in Vietnamese and English', async () => {
    const page = await portal.openPortal();
    const changed = Buffer.from(doc.toString('utf8').replace('88', '89'), 'utf8');
    const { result } = await verifyInPage(page, p7s, changed, [rootDer]);
    expect(result.status).toBe('invalid');
    expect(result.signatures[0].reasons).toContainEqual(expect.objectContaining({ code: 'CONTENT_MODIFIED', vi: 'Nội dung đã bị thay đổi sau khi ký.' }));
    await page.close();
  });

  it('no trusted root on this computer and none named: indeterminate', async () => {
    const page = await portal.openPortal();
    const { result } = await verifyInPage(page, p7s, doc, []);
    expect(result.status).toBe('indeterminate');
    expect(result.signatures[0].chain.status).toBe('untrusted');
    await page.close();
  });

  it('a PDF the token signed (kyso sign-pdf; pdfsig says valid) is valid too, with its field name; a changed byte makes it invalid', async () => {
    const { PDFDocument } = await import('pdf-lib');
    const pdf = await PDFDocument.create();
    pdf.addPage([595, 842]).drawText('Bien ban nghiem thu 2026', { x: 72, y: 760, size: 14 });
    const input = join(portal.token.dir, 'bien-ban.pdf');
    const output = join(portal.token.dir, 'bien-ban-signed.pdf');
    await writeFile(input, await pdf.save());
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/kyso.mjs'), 'sign-pdf', input, '-o', output, '--cert', 'CCCD:001099012345', '--pin-stdin'],
        { env: { ...process.env, ...portal.token.env }, stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`sign-pdf failed: ${stderr}`))));
      child.stdin.end(`${portal.token.userPin}\n`);
    });
    const pdfsig = await run('pdfsig', ['-nocert', output]).then((r) => r.stdout, (e: { stdout?: string }) => e.stdout ?? '');
    expect(pdfsig).toContain('Signature is Valid');
    const signed = await readFile(output);
    const page = await portal.openPortal();
    const { result } = await verifyInPage(page, signed, undefined, [rootDer]);
    expect(result).toMatchObject({ status: 'valid', format: 'pdf', signatures: [{ status: 'valid', coversWholeDocument: true, signer: { subject: { identifiers: { cccd: '001099012345' } } } }] });
    expect(typeof result.signatures[0].name).toBe('string');
    // Change one byte inside the signed range (the binary comment after the header), keeping the file parseable.
    const tampered = Buffer.from(signed);
    expect(tampered.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const at = tampered.indexOf('%', 5);
    tampered[at + 1] = tampered[at + 1]! ^ 0x01;
    const tamperedPath = join(portal.token.dir, 'bien-ban-tampered.pdf');
    await writeFile(tamperedPath, tampered);
    const pdfsigTampered = await run('pdfsig', ['-nocert', tamperedPath]).then((r) => r.stdout, (e: { stdout?: string }) => e.stdout ?? '');
    expect(pdfsigTampered).not.toContain('Signature is Valid');
    const again = await verifyInPage(page, tampered, undefined, [rootDer]);
    expect(again.result?.status ?? again.code).toBe('invalid');
    await page.close();
  });

  it('inline limit: exactly VERIFY_INLINE_MAX_BYTES reaches the host (zeros: UNSUPPORTED_DOCUMENT); one byte more is PAYLOAD_TOO_LARGE', async () => {
    const page = await portal.openPortal();
    const codes = await page.evaluate(`(async () => {
      const sdk = await import('/sdk/kyso.js');
      const attempt = async (n) => { try { await sdk.verify(new Uint8Array(n)); return 'resolved'; } catch (error) { return error.code ?? String(error); } };
      return [await attempt(${VERIFY_INLINE_MAX_BYTES}), await attempt(${VERIFY_INLINE_MAX_BYTES + 1})];
    })()`);
    expect(codes).toEqual(['UNSUPPORTED_DOCUMENT', 'PAYLOAD_TOO_LARGE']);
    await page.close();
  });
});
