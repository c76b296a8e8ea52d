/** Signer image and seal for Decree 30 stamps (extension/compat/stamp-images.ts): checks, parsing, precedence. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { effectiveStampImages, inspectStampImage, parseStampImages, storedImageOf } from '../../extension/compat/stamp-images.js';
import { pdfOptionsFor } from '../../extension/compat/vgca-appearance.js';
import { readStampImages } from '../../extension/background/compat/stamp-image-source.js';
import { makeJpeg, makeSealPng, makeSignaturePng } from '../fixtures/pdf/generate-fixtures.js';
import { bytesToBase64 } from '../../shared/domain/base64.js';

const b64 = (bytes: Uint8Array) => bytesToBase64(bytes);
const pdf = new TextEncoder().encode('%PDF-1.7\n1 0 obj << /Type /Page /MediaBox [0 0 595.28 841.89] >> endobj\n');
const base = { FileUploadHandler: 'https://p.vn/u', FileName: 'https://p.vn/f.pdf' };

describe('stamp image checks', () => {
  it('PNG and JPEG (pdftoppm\'s, 120×60) are recognised by content, with their pixel size', async () => {
    expect(inspectStampImage(makeSignaturePng(240, 100))).toEqual({ ok: true, facts: { type: 'image/png', width: 240, height: 100 } });
    expect(inspectStampImage(new Uint8Array(await makeJpeg(mkdtempSync(join(tmpdir(), 'kyso-jpeg-')))))).toEqual({ ok: true, facts: { type: 'image/jpeg', width: 120, height: 60 } });
  });
  it('not an image, over 512 KB, or a side outside 32–2000 px is refused with the reason', () => {
    expect(inspectStampImage(new TextEncoder().encode('GIF89a…'))).toEqual({ ok: false, problem: 'type' });
    const big = new Uint8Array(512 * 1024 + 1);
    big.set(makeSignaturePng(), 0);
    expect(inspectStampImage(big)).toEqual({ ok: false, problem: 'size' });
    expect(inspectStampImage(makeSignaturePng(20, 100))).toEqual({ ok: false, problem: 'dimensions' });
    expect(inspectStampImage(makeSealPng(2001))).toMatchObject({ ok: false });
  });
  it('stored and policy values are re-checked on read; bad entries are dropped, never drawn', () => {
    const signer = b64(makeSignaturePng());
    const parsed = parseStampImages({ signer: { data: signer, name: 'chu-ky.png' }, seal: { data: 'bm90IGFuIGltYWdl', name: 'x.png' } });
    expect(parsed.signer).toMatchObject({ name: 'chu-ky.png', width: 240, height: 100 });
    expect(parsed.seal).toBeUndefined();
    expect(parseStampImages({ seal: b64(makeSealPng()) }).seal).toMatchObject({ width: 200, type: 'image/png' });
    expect(parseStampImages('x')).toEqual({});
    expect(storedImageOf('***', 'x').ok).toBe(false);
  });
  it('the admin\'s seal wins; the person\'s own signer image wins over the admin\'s', () => {
    const a = parseStampImages({ signer: b64(makeSignaturePng(100, 50)), seal: b64(makeSealPng(100)) });
    const p = parseStampImages({ signer: { data: b64(makeSignaturePng(240, 100)), name: 'mine.png' }, seal: { data: b64(makeSealPng(300)), name: 'mine-seal.png' } });
    const effective = effectiveStampImages(p, a);
    expect(effective.signer?.width).toBe(240);
    expect(effective.seal?.width).toBe(100);
    expect(effectiveStampImages({}, a).signer?.width).toBe(100);
  });
});

describe('images in the VGCA stamps', () => {
  const images = parseStampImages({ signer: b64(makeSignaturePng()), seal: b64(makeSealPng()) });
  const now = new Date(0);
  it('approval carries the signer image, issuing the seal; copy and appendix marks carry no image', () => {
    expect(pdfOptionsFor('SignApproved', base, pdf, now, images).visible).toEqual({ signatureImage: images.signer!.data });
    expect(pdfOptionsFor('SignIssued', base, pdf, now, images).visible).toEqual({ sealImage: images.seal!.data });
    for (const path of ['SignCopy', 'SignAppendix', 'SignIncome'] as const) {
      const visible = pdfOptionsFor(path, base, pdf, now, images).visible!;
      expect(visible.signatureImage).toBeUndefined();
      expect(visible.sealImage).toBeUndefined();
      expect(visible).toMatchObject({ typeface: 'serif', textColor: 'black' });
    }
  });
});

describe('reading the images at signing time', () => {
  it('a managed storage that never answers counts as no policy: the person\'s images, after the bound, not a hang', async () => {
    const signer = { data: b64(makeSignaturePng()), name: 'mine.png' };
    const images = await readStampImages({
      localGet: async (key) => ({ [key]: { signer } }),
      managedGet: () => new Promise(() => undefined),
      timeoutMs: 50,
    });
    expect(images.signer?.name).toBe('mine.png');
    expect(images.seal).toBeUndefined();
  });
  it('the admin\'s seal from managed storage is combined with the person\'s signer image', async () => {
    const images = await readStampImages({
      localGet: async (key) => ({ [key]: { signer: { data: b64(makeSignaturePng()), name: 'mine.png' } } }),
      managedGet: async (keys) => ({ [keys[0]!]: { seal: b64(makeSealPng(120)) } }),
    });
    expect(images.signer?.width).toBe(240);
    expect(images.seal?.width).toBe(120);
  });
});
