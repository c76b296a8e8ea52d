/**
 * Encrypted PDFs that open without a password (owner password only) and allow signing are signed with the
 * document's own key (issue 12 §2; native-host/formats/pdf/encryption/). Files are made by qpdf with each
 * cipher a real file may use — RC4-40 (R2), RC4-128 (R3), AES-128 (R4), AES-256 (R6) — and checked as a user
 * would: pdfsig (which decrypts the file itself) says the signature is valid and covers the whole document,
 * qpdf --check finds no damage and decrypts the update's strings (the signer's name reads back), poppler draws
 * the stamp, and `verify` agrees. Files whose permissions forbid signing, or that need a password to open, are
 * refused with a reason that names the problem. The checks run on what signPdfFile writes (what `kyso sign-pdf`
 * and host.signDocuments run); the in-memory signPdf's file has the same length and /ByteRange (AES strings and
 * streams carry random IVs, so not the same bytes: test/helpers/pdf-sign-paths.ts) and pdfsig calls it valid too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { TestPki, type IssuedCert } from '../helpers/test-pki.js';
import { softwareSigner } from '../helpers/software-signer.js';
import { changedBox, renderPage, within } from '../helpers/stamp-pixels.js';
import { expectRefusedOnBothPaths, signPdfOnBothPaths } from '../helpers/pdf-sign-paths.js';
import { CORNER_MARGIN_PT, DEFAULT_STAMP_SIZE } from '../../native-host/formats/pdf/pdf-signature-options.js';
import { TrustStore } from '../../native-host/trust/index.js';
import { verifyDocument } from '../../native-host/verify/index.js';
import type { Signer } from '../../native-host/token/signer.js';

const run = promisify(execFile);
let pki: TestPki;
let person: IssuedCert;
let signer: Signer;
let plainPath: string;

beforeAll(async () => {
  pki = await TestPki.create({ label: 'Encrypted' });
  person = await pki.issue({ subject: '/C=VN/CN=Lý Thị Khoá' }, 'encrypted');
  signer = softwareSigner(person.keyPath, person.certPem, [pki.intermediate.certPem], 'RSA');
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]).drawText('Bien ban nghiem thu', { x: 50, y: 780, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
  plainPath = join(pki.dir, 'plain.pdf');
  await writeFile(plainPath, await doc.save({ useObjectStreams: false }));
}, 60_000);
afterAll(async () => { await pki?.dispose(); });

async function qpdfEncrypt(name: string, args: string[], objectStreams: 'disable' | 'generate' = 'disable'): Promise<Uint8Array> {
  const out = join(pki.dir, `${name}.pdf`);
  // RC4 is weak crypto to qpdf 11: allowed here because real files still use it.
  await run('qpdf', ['--allow-weak-crypto', `--object-streams=${objectStreams}`, '--encrypt', ...args, '--', plainPath, out]);
  return new Uint8Array(await readFile(out));
}

const CIPHERS = [
  ['RC4-40 (R2)', ['', 'owner', '40', '--modify=y'], 'disable'],
  ['RC4-128 (R3)', ['', 'owner', '128', '--modify=form', '--use-aes=n'], 'disable'],
  ['AES-128 (R4)', ['', 'owner', '128', '--modify=form', '--use-aes=y'], 'disable'],
  ['AES-256 (R6)', ['', 'owner', '256', '--modify=form'], 'disable'],
  ['AES-256 (R6) with object streams', ['', 'owner', '256', '--modify=form'], 'generate'],
  ['AES-128 (R4) with object streams', ['', 'owner', '128', '--modify=form', '--use-aes=y'], 'generate'],
] as const;

describe('signing owner-password-only encrypted PDFs', () => {
  for (const [label, args, objectStreams] of CIPHERS) {
    it(`${label}: signed; pdfsig valid over the whole document; qpdf --check clean and decrypts the signature's /Reason; stamp drawn; verify valid`, async () => {
      const name = label.replace(/\W+/g, '-');
      const input = await qpdfEncrypt(name, [...args], objectStreams);
      const { file: signed, memory } = await signPdfOnBothPaths(pki.dir, input, signer, { visible: {}, reason: 'Nghiệm thu' });
      const path = join(pki.dir, `${name}-signed.pdf`);
      await writeFile(path, signed);
      const memoryPath = join(pki.dir, `${name}-signed-in-memory.pdf`);
      await writeFile(memoryPath, memory);
      for (const p of [path, memoryPath]) {
        const { stdout } = await run('pdfsig', ['-nocert', p]).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
        expect(stdout, p).toMatch(/Signature Validation: Signature is Valid/);
        expect(stdout, p).toMatch(/Total document signed/);
      }
      const check = await run('qpdf', ['--check', path]);
      expect(check.stdout).toMatch(/No syntax or stream encoding errors/);
      // qpdf decrypts the new objects with the file key: the signature's /Reason and /Name read back in clear.
      const sigObject = /(\d+) 0 obj\s*<< \/Type \/Sig/.exec(Buffer.from(signed).toString('latin1'))![1]!;
      const shown = await run('qpdf', ['--json', `--json-object=${sigObject}`, path]);
      expect(shown.stdout).toContain('"/Reason": "u:Nghiệm thu"');
      const changed = changedBox(await renderPage(input, 1), await renderPage(signed, 1));
      expect(changed.count).toBeGreaterThan(50);
      expect(within(changed.box!, { x: 595 - CORNER_MARGIN_PT - DEFAULT_STAMP_SIZE.width, y: CORNER_MARGIN_PT, ...DEFAULT_STAMP_SIZE })).toBe(true);
      const report = await verifyDocument(signed, { trust: new TrustStore([new x509.X509Certificate(pki.root.certDer as Uint8Array<ArrayBuffer>)]), checkRevocation: false });
      expect(report.status).toBe('valid');
    });
  }

  it('permissions that do not allow form filling or signing: refused, naming the permission', async () => {
    const input = await qpdfEncrypt('no-form', ['', 'owner', '256', '--modify=none', '--annotate=n', '--form=n']);
    await expectRefusedOnBothPaths(pki.dir, input, signer, {}, {
      code: 'UNSUPPORTED_DOCUMENT', details: { reason: expect.stringMatching(/filling in form fields, including signature fields/) },
    });
  });

  it('a file that needs a user password to open: a clear error', async () => {
    const input = await qpdfEncrypt('user-password', ['secret', 'owner', '256']);
    await expectRefusedOnBothPaths(pki.dir, input, signer, {}, {
      code: 'UNSUPPORTED_DOCUMENT', details: { reason: expect.stringMatching(/needs a password to open/) },
    });
    const rc4 = await qpdfEncrypt('user-password-rc4', ['secret', 'owner', '128', '--use-aes=n']);
    await expectRefusedOnBothPaths(pki.dir, rc4, signer, {}, { details: { reason: expect.stringMatching(/needs a password to open/) } });
  });
});
