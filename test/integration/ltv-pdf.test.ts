/**
 * Issue 16 §2: long-term PDF signatures, end to end with real parts — `kyso sign-pdf --level` and `kyso extend`
 * (the built CLI, a SoftHSM2 token), the test PKI with a real `openssl ocsp` responder and a CRL server, the
 * openssl TSA. The embedded data is checked by tools that are not ours: qpdf reads the DSS, `openssl ocsp` /
 * `openssl crl` check what it holds, `openssl ts -verify` the document time-stamp, pdfsig every signature,
 * `qpdf --check` the file. The key fact: with every network server STOPPED a B-LTA file verifies `valid` at level
 * B-LTA, while a B-T file (no embedded data) cannot be vouched for, and an edited copy is not valid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runKyso } from '../helpers/kyso-cli.js';
import { createLtvEnvironment, type LtvEnvironment } from '../helpers/ltv-environment.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { extractSignatures, opensslTsVerify, pdfsig } from '../fixtures/pdf/pdf-test-tools.js';
import { readPdfStructure } from '../../native-host/formats/pdf/read-pdf-structure.js';
import { writeIncrementalUpdate } from '../../native-host/formats/pdf/write-incremental-update.js';
import { PDFName, PDFRef, type PDFDict } from 'pdf-lib';

const run = promisify(execFile);

let ltv: LtvEnvironment;
let dir: string;
/** Signed while the network was up; verified after it is stopped. */
const files: Record<'lta' | 'bt' | 'bb' | 'extended' | 'encrypted' | 'renewed' | 'btToLt' | 'bbWithDss', string> = { lta: '', bt: '', bb: '', extended: '', encrypted: '', renewed: '', btToLt: '', bbWithDss: '' };

beforeAll(async () => {
  ltv = await createLtvEnvironment();
  dir = ltv.dir;
  await writeFile(join(dir, 'quyet-dinh.pdf'), await makeVietnameseDocument(2));
  await run('qpdf', ['--encrypt', '', 'chu-so-huu', '256', '--', join(dir, 'quyet-dinh.pdf'), join(dir, 'owner-only.pdf')]);
}, 120_000);

afterAll(async () => {
  await ltv?.dispose();
});

function sign(input: string, output: string, ...extra: string[]) {
  return runKyso(['sign-pdf', join(dir, input), '-o', join(dir, output), '--cert', ltv.selector, '--pin-stdin', '--invisible', ...extra], { env: ltv.env, stdin: `${ltv.pin}\n`, timeoutMs: 120_000 });
}

/**
 * pdfsig sees both fields; it validates the signature, but poppler (22.x here) cannot check ETSI.RFC3161 document
 * time-stamps ("Signature Type: unknown", "not yet verified") — openssl ts -verify checks that one below.
 */
function expectPdfsigAccepts(checked: Awaited<ReturnType<typeof pdfsig>>): void {
  expect(checked.signatures, checked.output).toHaveLength(2);
  expect(checked.signatures[0]!.valid, checked.output).toBe(true);
  expect(checked.signatures[0]!.totalDocumentSigned, checked.output).toBe(false);
  expect(checked.signatures[1]!.text, checked.output).toMatch(/Kyso Test TSA/);
  expect(checked.signatures[1]!.totalDocumentSigned, checked.output).toBe(true);
  expect(checked.signatures[1]!.text, checked.output).not.toMatch(/Invalid|Mismatch/i);
}

function verifyJson(file: string) {
  return runKyso(['verify', file, '--json'], { env: ltv.env, timeoutMs: 120_000 });
}

interface QpdfObject { value?: unknown; stream?: { dict: Record<string, unknown>; data?: string } }

/** The DSS as qpdf reads it (qpdf --json, stream data inline): the DER items of each array. */
async function dssByQpdf(file: string): Promise<{ certs: Buffer[]; ocsps: Buffer[]; crls: Buffer[]; vriKeys: string[] }> {
  const { stdout } = await run('qpdf', ['--json=2', '--json-key=qpdf', '--json-stream-data=inline', '--decode-level=generalized', file], { maxBuffer: 64 * 1024 * 1024 });
  const [, objects] = (JSON.parse(stdout) as { qpdf: [unknown, Record<string, QpdfObject>] }).qpdf;
  const trailer = objects['trailer']!.value as Record<string, string>;
  const catalog = objects[`obj:${trailer['/Root']}`]!.value as Record<string, string>;
  const dss = objects[`obj:${catalog['/DSS']}`]!.value as Record<string, unknown>;
  const items = (key: string) => ((dss[key] as string[] | undefined) ?? []).map((ref) => Buffer.from(objects[`obj:${ref}`]!.stream!.data!, 'base64'));
  return { certs: items('/Certs'), ocsps: items('/OCSPs'), crls: items('/CRLs'), vriKeys: Object.keys((dss['/VRI'] as Record<string, unknown>) ?? {}).map((k) => k.slice(1)) };
}

