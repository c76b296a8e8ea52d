/**
 * PDF signing with the SoftHSM2 demo token, checked by tools nobody here wrote: poppler's pdfsig (signature and
 * certificate validity, whole-document coverage), openssl cms -verify (the CMS over the byte range),
 * openssl ts -verify (B-T), pdftoppm (what the person sees), qpdf --check (file structure).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { startTestTsa, type TestTsa } from '../helpers/tsa-server.js';
import { TokenService, type TokenSigner } from '../../native-host/token/token-service.js';
import { signPdf, signPdfFile } from '../../native-host/formats/pdf/sign-pdf.js';
import { completePdfSignature, preparePdfSignature } from '../../native-host/formats/pdf/prepare-pdf-signature.js';
import { buildCmsSignature } from '../../native-host/formats/cms/build-cms-signature.js';
import { completePdfWithSignatureValue, pdfDigestToSign } from '../../native-host/formats/pdf/pdf-external-signature.js';
import { timestampHook } from '../../native-host/formats/timestamp/request-timestamp.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import {
  encryptWithQpdf, makeJpeg, makeSealPng, makeSignaturePng, makeVietnameseDocument, objectStreamsWithQpdf,
} from '../fixtures/pdf/generate-fixtures.js';
import {
  differencesOutside, extractSignatures, inkFraction, nssDbWith, opensslCmsPrint, opensslCmsVerify, opensslTsVerify,
  pdfsig, renderPage, signatureTimestamp,
} from '../fixtures/pdf/pdf-test-tools.js';

const run = promisify(execFile);
const A4_HEIGHT_PT = 841.89;

let token: DemoToken;
let tokens: TokenService;
let current: { name: string; signer: TokenSigner } | undefined;
let dir: string;
let caFile: string;
let nssDir: string;
let tsa: TestTsa;

beforeAll(async () => {
  token = await createDemoToken();
  process.env.SOFTHSM2_CONF = token.softhsm2Conf;
  tokens = new TokenService({ modulePaths: [token.module] });
  dir = await mkdtemp(join(tmpdir(), 'kyso-pdf-it-'));
  caFile = join(dir, 'cas.pem');
  await writeFile(caFile, `${await readFile(token.rootPem, 'utf8')}\n${await readFile(token.intermediatePem, 'utf8')}`);
  nssDir = await nssDbWith([token.rootPem, token.intermediatePem]);
  tsa = await startTestTsa();
});

afterAll(async () => {
  await current?.signer.close();
  tokens?.close();
  await tsa?.close();
});

/** The token serves one logged-in signer at a time (TokenService locks it): switch when another is needed. */
async function signerFor(name: 'org-rsa' | 'person-ec'): Promise<TokenSigner> {
  if (current?.name === name) return current.signer;
  await current?.signer.close();
  current = undefined;
  current = { name, signer: await tokens.openSigner(token.cert(name).identifier, token.userPin) };
  return current.signer;
}

async function expectKysoError(promise: Promise<unknown>, code: string): Promise<KysoError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(KysoError);
  expect((error as KysoError).code).toBe(code);
  return error as KysoError;
}

