/**
 * TEST ONLY: what the pdf-verify-*.test.ts attack tests share. Real signatures come from the real `kyso sign-pdf`
 * (the built CLI) on a SoftHSM2 demo token; attacks are then written byte by byte onto the signed file, as an
 * attacker holding the signed PDF would: an incremental update [ISO 32000-1 §7.5.6] is objects, a cross-reference
 * table listing them, a trailer with /Prev, `startxref` and `%%EOF` — nothing here re-saves a signed file.
 */
import 'reflect-metadata';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef, StandardFonts, type PDFObject } from 'pdf-lib';
import { createDemoToken, type DemoCertificateName, type DemoToken } from '../helpers/demo-token.js';
import { runKyso } from '../helpers/kyso-cli.js';
import { TrustStore } from '../../native-host/trust/index.js';
import { verifyDocument, type VerificationReport } from '../../native-host/verify/index.js';

/** Text the signer sees on page 1; the shadow content says something else. */
export const SIGNED_TEXT = 'HOP DONG SO 12/2026 - SO TIEN: 1.100.000 DONG';
export const SHADOW_TEXT = 'HOP DONG SO 12/2026 - SO TIEN: 9.900.000 DONG';

export interface SigningBench {
  readonly token: DemoToken;
  readonly dir: string;
  /** `kyso sign-pdf IN -o OUT --cert … --pin-stdin --invisible|visible`; throws with stderr when it fails. */
  sign(pdf: Uint8Array, cert?: DemoCertificateName, extra?: readonly string[]): Promise<Uint8Array>;
  /** In-process `verifyDocument` with the token's root (and `extraRootPems`) trusted, revocation off (no responder here). */
  verify(pdf: Uint8Array, extraRootPems?: readonly string[]): Promise<VerificationReport>;
  /** `kyso verify FILE --trust ROOT --no-revocation` from the built CLI. */
  verifyCli(pdf: Uint8Array, json?: boolean): Promise<{ code: number | null; stdout: string; stderr: string }>;
  dispose(): Promise<void>;
}