async function opensslOcspAccepts(response: Buffer): Promise<string> {
  const path = join(dir, `ocsp-${createHash('sha256').update(response).digest('hex').slice(0, 8)}.der`);
  await writeFile(path, response);
  // -respin: the stored answer; -CAfile: the root; -verify_other: the intermediate (the responder's issuer).
  const { stdout, stderr } = await run('openssl', ['ocsp', '-respin', path, '-CAfile', ltv.pki.root.certPath, '-verify_other', ltv.pki.intermediate.certPath,
    '-issuer', ltv.pki.intermediate.certPath, '-cert', ltv.leaf.certPath, '-no_nonce']);
  return stdout + stderr;
}

async function opensslCrlAccepts(crl: Buffer, issuerPem: string): Promise<string> {
  const path = join(dir, `crl-${createHash('sha256').update(crl).digest('hex').slice(0, 8)}.der`);
  await writeFile(path, crl);
  const { stderr } = await run('openssl', ['crl', '-inform', 'DER', '-in', path, '-CAfile', issuerPem, '-noout']);
  return stderr;
}

describe('kyso sign-pdf --level and kyso extend, with the network up', () => {
  it('--level B-LTA: signature, DSS, document time-stamp; pdfsig and qpdf --check accept the file', async () => {
    const r = await sign('quyet-dinh.pdf', 'b-lta.pdf', '--tsa', ltv.tsa.url, '--level', 'B-LTA');
    expect(r.code, r.stderr).toBe(0);
    files.lta = join(dir, 'b-lta.pdf');
    const bytes = await readFile(files.lta);
    expect(bytes.subarray(0, (await readFile(join(dir, 'quyet-dinh.pdf'))).length)).toEqual(await readFile(join(dir, 'quyet-dinh.pdf')));
    expectPdfsigAccepts(await pdfsig(files.lta));
    await run('qpdf', ['--check', files.lta]);
  });

  it('the DSS holds the whole chain, an OCSP response for the leaf and the root\'s CRL for the intermediate; openssl accepts them', async () => {
    const dss = await dssByQpdf(files.lta);
    const subjects = await Promise.all(dss.certs.map(async (der) => {
      const p = join(dir, `c-${createHash('sha256').update(der).digest('hex').slice(0, 8)}.der`);
      await writeFile(p, der);
      return (await run('openssl', ['x509', '-inform', 'DER', '-in', p, '-noout', '-subject'])).stdout;
    }));
    expect(subjects.join('')).toMatch(/Lưu Trữ|CCCD:001099000777/);
    expect(subjects.join('')).toMatch(/Kyso LTV Test Intermediate CA/);
    expect(subjects.join('')).toMatch(/Kyso LTV Test Root CA/);
    expect(subjects.join('')).toMatch(/Kyso Test TSA/); // the time-stamp's signer, for the TSA's chain
    expect(dss.ocsps.length).toBeGreaterThanOrEqual(1);
    const ocsp = await opensslOcspAccepts(dss.ocsps[0]!);
    expect(ocsp).toMatch(/Response verify OK/);
    expect(ocsp).toMatch(/: good/);
    expect(dss.crls.length).toBeGreaterThanOrEqual(1);
    expect(await opensslCrlAccepts(dss.crls[0]!, ltv.pki.root.certPath)).toMatch(/verify OK/);
    // VRI: keyed by the SHA-1 of the signature's /Contents (as stored).
    const [signature] = extractSignatures(new Uint8Array(await readFile(files.lta)));
    const text = (await readFile(files.lta)).toString('latin1');
    const contents = Buffer.from(text.slice(signature!.byteRange[1] + 1, signature!.byteRange[2] - 1), 'hex');
    expect(dss.vriKeys).toContain(createHash('sha1').update(contents).digest('hex').toUpperCase());
  });

  it('the document time-stamp covers the whole file before it: openssl ts -verify over its byte range', async () => {
    const signatures = extractSignatures(new Uint8Array(await readFile(files.lta)));
    const docTs = signatures[signatures.length - 1]!;
    const verified = await opensslTsVerify(docTs.cms, docTs.signedBytes, ltv.tsa.caPem, ltv.tsa.tsaPem);
    expect(verified.ok, verified.output).toBe(true);
    expect(docTs.byteRange[2] + docTs.byteRange[3]).toBe((await readFile(files.lta)).length);
  });

  it('B-T and B-B files for the comparisons; B-LT without --tsa is refused before the PIN is asked', async () => {
    expect((await sign('quyet-dinh.pdf', 'b-t.pdf', '--tsa', ltv.tsa.url)).code).toBe(0);
    files.bt = join(dir, 'b-t.pdf');
    expect((await sign('quyet-dinh.pdf', 'b-b.pdf')).code).toBe(0);
    files.bb = join(dir, 'b-b.pdf');
    const refused = await runKyso(['sign-pdf', join(dir, 'quyet-dinh.pdf'), '-o', join(dir, 'x.pdf'), '--level', 'B-LT', '--invisible'], { env: ltv.env, stdin: '' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/BAD_REQUEST.*--level B-LT needs a time-stamp server/);
  });

  it('kyso extend B-B → B-LTA: the input is untouched, pdfsig still validates the first signature', async () => {
    const before = createHash('sha256').update(await readFile(files.bb)).digest('hex');
    files.extended = join(dir, 'extended.pdf');
    const r = await runKyso(['extend', files.bb, '--level', 'B-LTA', '--tsa', ltv.tsa.url, '--out', files.extended], { env: ltv.env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(createHash('sha256').update(await readFile(files.bb)).digest('hex')).toBe(before);
    expectPdfsigAccepts(await pdfsig(files.extended));
    await run('qpdf', ['--check', files.extended]);
  });

  it('kyso extend renews a B-LTA file (a second DSS and document time-stamp), and takes a B-T file to B-LT', async () => {
    files.renewed = join(dir, 'renewed.pdf');
    const renewed = await runKyso(['extend', files.lta, '--level', 'B-LTA', '--tsa', ltv.tsa.url, '--out', files.renewed], { env: ltv.env, timeoutMs: 120_000 });
    expect(renewed.code, renewed.stderr).toBe(0);
    const before = await readFile(files.lta);
    const after = await readFile(files.renewed);
    expect(after.subarray(0, before.length).equals(before)).toBe(true); // earlier bytes never change
    expect(extractSignatures(new Uint8Array(after))).toHaveLength(3);
    await run('qpdf', ['--check', files.renewed]);
    files.btToLt = join(dir, 'b-t-to-lt.pdf');
    const lt = await runKyso(['extend', files.bt, '--level', 'B-LT', '--out', files.btToLt], { env: ltv.env, timeoutMs: 120_000 });
    expect(lt.code, lt.stderr).toBe(0);
    expect(extractSignatures(new Uint8Array(await readFile(files.btToLt)))).toHaveLength(1);
    files.bbWithDss = join(dir, 'b-b-with-dss.pdf');
    expect((await runKyso(['extend', files.bb, '--level', 'B-LT', '--out', files.bbWithDss], { env: ltv.env, timeoutMs: 120_000 })).code).toBe(0);
  });

  it('kyso extend refuses what it cannot extend, with typed errors and no output', async () => {
    const unsigned = await runKyso(['extend', join(dir, 'quyet-dinh.pdf'), '--level', 'B-LT', '--out', join(dir, 'none-1.pdf')], { env: ltv.env });
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toMatch(/INVALID_DOCUMENT.*no signature/);
    await writeFile(join(dir, 'not.pdf'), 'hello');
    const garbage = await runKyso(['extend', join(dir, 'not.pdf'), '--level', 'B-LT', '--out', join(dir, 'none-2.pdf')], { env: ltv.env });
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toMatch(/INVALID_DOCUMENT/);
    const noTsa = await runKyso(['extend', files.bb, '--level', 'B-LTA', '--out', join(dir, 'none-3.pdf')], { env: ltv.env });
    expect(noTsa.stderr).toMatch(/BAD_REQUEST.*needs a time-stamp server/);
    const same = await runKyso(['extend', files.bb, '--level', 'B-LT', '--out', files.bb], { env: ltv.env });
    expect(same.stderr).toMatch(/BAD_REQUEST.*overwrite the input/);
    for (const name of ['none-1.pdf', 'none-2.pdf', 'none-3.pdf']) await expect(readFile(join(dir, name))).rejects.toThrow();
  });

  it('an owner-password encrypted PDF is signed at B-LTA with its DSS streams encrypted; qpdf decrypts and openssl accepts them', async () => {
    const r = await sign('owner-only.pdf', 'encrypted-lta.pdf', '--tsa', ltv.tsa.url, '--level', 'B-LTA');
    expect(r.code, r.stderr).toBe(0);
    files.encrypted = join(dir, 'encrypted-lta.pdf');
    await run('qpdf', ['--check', files.encrypted]);
    const raw = (await readFile(files.encrypted)).toString('latin1');
    expect(raw).toMatch(/\/Encrypt/);
    const dss = await dssByQpdf(files.encrypted);
    expect(await opensslOcspAccepts(dss.ocsps[0]!)).toMatch(/Response verify OK/);
    // pdfsig validates the signature; poppler 22 decrypts a /DocTimeStamp's /Contents (it exempts only /Type /Sig,
    // while ISO 32000-2 §7.6.2 exempts every signature dictionary), so the time-stamp is checked with openssl instead.
    const checked = await pdfsig(files.encrypted);
    expect(checked.signatures, checked.output).toHaveLength(2);
    expect(checked.signatures[0]!.valid, checked.output).toBe(true);
    expect(checked.signatures[1]!.text, checked.output).toMatch(/Signature2/);
    const signatures = extractSignatures(new Uint8Array(await readFile(files.encrypted)));
    const docTs = signatures[signatures.length - 1]!;
    const verified = await opensslTsVerify(docTs.cms, docTs.signedBytes, ltv.tsa.caPem, ltv.tsa.tsaPem);
    expect(verified.ok, verified.output).toBe(true);
  });

  it('the revocation servers down while signing B-LT: VALIDATION_DATA_UNAVAILABLE, no output file', async () => {
    // The leaf names an OCSP responder and a CRL that now refuse: point the leaf's revocation at a closed port by
    // signing in an environment where loopback revocation URLs are NOT allowed (the host then cannot ask them).
    const r = await runKyso(['sign-pdf', join(dir, 'quyet-dinh.pdf'), '-o', join(dir, 'nothing.pdf'), '--cert', ltv.selector, '--pin-stdin', '--invisible', '--tsa', ltv.tsa.url, '--level', 'B-LT'],
      { env: { ...ltv.env, KYSO_ALLOW_PRIVATE_REVOCATION_URLS: '0' }, stdin: `${ltv.pin}\n`, timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/VALIDATION_DATA_UNAVAILABLE/);
    await expect(readFile(join(dir, 'nothing.pdf'))).rejects.toThrow();
  });
});

describe('offline: every network server stopped', () => {
  beforeAll(async () => {
    await ltv.stopNetwork();
  });

  it('the B-LTA file verifies valid at level B-LTA from its embedded data', async () => {
    const r = await verifyJson(files.lta);
    const report = JSON.parse(r.stdout) as { status: string; signatures: Array<{ status: string; level?: string; revocation: { status: string; url?: string }; reasons: Array<{ code: string }> }> };
    expect(report.status, r.stdout).toBe('valid');
    expect(r.code).toBe(0);
    expect(report.signatures[0]).toMatchObject({ status: 'valid', level: 'B-LTA', revocation: { status: 'good', url: 'embedded' } });
    const text = await runKyso(['verify', files.lta], { env: ltv.env });
    expect(text.stdout).toMatch(/Level: B-LTA/);
  });

  it('the B-T file (no embedded data) cannot be vouched for offline: indeterminate, level B-T', async () => {
    const r = await verifyJson(files.bt);
    const report = JSON.parse(r.stdout) as { status: string; signatures: Array<{ level?: string; revocation: { status: string } }> };
    expect(report.status).toBe('indeterminate');
    expect(report.signatures[0]).toMatchObject({ level: 'B-T', revocation: { status: 'could-not-check' } });
  });

  it('the extended B-B file verifies valid at level B-LTA (the document time-stamp gives it B-T)', async () => {
    const r = await verifyJson(files.extended);
    const report = JSON.parse(r.stdout) as { status: string; signatures: Array<{ level?: string }> };
    expect(report.status, r.stdout).toBe('valid');
    expect(report.signatures[0]!.level).toBe('B-LTA');
  });

  it('the renewed file verifies valid at level B-LTA; the B-T file extended to B-LT verifies valid at level B-LT', async () => {
    const renewed = JSON.parse((await verifyJson(files.renewed)).stdout) as { status: string; signatures: Array<{ level?: string; status: string }> };
    expect(renewed.status, JSON.stringify(renewed)).toBe('valid');
    expect(renewed.signatures.map((s) => s.status)).toEqual(['valid', 'valid', 'valid']);
    expect(renewed.signatures[0]!.level).toBe('B-LTA');
    const lt = JSON.parse((await verifyJson(files.btToLt)).stdout) as { status: string; signatures: Array<{ level?: string }> };
    expect(lt.status, JSON.stringify(lt)).toBe('valid');
    expect(lt.signatures[0]!.level).toBe('B-LT');
  });

  it('a DSS without any time-stamp proves nothing: the claimed signing time is the signer\'s word, so stored answers are not used', async () => {
    // Otherwise a revoked key could sign with a back-dated /M and an old "good" OCSP response.
    const report = JSON.parse((await verifyJson(files.bbWithDss)).stdout) as { status: string; signatures: Array<{ level?: string; revocation: { status: string } }> };
    expect(report.status).toBe('indeterminate');
    expect(report.signatures[0]).toMatchObject({ level: 'B-B', revocation: { status: 'could-not-check' } });
  });

  it('the encrypted B-LTA file verifies valid at level B-LTA (DSS streams decrypted)', async () => {
    const r = await verifyJson(files.encrypted);
    const report = JSON.parse(r.stdout) as { status: string; signatures: Array<{ level?: string }> };
    expect(report.status, r.stdout).toBe('valid');
    expect(report.signatures[0]!.level).toBe('B-LTA');
  });

  it('a byte of signed content changed: not valid', async () => {
    const bytes = new Uint8Array(await readFile(files.lta));
    const text = Buffer.from(bytes).toString('latin1');
    const at = text.indexOf('/MediaBox');
    expect(at).toBeGreaterThan(0);
    bytes[at + 1] = 'N'.charCodeAt(0); // /MediaBox → /NediaBox in the first revision
    const edited = join(dir, 'edited-byte.pdf');
    await writeFile(edited, bytes);
    const report = JSON.parse((await verifyJson(edited)).stdout) as { status: string; signatures: Array<{ status: string; level?: string }> };
    expect(report.status).not.toBe('valid');
    expect(report.signatures[0]!.status).toBe('invalid');
    expect(report.signatures[0]!.level).toBeUndefined();
  });

  it('an incremental update after the document time-stamp that changes a page: not valid', async () => {
    const bytes = new Uint8Array(await readFile(files.lta));
    const structure = await readPdfStructure(bytes);
    const context = structure.doc.context;
    context.largestObjectNumber = Math.max(context.largestObjectNumber, structure.size - 1);
    const page = structure.doc.getPage(0);
    const content = context.register(context.stream('BT /F1 40 Tf 60 400 Td (DA SUA) Tj ET'));
    page.node.set(PDFName.of('Contents'), content);
    const objects = [page.ref, content].map((ref) => ({ objectNumber: ref.objectNumber, generation: ref.generationNumber, body: bodyOf(context.lookup(ref) as PDFDict) }));
    const update = writeIncrementalUpdate(objects, {
      prevStartXref: structure.prevStartXref, size: structure.size, root: context.trailerInfo.Root as PDFRef, info: context.trailerInfo.Info,
      id: context.trailerInfo.ID, xrefIsStream: structure.xrefIsStream,
    }, bytes.length, !structure.endsWithEol);
    const edited = join(dir, 'edited-page.pdf');
    await writeFile(edited, Buffer.concat([bytes, update.bytes]));
    const report = JSON.parse((await verifyJson(edited)).stdout) as { status: string; signatures: Array<{ status: string; reasons: Array<{ code: string }> }> };
    expect(report.status).toBe('invalid');
    for (const signature of report.signatures) {
      expect(signature.status).toBe('invalid');
      expect(signature.reasons.map((r) => r.code)).toContain('PDF_DISALLOWED_CHANGE');
    }
  });
});

function bodyOf(object: PDFDict): Uint8Array {
  const out = new Uint8Array(object.sizeInBytes());
  object.copyBytesInto(out, 0);
  return out;
}