describe('PAdES signatures with the token', () => {
  it('approve then issue: two visible signatures, both valid and trusted, the first covering its revision', async () => {
    const input = join(dir, 'decision.pdf');
    const original = await makeVietnameseDocument(3, 'table');
    await writeFile(input, original);
    const approved = join(dir, 'decision-approved.pdf');
    const issued = join(dir, 'decision-issued.pdf');
    await signPdfFile(input, approved, await signerFor('org-rsa'), {
      reason: 'Phê duyệt', location: 'Hà Nội',
      visible: { page: 3, rect: { x: 340, y: 180, width: 220, height: 80 }, sealImage: makeSealPng(), signatureImage: makeSignaturePng() },
    });
    await signPdfFile(approved, issued, await signerFor('person-ec'), { reason: 'Ban hành', visible: { page: 3, anchor: { text: 'Nơi nhận' } } });

    // Inputs are never changed; each revision starts with the previous file byte for byte [ISO 32000-1 §7.5.6].
    expect(Buffer.compare(await readFile(input), original)).toBe(0);
    const approvedBytes = await readFile(approved);
    const issuedBytes = await readFile(issued);
    expect(Buffer.compare(issuedBytes.subarray(0, approvedBytes.length), approvedBytes)).toBe(0);

    const report = await pdfsig(issued, nssDir);
    expect(report.signatures).toHaveLength(2);
    expect(report.signatures.map((s) => s.valid)).toEqual([true, true]);
    expect(report.signatures.map((s) => s.trusted)).toEqual([true, true]);
    expect(report.signatures.map((s) => s.totalDocumentSigned)).toEqual([false, true]);
    expect(report.output).toContain('Công ty TNHH Kyso Thử Nghiệm');
    expect(report.output).toContain('Nguyễn Văn Ánh');
    expect(report.output).toMatch(/Signature Type: ETSI\.CAdES\.detached/);

    // The first signature still covers exactly the approved file.
    const [first, second] = extractSignatures(issuedBytes);
    expect(first!.byteRange[2] + first!.byteRange[3]).toBe(approvedBytes.length);
    expect(second!.byteRange[2] + second!.byteRange[3]).toBe(issuedBytes.length);

    // openssl, independently: the CMS verifies over the byte range; PAdES attributes are right.
    for (const s of [first!, second!]) {
      const verified = await opensslCmsVerify(s.cms, s.signedBytes, caFile);
      expect(verified.ok, verified.output).toBe(true);
      const printed = await opensslCmsPrint(s.cms);
      expect(printed).toContain('signingCertificateV2');
      expect(printed).toContain('messageDigest');
      expect(printed).not.toContain('signingTime'); // ETSI EN 319 142-1 §5.2.1: time goes in /M
    }

    const check = await run('qpdf', ['--check', issued]).then((r) => r.stdout, (e: { stdout: string }) => e.stdout);
    expect(check).toContain('No syntax or stream encoding errors');
  });

  it('a changed byte inside the signed range makes pdfsig report the signature invalid', async () => {
    const signed = join(dir, 'tamper-me.pdf');
    await writeFile(join(dir, 'tamper-in.pdf'), await makeVietnameseDocument(1));
    await signPdfFile(join(dir, 'tamper-in.pdf'), signed, await signerFor('org-rsa'), {});
    expect((await pdfsig(signed, nssDir)).signatures[0]?.valid).toBe(true);
    const bytes = await readFile(signed);
    // The binary comment on the header's second line: the file still parses, only the digest changes.
    const at = bytes.indexOf('%', 5);
    bytes[at + 1] = bytes[at + 1]! ^ 0x01;
    const tampered = join(dir, 'tampered.pdf');
    await writeFile(tampered, bytes);
    const report = await pdfsig(tampered, nssDir);
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]!.valid).toBe(false);
  });

  it('signs files whose last section is a cross-reference stream (pdf-lib and qpdf object streams), adding an xref stream', async () => {
    const libStreams = join(dir, 'streams-pdflib.pdf');
    await writeFile(libStreams, await makeVietnameseDocument(2, 'stream'));
    const qpdfStreams = join(dir, 'streams-qpdf.pdf');
    objectStreamsWithQpdf(join(dir, 'decision.pdf'), qpdfStreams);
    for (const input of [libStreams, qpdfStreams]) {
      const out = `${input}.signed.pdf`;
      await signPdfFile(input, out, await signerFor('person-ec'), { visible: { page: 2, rect: { x: 60, y: 60, width: 200, height: 60 } } });
      const original = await readFile(input);
      const increment = (await readFile(out)).subarray(original.length).toString('latin1');
      expect(increment).toContain('/Type /XRef');
      expect(increment).not.toMatch(/^xref$/m);
      const report = await pdfsig(out, nssDir);
      expect(report.signatures.map((s) => [s.valid, s.totalDocumentSigned])).toEqual([[true, true]]);
      const check = await run('qpdf', ['--check', out]).then((r) => r.stdout, (e: { stdout: string }) => e.stdout);
      expect(check).toContain('No syntax or stream encoding errors');
    }
  });

  it('signs a linearized file (qpdf --linearize) twice; both signatures stay valid', async () => {
    const linearized = join(dir, 'linearized.pdf');
    await run('qpdf', ['--linearize', join(dir, 'decision.pdf'), linearized]);
    const once = join(dir, 'linearized-1.pdf');
    const twice = join(dir, 'linearized-2.pdf');
    await signPdfFile(linearized, once, await signerFor('person-ec'), { visible: { anchor: { text: 'GIÁM ĐỐC' } } });
    await signPdfFile(once, twice, await signerFor('person-ec'), {});
    const report = await pdfsig(twice, nssDir);
    expect(report.signatures.map((s) => [s.valid, s.totalDocumentSigned])).toEqual([[true, false], [true, true]]);
  });

  it('PAdES B-T: the local TSA timestamps the signature value and openssl ts -verify accepts the token', async () => {
    const input = join(dir, 'bt-in.pdf');
    await writeFile(input, await makeVietnameseDocument(1));
    const out = join(dir, 'bt.pdf');
    const before = tsa.requests();
    await signPdfFile(input, out, await signerFor('org-rsa'), { timestamp: timestampHook({ url: tsa.url, allowPrivateAddresses: true /* test TSA on loopback */ }) });
    expect(tsa.requests()).toBe(before + 1);
    expect((await pdfsig(out, nssDir)).signatures[0]?.valid).toBe(true);
    const [sig] = extractSignatures(await readFile(out));
    const { signatureValue, token: tst } = await signatureTimestamp(sig!.cms);
    expect(tst).toBeDefined();
    const verified = await opensslTsVerify(tst!, signatureValue, tsa.caPem, tsa.tsaPem);
    expect(verified.ok, verified.output).toBe(true);
    // The token is over THIS signature value: another value fails.
    const other = await opensslTsVerify(tst!, new Uint8Array(signatureValue.length), tsa.caPem, tsa.tsaPem);
    expect(other.ok).toBe(false);
  });

  it('the stamp is drawn where asked (seal, signature image, Vietnamese text) and nowhere else', async () => {
    const input = join(dir, 'decision.pdf');
    const rect = { x: 320, y: 120, width: 240, height: 90 };
    const out = join(dir, 'render.pdf');
    await signPdfFile(input, out, await signerFor('org-rsa'), { visible: { page: 3, rect, sealImage: makeSealPng(), signatureImage: makeSignaturePng() } });
    const before = await renderPage(input, 3);
    const after = await renderPage(out, 3);
    expect(inkFraction(before, A4_HEIGHT_PT, rect)).toBe(0); // the area was blank
    expect(inkFraction(after, A4_HEIGHT_PT, rect)).toBeGreaterThan(0.05);
    // The text half on the right has ink too (the signing information), not only the images on the left.
    expect(inkFraction(after, A4_HEIGHT_PT, { x: rect.x + rect.width * 0.45, y: rect.y, width: rect.width * 0.55, height: rect.height })).toBeGreaterThan(0.01);
    expect(differencesOutside(before, after, A4_HEIGHT_PT, rect)).toBe(0);
    // Other pages are untouched.
    const p1Before = await renderPage(input, 1);
    const p1After = await renderPage(out, 1);
    expect(Buffer.compare(p1Before.rgb, p1After.rgb)).toBe(0);
  });

  it('the signing information is real text in the embedded font (pdftotext reads the Vietnamese back)', async () => {
    const out = join(dir, 'text.pdf');
    await signPdfFile(join(dir, 'decision.pdf'), out, await signerFor('person-ec'), {
      signingTime: new Date('2026-11-25T03:30:00Z'),
      visible: { page: 1, rect: { x: 300, y: 400, width: 260, height: 70 } },
    });
    const { stdout } = await run('pdftotext', ['-f', '1', '-l', '1', out, '-']);
    expect(stdout).toContain('Ký bởi: Nguyễn Văn Ánh');
    expect(stdout).toContain('Thời gian ký: 25/11/2026 10:30:00 +07:00');
    const { stdout: fonts } = await run('pdffonts', ['-f', '1', '-l', '1', out]);
    // The stamp's font: a tagged subset [ISO 32000-1 §9.6.4], embedded, with a ToUnicode map.
    expect(fonts).toMatch(/^[A-Z]{6}\+DejaVuSans\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/m);
  });

  it('JPEG image, adbe.pkcs7.detached and an invisible signature', async () => {
    const jpeg = await makeJpeg(dir);
    const withJpeg = join(dir, 'jpeg.pdf');
    await signPdfFile(join(dir, 'decision.pdf'), withJpeg, await signerFor('org-rsa'), { subFilter: 'adbe.pkcs7.detached', visible: { page: 2, rect: { x: 60, y: 60, width: 120, height: 60 }, signatureImage: jpeg, lines: [] } });
    const r1 = await pdfsig(withJpeg, nssDir);
    expect(r1.signatures[0]?.valid).toBe(true);
    expect(r1.output).toContain('adbe.pkcs7.detached');
    expect(inkFraction(await renderPage(withJpeg, 2), A4_HEIGHT_PT, { x: 60, y: 60, width: 120, height: 60 })).toBeGreaterThan(0.3);

    const invisible = join(dir, 'invisible.pdf');
    await signPdfFile(join(dir, 'decision.pdf'), invisible, await signerFor('org-rsa'), {});
    expect((await pdfsig(invisible, nssDir)).signatures[0]?.valid).toBe(true);
    const a = await renderPage(join(dir, 'decision.pdf'), 1);
    const b = await renderPage(invisible, 1);
    expect(Buffer.compare(a.rgb, b.rgb)).toBe(0);
  });

  it('server prepares, token signs the digest, server completes', async () => {
    const input = await makeVietnameseDocument(1);
    const prepared = await preparePdfSignature(input, { signerCertificate: (await signerFor('org-rsa')).certificate, visible: { page: 1, rect: { x: 300, y: 100, width: 240, height: 70 } } });
    expect(prepared.byteRangeDigest).toHaveLength(32);
    const cms = await buildCmsSignature({ signer: await signerFor('org-rsa'), hashAlgorithm: prepared.hashAlgorithm, messageDigest: prepared.byteRangeDigest, includeSigningTime: false });
    const signed = completePdfSignature(prepared.preparedPdf, cms);
    const out = join(dir, 'prepared.pdf');
    await writeFile(out, signed);
    expect((await pdfsig(out, nssDir)).signatures.map((s) => s.valid)).toEqual([true]);
    // A CMS larger than the reserved space is refused, not truncated.
    const small = await preparePdfSignature(input, { placeholderBytes: 256 });
    expect(() => completePdfSignature(small.preparedPdf, cms)).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
  });

  it('server prepares, the token signs only the digest of the signed attributes (host.signDigest), server completes', async () => {
    const input = await makeVietnameseDocument(1);
    for (const name of ['org-rsa', 'person-ec'] as const) {
      const signer = await signerFor(name);
      const external = { certificate: signer.certificate, chain: signer.chain, keyType: signer.keyType };
      const prepared = await preparePdfSignature(input, { signerCertificate: signer.certificate, visible: { page: 1, rect: { x: 300, y: 100, width: 240, height: 70 } } });
      // Two separate requests rebuild the same digest: nothing is kept between them.
      const first = await pdfDigestToSign(prepared.preparedPdf, external);
      const again = await pdfDigestToSign(prepared.preparedPdf, external);
      expect(Buffer.compare(first.digestToSign, again.digestToSign)).toBe(0);
      const value = await signer.signDigest(first.digestToSign, first.hashAlgorithm, first.signatureScheme);
      const signed = await completePdfWithSignatureValue(prepared.preparedPdf, external, value);
      const out = join(dir, `external-${name}.pdf`);
      await writeFile(out, signed);
      expect((await pdfsig(out, nssDir)).signatures.map((s) => [s.valid, s.trusted])).toEqual([[true, true]]);

      // A value over another document's digest is refused, not embedded.
      const other = await preparePdfSignature(await makeVietnameseDocument(2), { signerCertificate: signer.certificate });
      const otherValue = await signer.signDigest((await pdfDigestToSign(other.preparedPdf, external)).digestToSign, 'SHA-256', first.signatureScheme);
      await expectKysoError(completePdfWithSignatureValue(prepared.preparedPdf, external, otherValue), 'BAD_REQUEST');
    }
  });

  it('in-memory signPdf grows /Contents when the first estimate is too small (signs again)', async () => {
    const input = await makeVietnameseDocument(1);
    const signed = await signPdf(input, await signerFor('org-rsa'), { placeholderBytes: 300 });
    const out = join(dir, 'grown.pdf');
    await writeFile(out, signed);
    expect((await pdfsig(out, nssDir)).signatures[0]?.valid).toBe(true);
  });
});