export async function createSigningBench(): Promise<SigningBench> {
  const token = await createDemoToken();
  const dir = await mkdtemp(join(tmpdir(), 'kyso-pdf-verify-'));
  const certificate = async (pem: string) => new x509.X509Certificate(new Uint8Array(Buffer.from((await readFile(pem, 'utf8')).replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64')));
  const root = await certificate(token.rootPem);
  let counter = 0;
  const file = (bytes: Uint8Array) => { const path = join(dir, `doc-${++counter}.pdf`); return writeFile(path, bytes).then(() => path); };
  return {
    token, dir,
    async sign(pdf, cert = 'org-rsa', extra = ['--invisible']) {
      const input = await file(pdf);
      const output = join(dir, `signed-${++counter}.pdf`);
      const result = await runKyso(['sign-pdf', input, '-o', output, '--cert', token.cert(cert).identifier, '--pin-stdin', ...extra], { env: token.env, stdin: `${token.userPin}\n` });
      if (result.code !== 0) throw new Error(`kyso sign-pdf failed (${result.code}): ${result.stderr}`);
      return new Uint8Array(await readFile(output));
    },
    async verify(pdf, extraRootPems = []) {
      const trust = new TrustStore([root, ...await Promise.all(extraRootPems.map(certificate))]);
      return verifyDocument(pdf, { trust, checkRevocation: false });
    },
    async verifyCli(pdf, json = false) {
      return runKyso(['verify', await file(pdf), '--trust', token.rootPem, '--no-revocation', ...(json ? ['--json'] : [])], { env: { KYSO_TRUST_DIR: '' } });
    },
    async dispose() { await rm(dir, { recursive: true, force: true }); await rm(token.dir, { recursive: true, force: true }); },
  };
}

/** Reason codes per signature, without the always-present REVOCATION_SKIPPED. */
export function codes(report: VerificationReport): string[][] {
  return report.signatures.map((s) => s.reasons.map((r) => r.code).filter((c) => c !== 'REVOCATION_SKIPPED'));
}

/** The details of one signature's reasons with the given code. */
export function details(report: VerificationReport, index: number, code: string): string[] {
  return (report.signatures[index]?.reasons ?? []).filter((r) => r.code === code).map((r) => r.detail ?? '');
}

export interface ContractParts {
  readonly pdf: Uint8Array;
  /** Page 1's content stream; the font resource name the text uses. */
  readonly contentRef: string;
  readonly fontName: string;
  /** A content stream no page uses, present (hidden) in the signed file: the shadow attacks' payload. */
  readonly hiddenContentRef: string;
  /** A complete second catalog and page tree nobody points to (hide-and-replace). */
  readonly hiddenCatalogRef: string;
  readonly hiddenPagesRef: string;
}

/**
 * A one-page contract with the amount in Helvetica, a text field "SoTien" holding the amount, and shadow objects
 * that nothing references: a content stream with another amount, and a whole second catalog + page tree using it.
 * Classic cross-reference table (pdf-lib, no object streams) so the byte offsets stay easy to read in failures.
 */
export async function makeContract(): Promise<ContractParts> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  page.drawText(SIGNED_TEXT, { x: 50, y: 760, size: 14, font });
  const field = doc.getForm().createTextField('SoTien');
  field.setText('1.100.000');
  field.addToPage(page, { x: 50, y: 700, width: 200, height: 24, font });
  const context = doc.context;
  const fontName = (page.node.Resources()!.lookup(PDFName.of('Font'), PDFDict).keys()[0]!).decodeText();
  const hiddenContent = context.register(context.stream(`BT /${fontName} 14 Tf 50 760 Td (${SHADOW_TEXT}) Tj ET`));
  const hiddenPages = context.nextRef();
  const hiddenPage = context.register(context.obj({
    Type: 'Page', Parent: hiddenPages, MediaBox: [0, 0, 595, 842], Contents: hiddenContent, Resources: page.node.Resources()!,
  }));
  context.assign(hiddenPages, context.obj({ Type: 'Pages', Kids: [hiddenPage], Count: 1 }));
  const hiddenCatalog = context.register(context.obj({ Type: 'Catalog', Pages: hiddenPages }));
  const pdf = await doc.save({ useObjectStreams: false });
  const contents = page.node.get(PDFName.of('Contents'));
  const first = contents instanceof PDFArray ? contents.get(0) : contents;
  return {
    pdf, fontName,
    contentRef: refText(first instanceof PDFRef ? first : undefined),
    hiddenContentRef: refText(hiddenContent), hiddenCatalogRef: refText(hiddenCatalog), hiddenPagesRef: refText(hiddenPages),
  };
}

function refText(ref: PDFRef | undefined): string {
  if (!ref) throw new Error('expected an indirect reference');
  return `${ref.objectNumber} ${ref.generationNumber}`;
}

/** The newest definition of each object as pdf-lib reads the whole file (tests use it to copy and edit bodies). */
export async function objectsOf(pdf: Uint8Array): Promise<{ doc: PDFDocument; body(ref: string): string; catalogRef: string; page(n: number): string }> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const lookup = (ref: string): PDFObject => {
    const [n, g] = ref.split(' ').map(Number) as [number, number];
    const object = doc.context.lookup(PDFRef.of(n, g));
    if (!object) throw new Error(`no object ${ref}`);
    return object;
  };
  return {
    doc,
    body: (ref) => lookup(ref).toString(),
    catalogRef: refText(doc.context.trailerInfo.Root as PDFRef),
    page: (n) => refText(doc.getPage(n - 1).ref),
  };
}

export interface RevisionObject {
  /** "12 0" */
  readonly ref: string;
  /** The text between `obj` and `endobj`; or `free` to mark the object deleted in the new xref. */
  readonly body?: string | Uint8Array;
  readonly free?: boolean;
}

export interface AppendOptions {
  /** 'table': a cross-reference table + trailer + startxref + %%EOF (an ordinary incremental update);
   *  'none': only the object definitions; 'old-startxref': objects then `startxref` of the previous section. */
  readonly xref?: 'table' | 'none' | 'old-startxref';
  /** Replace the trailer's /Root (hide-and-replace through the trailer). */
  readonly root?: string;
  /** Extra xref entries that point an object number at an offset already in the file (no new definition). */
  readonly pointAt?: readonly { readonly ref: string; readonly offset: number }[];
}

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** Facts of the file's last trailer (a classic table's trailer dictionary, as kyso and pdf-lib write them). */
export function lastTrailer(pdf: Uint8Array): { startxref: number; size: number; root: string; info?: string; id?: string } {
  const text = latin1(pdf);
  const startxref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1]);
  const trailer = text.slice(text.lastIndexOf('trailer'));
  const size = Number(/\/Size\s+(\d+)/.exec(trailer)?.[1]);
  const root = /\/Root\s+(\d+\s+\d+)\s+R/.exec(trailer)?.[1];
  const info = /\/Info\s+(\d+\s+\d+)\s+R/.exec(trailer)?.[1];
  const id = /\/ID\s*(\[[^\]]*\])/.exec(trailer)?.[1];
  if (!Number.isSafeInteger(startxref) || !Number.isSafeInteger(size) || !root) throw new Error('cannot read the last trailer');
  return { startxref, size, root, ...(info ? { info } : {}), ...(id ? { id } : {}) };
}

