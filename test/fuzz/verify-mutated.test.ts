/**
 * Fuzz: `kyso verify` (native-host/verify/verify-document.ts) on a signed PDF (Kyso's own signPdf with a software
 * key), a signed XML (xmlsec1) and an attached CMS (openssl), each made once per run, with mutations INSIDE the
 * signed bytes. Property: never status 'valid'; anything refused is a typed KysoError; each case within 5 s.
 * Signed bytes: PDF — the /ByteRange ranges; CMS — the encapsulated content and the signature value; XML — the
 * referenced content and SignedInfo (letters and digits replaced by another one: whitespace and quote changes
 * that canonicalisation removes are legitimately still valid [C14N 1.0 §1.1]).
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPdf } from '../../native-host/formats/pdf/sign-pdf.js';
import { TrustStore } from '../../native-host/trust/index.js';
import { verifyDocument, type VerifyOptions } from '../../native-host/verify/index.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { softwareSigner } from '../helpers/software-signer.js';
import { TestPki, openssl } from '../helpers/test-pki.js';
import { fuzz, runsFor } from './fuzz-harness.js';

const CONTENT = new TextEncoder().encode('Biên bản nghiệm thu số 12/2026.\n');
let pki: TestPki;
/**
 * Built once per run: parsing the two trust certificates again for every case cost ≈ 10 % of a case (profiled).
 * verifyDocument only reads its options and a TrustStore is immutable, so one serves every case.
 */
let options: VerifyOptions;
const signed: Record<'pdf' | 'xml' | 'cms', { bytes: Uint8Array; ranges: Array<[number, number]> }> = {} as never;

beforeAll(async () => {
  pki = await TestPki.create({ label: 'Fuzz' });
  const leaf = await pki.issue({ subject: '/C=VN/CN=Kiểm Thử Fuzz' });
  options = { trust: new TrustStore([pki.root.certDer, pki.intermediate.certDer].map((der) => new x509.X509Certificate(der as Uint8Array<ArrayBuffer>))), checkRevocation: false };

  await writeFile(join(pki.dir, 'doc.txt'), CONTENT);
  await openssl(['cms', '-sign', '-binary', '-nodetach', '-in', join(pki.dir, 'doc.txt'), '-signer', leaf.certPath, '-inkey', leaf.keyPath, '-certfile', pki.intermediate.certPath, '-outform', 'DER', '-out', join(pki.dir, 'a.p7s')]);
  const cms = new Uint8Array(await readFile(join(pki.dir, 'a.p7s')));
  const at = Buffer.from(cms).indexOf(Buffer.from(CONTENT));
  signed.cms = { bytes: cms, ranges: [[at, at + CONTENT.length], [cms.length - 256, cms.length]] };

  const base = await PDFDocument.create();
  base.addPage().drawText('Quyet dinh so 12');
  const pdf = await signPdf(await base.save(), softwareSigner(leaf.keyPath, leaf.certPem, [pki.intermediate.certPem], 'RSA'));
  const m = /\/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)/.exec(Buffer.from(pdf).toString('latin1'))!;
  signed.pdf = { bytes: pdf, ranges: [[0, Number(m[1])], [Number(m[2]), pdf.length]] };

  await writeFile(join(pki.dir, 't.xml'), '<HDon><DLHDon Id="data"><SHDon>123</SHDon><TgTTTBSo>1000000</TgTTTBSo></DLHDon><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference></SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature></HDon>');
  await promisify(execFile)('xmlsec1', ['--sign', '--privkey-pem', `${leaf.keyPath},${leaf.certPath}`, '--output', join(pki.dir, 's.xml'), join(pki.dir, 't.xml')]);
  const xml = new Uint8Array(await readFile(join(pki.dir, 's.xml')));
  const text = Buffer.from(xml).toString('latin1');
  signed.xml = { bytes: xml, ranges: [[text.indexOf('<HDon>'), text.indexOf('<Signature')], [text.indexOf('<SignedInfo>'), text.indexOf('</SignedInfo>')]] };

  for (const f of ['pdf', 'xml', 'cms'] as const) {
    // The untouched file is valid, so a mutation's non-valid status means something.
    expect((await verifyDocument(signed[f].bytes, options)).status, f).toBe('valid');
  }
}, 120_000);
afterAll(async () => { await pki?.dispose(); });

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** One or a few changed bytes, each inside a signed range. */
function signedMutation(format: 'pdf' | 'xml' | 'cms'): fc.Arbitrary<Uint8Array> {
  return fc.array(fc.record({ pick: fc.nat(), delta: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 3 }).map((edits) => {
    const { bytes, ranges } = signed[format];
    const out = bytes.slice();
    const positions = format === 'xml'
      ? ranges.flatMap(([from, to]) => Array.from({ length: to - from }, (_, i) => from + i)).filter((i) => ALNUM.includes(String.fromCharCode(bytes[i]!)))
      : undefined;
    const total = ranges.reduce((n, [from, to]) => n + (to - from), 0);
    // One edit per position: two edits of one byte can cancel out (the same XOR twice, rotations summing to a full
    // turn), leaving the signed bytes unchanged — a case the 100,000-case run met (seed 742650673, path 135).
    const edited = new Set<number>();
    for (const { pick, delta } of edits) {
      if (positions) {
        const at = positions[pick % positions.length]!;
        if (edited.has(at)) continue;
        edited.add(at);
        const now = ALNUM.indexOf(String.fromCharCode(out[at]!));
        out[at] = ALNUM.charCodeAt((now + 1 + (delta % (ALNUM.length - 1))) % ALNUM.length);
      } else {
        let offset = pick % total;
        const [from] = ranges.find(([f, t]) => (offset < t - f ? true : ((offset -= t - f), false)))!;
        if (edited.has(from + offset)) continue;
        edited.add(from + offset);
        out[from + offset] = out[from + offset]! ^ delta;
      }
    }
    return out;
  });
}

async function neverValid(bytes: Uint8Array): Promise<void> {
  let status: string;
  try {
    status = (await verifyDocument(bytes, options)).status;
  } catch (error) {
    if (!(error instanceof KysoError)) throw new Error(`not a KysoError: ${String(error)}`);
    return;
  }
  if (status === 'valid') throw new Error('a signed byte was changed and verify said valid');
}

describe('fuzz: kyso verify on mutated signed documents', () => {
  for (const format of ['pdf', 'xml', 'cms'] as const) {
    it(`${format}: a change inside the signed bytes is never 'valid', refusals are typed`, async () => {
      await fuzz(`verify-${format}`, signedMutation(format), neverValid, { runs: runsFor(0.5), caseTimeoutMs: 5000 });
    });
  }
});
