/**
 * Incremental saving attack [Mladenov et al., "1 Trillion Dollar Refund", CCS 2019 — ISA]: the attacker appends a
 * revision to a signed PDF (with or without its own cross-reference section) that changes what the pages show,
 * and may let someone sign again afterwards so the last signature covers the whole file. Each earlier signature
 * must report what changed after it (PDF_DISALLOWED_CHANGE, invalid); allowed changes (later signatures, a
 * document timestamp, DSS) keep it valid with PDF_ALLOWED_CHANGE [ISO 32000-1 §12.8.2.2, ETSI EN 319 142-1 §5.4].
 * Signatures are made by the real `kyso sign-pdf` on a SoftHSM2 token; the attacks are written byte by byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { completePdfSignature, preparePdfSignature } from '../../native-host/formats/pdf/prepare-pdf-signature.js';
import { requestTimestamp } from '../../native-host/formats/timestamp/request-timestamp.js';
import { startTestTsa, type TestTsa } from '../helpers/tsa-server.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import {
  PAGE_CONTENTS, SHADOW_TEXT, addDss, appendRevision, codes, createSigningBench, details, edit, lastTrailer, makeContract, objectsOf, streamBody,
  type ContractParts, type SigningBench,
} from './pdf-verify-support.js';

const run = promisify(execFile);
let bench: SigningBench;
let contract: ContractParts;
let signedOnce: Uint8Array;
let tsa: TestTsa;

beforeAll(async () => {
  bench = await createSigningBench();
  tsa = await startTestTsa();
  contract = await makeContract();
  signedOnce = await bench.sign(contract.pdf, 'org-rsa');
  const report = await bench.verify(signedOnce);
  if (report.status !== 'valid') throw new Error(`fixture not valid: ${JSON.stringify(codes(report))}`);
}, 180_000);
afterAll(async () => { await tsa?.close(); await bench?.dispose(); });

/** A revision that points page 1 at a new content stream showing another amount. */
async function replacePageContent(signed: Uint8Array): Promise<Uint8Array> {
  const { body, page } = await objectsOf(signed);
  const fresh = `${lastTrailer(signed).size} 0`;
  return appendRevision(signed, [
    { ref: fresh, body: streamBody(`BT /${contract.fontName} 14 Tf 50 760 Td (${SHADOW_TEXT}) Tj ET`) },
    { ref: page(1), body: edit(body(page(1)), PAGE_CONTENTS, `/Contents ${fresh} R`) },
  ]);
}

async function pdfsigSays(pdf: Uint8Array): Promise<string> {
  const path = join(bench.dir, `pdfsig-${Date.now()}.pdf`);
  await writeFile(path, pdf);
  return run('pdfsig', ['-nocert', path]).then((r) => r.stdout, (e: { stdout?: string }) => e.stdout ?? '');
}