/** Append one incremental update to `pdf` (a new array; `pdf` is not touched). */
export function appendRevision(pdf: Uint8Array, objects: readonly RevisionObject[], options: AppendOptions = {}): Uint8Array {
  const previous = lastTrailer(pdf);
  const parts: Buffer[] = [Buffer.from(pdf)];
  let length = pdf.length;
  const push = (chunk: string | Uint8Array) => { const b = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : Buffer.from(chunk); parts.push(b); length += b.length; };
  if (pdf[pdf.length - 1] !== 0x0a) push('\n');
  const offsets: { number: number; generation: number; offset: number; free: boolean }[] = [];
  for (const o of objects) {
    const [number, generation] = o.ref.split(' ').map(Number) as [number, number];
    if (o.free) { offsets.push({ number, generation, offset: 0, free: true }); continue; }
    offsets.push({ number, generation, offset: length, free: false });
    push(`${o.ref} obj\n`);
    push(o.body ?? 'null');
    push('\nendobj\n');
  }
  for (const p of options.pointAt ?? []) {
    const [number, generation] = p.ref.split(' ').map(Number) as [number, number];
    offsets.push({ number, generation, offset: p.offset, free: false });
  }
  if (options.xref === 'none') return Buffer.concat(parts);
  if (options.xref === 'old-startxref') { push(`startxref\n${previous.startxref}\n%%EOF\n`); return Buffer.concat(parts); }
  const xrefAt = length;
  let xref = 'xref\n';
  for (const e of offsets) {
    // One subsection per object [§7.5.4]; each entry exactly 20 bytes.
    xref += `${e.number} 1\n${String(e.offset).padStart(10, '0')} ${String(e.free ? e.generation + 1 : e.generation).padStart(5, '0')} ${e.free ? 'f' : 'n'}\r\n`;
  }
  const size = Math.max(previous.size, ...offsets.map((e) => e.number + 1));
  push(`${xref}trailer\n<< /Size ${size} /Root ${options.root ?? previous.root} R /Prev ${previous.startxref}`
    + `${previous.info ? ` /Info ${previous.info} R` : ''}${previous.id ? ` /ID ${previous.id}` : ''} >>\nstartxref\n${xrefAt}\n%%EOF\n`);
  return Buffer.concat(parts);
}

/** A page's /Contents entry, one reference or an array of them (pdf-lib writes `[ 5 0 R ]`). */
export const PAGE_CONTENTS = /\/Contents (\[\s*)?\d+ \d+ R(\s*\])?/;