describe('bad input: typed errors and no output file', () => {
  it('encrypted PDF → UNSUPPORTED_DOCUMENT', async () => {
    const encrypted = join(dir, 'encrypted.pdf');
    encryptWithQpdf(join(dir, 'decision.pdf'), encrypted);
    const out = join(dir, 'encrypted-signed.pdf');
    const error = await expectKysoError(signPdfFile(encrypted, out, await signerFor('org-rsa'), {}), 'UNSUPPORTED_DOCUMENT');
    expect(String(error.details?.reason)).toMatch(/encrypted/);
    expect(existsSync(out)).toBe(false);
  });

  it('not a PDF, a truncated PDF → INVALID_DOCUMENT', async () => {
    await writeFile(join(dir, 'not.pdf'), 'hello, this is a text file\n');
    const full = await readFile(join(dir, 'decision.pdf'));
    await writeFile(join(dir, 'truncated.pdf'), full.subarray(0, Math.floor(full.length * 0.6)));
    for (const name of ['not.pdf', 'truncated.pdf']) {
      const out = join(dir, `${name}.signed.pdf`);
      await expectKysoError(signPdfFile(join(dir, name), out, await signerFor('org-rsa'), {}), 'INVALID_DOCUMENT');
      expect(existsSync(out)).toBe(false);
    }
  });

  it('page out of range and anchor not found → BAD_REQUEST with details', async () => {
    const out = join(dir, 'bad-page.pdf');
    const e1 = await expectKysoError(signPdfFile(join(dir, 'decision.pdf'), out, await signerFor('org-rsa'), { visible: { page: 9, rect: { x: 1, y: 1, width: 100, height: 50 } } }), 'BAD_REQUEST');
    expect(e1.details).toMatchObject({ page: 9, pageCount: 3 });
    const e2 = await expectKysoError(signPdfFile(join(dir, 'decision.pdf'), out, await signerFor('org-rsa'), { visible: { page: 1, anchor: { text: 'Không có dòng này' } } }), 'BAD_REQUEST');
    expect(e2.details).toMatchObject({ page: 1 });
    await expectKysoError(signPdfFile(join(dir, 'decision.pdf'), out, await signerFor('org-rsa'), { visible: { page: 1, rect: { x: 500, y: 800, width: 300, height: 100 } } }), 'BAD_REQUEST');
    expect(existsSync(out)).toBe(false);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