describe('changes after signing (incremental saving attack)', () => {
  it("the issue's example: sign, replace page 1's content in a new revision, sign again → signature 1 invalid ('page 1 content replaced'), kyso verify exit 1", async () => {
    const attacked = await replacePageContent(signedOnce);
    const signedTwice = await bench.sign(attacked, 'person2-rsa');
    // pdfsig (poppler) reports both signatures' cryptography valid; only the first is not "Total document signed".
    expect((await pdfsigSays(signedTwice)).match(/Signature is Valid/g)?.length).toBe(2);
    const report = await bench.verify(signedTwice);
    expect(report.status).toBe('invalid');
    expect(report.signatures.map((s) => s.status)).toEqual(['invalid', 'valid']);
    expect(codes(report)[0]).toContain('PDF_DISALLOWED_CHANGE');
    expect(details(report, 0, 'PDF_DISALLOWED_CHANGE').join('\n')).toMatch(/page 1 content replaced/);
    const cli = await bench.verifyCli(signedTwice);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('KHÔNG HỢP LỆ / INVALID');
    expect(cli.stdout).toMatch(/page 1 content replaced/);
  });

  it("a revision that rewrites page 1's content stream object itself (same object number): 'page 1 content changed'", async () => {
    const attacked = appendRevision(signedOnce, [{ ref: contract.contentRef, body: streamBody(`BT /${contract.fontName} 14 Tf 50 760 Td (${SHADOW_TEXT}) Tj ET`) }]);
    const report = await bench.verify(attacked);
    expect(report.status).toBe('invalid');
    expect(details(report, 0, 'PDF_DISALLOWED_CHANGE').join('\n')).toMatch(/page 1 content changed/);
  });

  it("a revision that adds /OpenAction to the catalog: 'catalog entry /OpenAction added'", async () => {
    const { body, catalogRef } = await objectsOf(signedOnce);
    const fresh = `${lastTrailer(signedOnce).size} 0`;
    const attacked = appendRevision(signedOnce, [
      { ref: fresh, body: '<< /S /JavaScript /JS (app.alert\\(1\\)) >>' },
      { ref: catalogRef, body: edit(body(catalogRef), /^<</, `<< /OpenAction ${fresh} R`) },
    ]);
    const report = await bench.verify(attacked);
    expect(report.status).toBe('invalid');
    expect(details(report, 0, 'PDF_DISALLOWED_CHANGE').join('\n')).toMatch(/catalog entry \/OpenAction added/);
  });

  it("a revision that adds a page: 'page 2 added'", async () => {
    const objects = await objectsOf(signedOnce);
    const pagesRef = /\/Pages (\d+ \d+) R/.exec(objects.body(objects.catalogRef))![1]!;
    const size = lastTrailer(signedOnce).size;
    const attacked = appendRevision(signedOnce, [
      { ref: `${size} 0`, body: streamBody(`BT /${contract.fontName} 14 Tf 50 760 Td (PHU LUC: ${SHADOW_TEXT}) Tj ET`) },
      { ref: `${size + 1} 0`, body: `<< /Type /Page /Parent ${pagesRef} R /MediaBox [0 0 595 842] /Contents ${size} 0 R >>` },
      { ref: pagesRef, body: edit(edit(objects.body(pagesRef), /\/Count 1/, '/Count 2'), /\/Kids \[([^\]]*)\]/, `/Kids [$1 ${size + 1} 0 R]`) },
    ]);
    const report = await bench.verify(attacked);
    expect(report.status).toBe('invalid');
    expect(details(report, 0, 'PDF_DISALLOWED_CHANGE').join('\n')).toMatch(/page 2 added/);
  });

  it("a revision that deletes page 1's content stream (a free xref entry): invalid", async () => {
    const attacked = appendRevision(signedOnce, [{ ref: contract.contentRef, free: true }]);
    const report = await bench.verify(attacked);
    expect(report.status).toBe('invalid');
    expect(details(report, 0, 'PDF_DISALLOWED_CHANGE').join('\n')).toMatch(/page 1 content (deleted|changed)/);
  });

  it('object definitions appended after %%EOF without any cross-reference section: not valid', async () => {
    const attacked = appendRevision(signedOnce, [{ ref: contract.contentRef, body: streamBody(`BT /${contract.fontName} 14 Tf 50 760 Td (${SHADOW_TEXT}) Tj ET`) }], { xref: 'none' });
    const report = await bench.verify(attacked);
    expect(report.status).toBe('invalid');
    expect(codes(report)[0]).toContain('PDF_STRUCTURE_INCONSISTENT');
  });

  it('object definitions appended with a startxref that points back at the signed cross-reference section: not valid', async () => {
    const attacked = appendRevision(signedOnce, [{ ref: contract.contentRef, body: streamBody(`BT /${contract.fontName} 14 Tf 50 760 Td (${SHADOW_TEXT}) Tj ET`) }], { xref: 'old-startxref' });
    const report = await bench.verify(attacked);
    expect(report.status).toBe('invalid');
    expect(codes(report)[0]).toContain('PDF_STRUCTURE_INCONSISTENT');
  });

  it('then the attacked file signed by someone else: the first signature stays invalid whatever covers the end', async () => {
    const { body, catalogRef } = await objectsOf(signedOnce);
    const attacked = appendRevision(signedOnce, [{ ref: catalogRef, body: edit(body(catalogRef), /^<</, '<< /PageMode /FullScreen') }]);
    const resigned = await bench.sign(attacked, 'person-ec');
    const report = await bench.verify(resigned);
    expect(report.status).toBe('invalid');
    expect(report.signatures.map((s) => s.status)).toEqual(['invalid', 'valid']);
    expect(details(report, 0, 'PDF_DISALLOWED_CHANGE').join('\n')).toMatch(/catalog entry \/PageMode added/);
  });
});