/** A stream object body with the right /Length. */
export function streamBody(data: string, dict = ''): string {
  return `<< /Length ${Buffer.byteLength(data, 'latin1')}${dict ? ` ${dict}` : ''} >>\nstream\n${data}\nendstream`;
}

/** Replace `from` with `to` in a dictionary's text (throws when absent, so a test cannot silently do nothing). */
export function edit(body: string, from: string | RegExp, to: string): string {
  const out = body.replace(from, to);
  if (out === body) throw new Error(`edit found nothing to replace: ${String(from)}`);
  return out;
}

export interface SignatureObjects {
  /** The field (merged with its widget) and its signature dictionary, as "N G". */
  readonly fieldRef: string;
  readonly sigRef: string;
  readonly name: string;
  readonly byteRange: readonly [number, number, number, number];
  /** The signature dictionary's text as pdf-lib prints it (the attacks copy and edit it). */
  readonly sigBody: string;
}

/** The signature fields of the newest revision, in /Fields order. */
export async function signatureObjects(pdf: Uint8Array): Promise<SignatureObjects[]> {
  const { doc, body } = await objectsOf(pdf);
  const form = doc.catalog.lookup(PDFName.of('AcroForm'), PDFDict);
  const out: SignatureObjects[] = [];
  for (const item of form.lookup(PDFName.of('Fields'), PDFArray).asArray()) {
    if (!(item instanceof PDFRef)) continue;
    const field = doc.context.lookup(item, PDFDict);
    const v = field.get(PDFName.of('V'));
    if (!(v instanceof PDFRef) || field.get(PDFName.of('FT'))?.toString() !== '/Sig') continue;
    const sigBody = body(refText(v));
    const range = /\/ByteRange \[ (\d+) (\d+) (\d+) (\d+) \]/.exec(sigBody);
    if (!range) throw new Error('no ByteRange');
    out.push({
      fieldRef: refText(item), sigRef: refText(v), name: field.get(PDFName.of('T'))!.toString(), sigBody,
      byteRange: range.slice(1).map(Number) as unknown as [number, number, number, number],
    });
  }
  return out;
}

/**
 * A revision adding a signature field "Giam doc" on page 1 with a visible appearance and `sigBody` as its
 * signature dictionary (`undefined`: no /V at all), updating the AcroForm's /Fields and page 1's /Annots.
 */
export async function addSignatureField(pdf: Uint8Array, sigBody: string | undefined, options: { appearance?: boolean } = {}): Promise<Uint8Array> {
  const { body, catalogRef, page } = await objectsOf(pdf);
  const formRef = /\/AcroForm (\d+ \d+) R/.exec(body(catalogRef))?.[1];
  if (!formRef) throw new Error('the test expects an indirect AcroForm');
  const size = lastTrailer(pdf).size;
  const [sig, field, ap] = [`${size} 0`, `${size + 1} 0`, `${size + 2} 0`];
  const appearance = options.appearance ?? true;
  const objects: RevisionObject[] = [
    ...(sigBody !== undefined ? [{ ref: sig, body: sigBody }] : []),
    {
      ref: field,
      body: `<< /Type /Annot /Subtype /Widget /FT /Sig /T (Giam doc)${sigBody !== undefined ? ` /V ${sig} R` : ''} /P ${page(1)} R /Rect [300 60 520 130] /F 4${appearance ? ` /AP << /N ${ap} R >>` : ''} >>`,
    },
    ...(appearance ? [{ ref: ap, body: streamBody('0 0 1 rg 0 0 220 70 re f', '/Type /XObject /Subtype /Form /BBox [0 0 220 70]') }] : []),
    { ref: formRef, body: edit(body(formRef), /\/Fields \[/, `/Fields [ ${field} R`) },
    { ref: page(1), body: edit(body(page(1)), /\/Annots \[/, `/Annots [ ${field} R`) },
  ];
  return appendRevision(pdf, objects);
}

export interface HandSignatureOptions {
  /** DocMDP P: certify the document (catalog /Perms /DocMDP) with this permission level. */
  readonly certify?: 1 | 2 | 3;
  /** /Lock of the signature field: the fields this signature locks [ISO 32000-1 §12.7.4.5 Table 233]. */
  readonly lockFields?: readonly string[];
}

/**
 * A signature revision written by the test, for what `kyso sign-pdf` does not write: certification (DocMDP) and
 * field locks (FieldMDP). The CMS is Kyso's own builder (buildCmsSignature) with the demo certificate's key used
 * through openssl (software-signer.ts), so the bench's trusted root validates it like a token signature.
 */
export async function signByHand(pdf: Uint8Array, bench: SigningBench, options: HandSignatureOptions): Promise<Uint8Array> {
  const { softwareSigner } = await import('../helpers/software-signer.js');
  const { buildCmsSignature } = await import('../../native-host/formats/cms/build-cms-signature.js');
  const { createHash } = await import('node:crypto');
  const cert = bench.token.cert('org-rsa');
  const signer = softwareSigner(cert.keyPem, await readFile(cert.certPem, 'utf8'), [await readFile(bench.token.intermediatePem, 'utf8')], 'RSA');
  const { body, catalogRef, page } = await objectsOf(pdf);
  const formRef = /\/AcroForm (\d+ \d+) R/.exec(body(catalogRef))![1]!;
  const size = lastTrailer(pdf).size;
  const [sig, field] = [`${size} 0`, `${size + 1} 0`];
  const placeholder = 16384;
  const reference = options.certify
    ? ` /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P ${options.certify} /V /1.2 >> >>]`
    : '';
  const lock = options.lockFields ? ` /Lock << /Type /SigFieldLock /Action /Include /Fields [${options.lockFields.map((f) => `(${f})`).join(' ')}] >>` : '';
  const objects: RevisionObject[] = [
    { ref: sig, body: `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 0000000000 0000000000 0000000000] /Contents <${'0'.repeat(placeholder * 2)}> /M (${pdfDateNow()})${reference} >>` },
    { ref: field, body: `<< /Type /Annot /Subtype /Widget /FT /Sig /T (Chung thuc) /V ${sig} R /P ${page(1)} R /Rect [0 0 0 0] /F 132${lock} >>` },
    { ref: formRef, body: edit(edit(body(formRef), /\/Fields \[/, `/Fields [ ${field} R`), /^<</, '<< /SigFlags 3') },
    { ref: page(1), body: edit(body(page(1)), /\/Annots \[/, `/Annots [ ${field} R`) },
    ...(options.certify ? [{ ref: catalogRef, body: edit(body(catalogRef), /^<</, `<< /Perms << /DocMDP ${sig} R >>`) }] : []),
  ];
  const out = Buffer.from(appendRevision(pdf, objects));
  const rangeAt = out.lastIndexOf('/ByteRange [0 0000000000', undefined, 'latin1') + '/ByteRange ['.length;
  const b = out.indexOf('/Contents <', rangeAt, 'latin1') + '/Contents '.length;
  const c = b + placeholder * 2 + 2;
  const d = out.length - c;
  out.write(`0 ${String(b).padStart(10, '0')} ${String(c).padStart(10, '0')} ${String(d).padStart(10, '0')}`, rangeAt, 'latin1');
  const digest = createHash('sha256').update(out.subarray(0, b)).update(out.subarray(c)).digest();
  const cms = await buildCmsSignature({ signer, hashAlgorithm: 'SHA-256', messageDigest: new Uint8Array(digest), includeSigningTime: false });
  out.write(Buffer.from(cms).toString('hex'), b + 1, 'latin1');
  return new Uint8Array(out);
}

/** A revision adding a FreeText annotation on page 1 (a comment that can cover signed text). */
export async function addFreeText(pdf: Uint8Array, text: string): Promise<Uint8Array> {
  const { body, page } = await objectsOf(pdf);
  const annot = `${lastTrailer(pdf).size} 0`;
  return appendRevision(pdf, [
    { ref: annot, body: `<< /Type /Annot /Subtype /FreeText /Rect [45 750 400 780] /Contents (${text}) /DA (/Helv 14 Tf 0 g) /P ${page(1)} R >>` },
    { ref: page(1), body: edit(body(page(1)), /\/Annots \[/, `/Annots [ ${annot} R`) },
  ]);
}

/** A revision that fills the text field "SoTien" with `value` (field /V and a new widget appearance). */
export async function fillAmount(pdf: Uint8Array, value: string, fontName: string): Promise<Uint8Array> {
  const { doc, body } = await objectsOf(pdf);
  const form = doc.catalog.lookup(PDFName.of('AcroForm'), PDFDict);
  for (const ref of form.lookup(PDFName.of('Fields'), PDFArray).asArray()) {
    const dict = doc.context.lookup(ref, PDFDict);
    if (dict.get(PDFName.of('T'))?.toString() === '(SoTien)' || /SoTien/.test(String((dict.get(PDFName.of('T')) as { decodeText?: () => string } | undefined)?.decodeText?.()))) {
      const widget = dict.lookup(PDFName.of('Kids'), PDFArray).get(0) as PDFRef;
      const [fieldRef, widgetRef, ap] = [refText(ref as PDFRef), refText(widget), `${lastTrailer(pdf).size} 0`];
      return appendRevision(pdf, [
        { ref: ap, body: streamBody(`/Tx BMC BT /${fontName} 12 Tf 2 6 Td (${value}) Tj ET EMC`, '/Type /XObject /Subtype /Form /BBox [0 0 200 24]') },
        { ref: fieldRef, body: edit(body(fieldRef), /\/V (\([^)]*\)|<[0-9A-Fa-f]*>)/, `/V (${value})`) },
        { ref: widgetRef, body: edit(body(widgetRef), /\/AP <<[\s\S]*?\/N \d+ \d+ R[\s\S]*?>>/, `/AP << /N ${ap} R >>`) },
      ]);
    }
  }
  throw new Error('no SoTien field');
}

/** A revision adding validation data: the token's CA certificates in a DSS [ETSI EN 319 142-1 §5.4.2], ESIC declared. */
export async function addDss(pdf: Uint8Array, bench: SigningBench): Promise<Uint8Array> {
  const { body, catalogRef } = await objectsOf(pdf);
  const size = lastTrailer(pdf).size;
  const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const certStream = (bytes: Buffer) => Buffer.concat([Buffer.from(`<< /Length ${bytes.length} >>\nstream\n`, 'latin1'), bytes, Buffer.from('\nendstream', 'latin1')]);
  return appendRevision(pdf, [
    { ref: `${size} 0`, body: certStream(der(await readFile(bench.token.rootPem, 'utf8'))) },
    { ref: `${size + 1} 0`, body: certStream(der(await readFile(bench.token.intermediatePem, 'utf8'))) },
    { ref: `${size + 2} 0`, body: `<< /Type /DSS /Certs [${size} 0 R ${size + 1} 0 R] /VRI << >> >>` },
    // As iText and Acrobat write it with a DSS: the ESIC extension declared in the catalog.
    { ref: catalogRef, body: edit(body(catalogRef), /^<</, `<< /DSS ${size + 2} 0 R /Extensions << /ESIC << /BaseVersion /1.7 /ExtensionLevel 5 >> >>`) },
  ]);
}

/**
 * The signature's /M: now, in Vietnam's time. A fixed date here was a time bomb: the demo token is made when the
 * tests start, so on any later day its certificate's notBefore followed the claimed signing time
 * (SIGNER_NOT_YET_VALID_AT_SIGNING, seen in CI on 2026-12-03).
 */
function pdfDateNow(): string {
  const vn = new Date(Date.now() + 7 * 3600_000).toISOString(); // wall clock at +07:00
  return `D:${vn.slice(0, 4)}${vn.slice(5, 7)}${vn.slice(8, 10)}${vn.slice(11, 13)}${vn.slice(14, 16)}${vn.slice(17, 19)}+07'00'`;
}