describe('allowed changes after signing stay valid', () => {
  it('a second kyso signature with a visible stamp (new field, widget, appearance, AcroForm update): both valid, the first with PDF_ALLOWED_CHANGE', async () => {
    const twice = await bench.sign(signedOnce, 'person2-rsa', ['--page', '1']);
    const report = await bench.verify(twice);
    expect(codes(report)).toEqual([['PDF_ALLOWED_CHANGE'], []]);
    expect(report.status).toBe('valid');
    expect(details(report, 0, 'PDF_ALLOWED_CHANGE').join('\n')).toMatch(/signature/);
    const cli = await bench.verifyCli(twice);
    expect(cli.code).toBe(0);
  });

  it("a second signature by another producer (poppler's pdfsig -add-signature, its own field, font and /DR): the kyso signature stays valid", async () => {
    const cert = bench.token.cert('person2-rsa');
    const nss = join(bench.dir, 'nss-signer');
    await mkdir(nss, { recursive: true });
    await run('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
    await run('openssl', ['pkcs12', '-export', '-inkey', cert.keyPem, '-in', cert.certPem, '-certfile', bench.token.intermediatePem, '-name', 'signer', '-out', join(nss, 'p.p12'), '-passout', 'pass:x']);
    await run('pk12util', ['-i', join(nss, 'p.p12'), '-d', `sql:${nss}`, '-W', 'x']);
    const once = join(bench.dir, 'for-poppler.pdf');
    const twice = join(bench.dir, 'poppler-signed.pdf');
    await writeFile(once, signedOnce);
    await run('pdfsig', ['-nssdir', `sql:${nss}`, '-add-signature', '-nick', 'signer', '-new-signature-field-name', 'Poppler', once, twice]);
    const report = await bench.verify(new Uint8Array(await readFile(twice)));
    expect(report.signatures.map((s) => [s.name, s.status])).toEqual([['Signature1', 'valid'], ['Poppler', 'valid']]);
    expect(details(report, 0, 'PDF_ALLOWED_CHANGE').join('\n')).toMatch(/signature field 'Poppler' added/);
  });

  it('three signatures in a row: all valid', async () => {
    const thrice = await bench.sign(await bench.sign(signedOnce, 'person2-rsa'), 'person-ec', ['--page', '1']);
    const report = await bench.verify(thrice);
    expect(report.signatures.map((s) => s.status)).toEqual(['valid', 'valid', 'valid']);
    expect(codes(report)).toEqual([['PDF_ALLOWED_CHANGE'], ['PDF_ALLOWED_CHANGE'], []]);
  });

  it('a file with object streams and cross-reference streams, three kyso signatures with stamps on two pages: all valid', async () => {
    const streams = await makeVietnameseDocument(2, 'stream');
    const signed = await bench.sign(await bench.sign(await bench.sign(streams, 'org-rsa', ['--page', '1']), 'person2-rsa'), 'person-ec', ['--page', '2']);
    const report = await bench.verify(signed);
    expect(report.signatures.map((s) => s.status)).toEqual(['valid', 'valid', 'valid']);
    expect(details(report, 0, 'PDF_ALLOWED_CHANGE')).toEqual(["signature field 'Signature2' added; signature field 'Signature3' added"]);
  });

  it('a document timestamp (ETSI.RFC3161) after the signature: both valid', async () => {
    const prepared = await preparePdfSignature(signedOnce, { placeholderBytes: 8192 });
    // Kyso's writer has no document-timestamp mode: rename the SubFilter (same length) before hashing, then put an
    // RFC 3161 token from `openssl ts` (test TSA) over the covered bytes into /Contents.
    const text = Buffer.from(prepared.preparedPdf).toString('latin1');
    const from = text.lastIndexOf('/SubFilter /ETSI.CAdES.detached');
    const patched = prepared.preparedPdf.slice();
    patched.set(new TextEncoder().encode('/SubFilter /ETSI.RFC3161'.padEnd('/SubFilter /ETSI.CAdES.detached'.length, ' ')), from);
    const [, b, c] = prepared.byteRange;
    const covered = new Uint8Array([...patched.subarray(0, b), ...patched.subarray(c)]);
    const stamped = completePdfSignature(patched, await requestTimestamp(covered, { url: tsa.url, allowPrivateAddresses: true /* test TSA on loopback */ }));
    const report = await bench.verify(stamped, [tsa.caPem]);
    expect(codes(report)).toEqual([['PDF_ALLOWED_CHANGE'], []]);
    expect(report.status).toBe('valid');
  });

  it('a DSS (validation data: certificates) added after the signature: valid with PDF_ALLOWED_CHANGE', async () => {
    const withDss = await addDss(signedOnce, bench);
    const report = await bench.verify(withDss);
    expect(codes(report)).toEqual([['PDF_ALLOWED_CHANGE']]);
    expect(report.status).toBe('valid');
  });
});
