/**
 * Hostile input: truncated and bit-flipped signatures and documents must give a report or a typed KysoError —
 * never a library exception, a hang, or "valid". Positions are derived from a fixed seed so failures reproduce.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TestPki, openssl } from '../helpers/test-pki.js';
import { softwareSigner } from '../helpers/software-signer.js';
import { signPdf } from '../../native-host/formats/pdf/sign-pdf.js';
import { PDFDocument } from 'pdf-lib';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { TrustStore } from '../../native-host/trust/index.js';
import { verifyDocument, type VerifyOptions } from '../../native-host/verify/index.js';

let pki: TestPki;
let cms: Uint8Array;
let pdf: Uint8Array;
let xml: Uint8Array;
const CONTENT = new TextEncoder().encode('Biên bản nghiệm thu.\n');

beforeAll(async () => {
  pki = await TestPki.create({ label: 'Hostile' });
  const leaf = await pki.issue({ subject: '/C=VN/CN=Kiểm Thử' });
  const doc = join(pki.dir, 'doc.txt');
  await writeFile(doc, CONTENT);
  await openssl(['cms', '-sign', '-binary', '-nodetach', '-in', doc, '-signer', leaf.certPath, '-inkey', leaf.keyPath, '-certfile', pki.intermediate.certPath, '-outform', 'DER', '-out', join(pki.dir, 'a.p7s')]);
  cms = new Uint8Array(await readFile(join(pki.dir, 'a.p7s')));
  const base = await PDFDocument.create();
  base.addPage();
  pdf = await signPdf(await base.save(), softwareSigner(leaf.keyPath, leaf.certPem, [pki.intermediate.certPem], 'RSA'));
  const template = join(pki.dir, 't.xml');
  await writeFile(template, '<a><b>nội dung</b><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference></SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature></a>');
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  await promisify(execFile)('xmlsec1', ['--sign', '--privkey-pem', `${leaf.keyPath},${leaf.certPath}`, '--output', join(pki.dir, 's.xml'), template]);
  xml = new Uint8Array(await readFile(join(pki.dir, 's.xml')));
}, 60_000);
afterAll(async () => { await pki?.dispose(); });

/** Deterministic positions (xorshift) so a failure names a reproducible case. */
function positions(length: number, count: number, seed: number): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out.push(Math.abs(x) % length);
  }
  return out;
}

async function outcome(bytes: Uint8Array, options: VerifyOptions): Promise<string> {
  try {
    return (await verifyDocument(bytes, options)).status;
  } catch (error) {
    if (error instanceof KysoError) return error.code;
    throw error;
  }
}

describe('verifyDocument under hostile input', () => {
  const options = (): VerifyOptions => ({
    trust: new TrustStore([pki.root.certDer, pki.intermediate.certDer].map((der) => new x509.X509Certificate(der as Uint8Array<ArrayBuffer>))), checkRevocation: false,
  });

  it('the untouched fixtures are valid (so the mutations below mean something)', async () => {
    expect(await outcome(cms, options())).toBe('valid');
    expect(await outcome(pdf, options())).toBe('valid');
    expect(await outcome(xml, options())).toBe('valid');
  });

  /** Byte ranges whose change must never verify: the signed content and the signature value itself. */
  const mustBreak = {
    CMS: () => {
      const at = Buffer.from(cms).indexOf(Buffer.from(CONTENT));
      return [[at, at + CONTENT.length], [cms.length - 256, cms.length]] as const;
    },
    PDF: () => {
      const m = /\/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)/.exec(Buffer.from(pdf).toString('latin1'))!;
      return [[0, Number(m[1])], [Number(m[2]), pdf.length]] as const;
    },
    XML: () => {
      const text = Buffer.from(xml).toString('latin1');
      const signedInfo = [text.indexOf('<SignedInfo>'), text.indexOf('</SignatureValue>')] as const;
      return [[text.indexOf('<b>'), text.indexOf('</b>')], signedInfo] as const;
    },
  };

  for (const [name, get] of [['CMS', () => cms], ['PDF', () => pdf], ['XML', () => xml]] as const) {
    it(`${name}: truncations and bit flips never crash, and a change to signed bytes is never "valid"`, async () => {
      const original = get();
      const ranges = mustBreak[name]();
      for (const [from, to] of ranges) expect(from >= 0 && to > from).toBe(true);
      const seen = new Set<string>();
      for (const cut of positions(original.length, 15, 0x2545f491)) {
        seen.add(await outcome(original.subarray(0, cut), options()));
      }
      let signedFlips = 0;
      for (const at of [...positions(original.length, 40, 0x9e3779b9), ...ranges.map(([from, to]) => Math.floor((from + to) / 2))]) {
        const mutated = original.slice();
        mutated[at] = mutated[at]! ^ 0x04;
        const result = await outcome(mutated, options());
        seen.add(result);
        if (ranges.some(([from, to]) => at >= from && at < to)) {
          signedFlips++;
          expect(result, `flip at ${at}`).not.toBe('valid');
        }
      }
      expect(signedFlips).toBeGreaterThanOrEqual(ranges.length);
      for (const result of seen) expect(['valid', 'invalid', 'indeterminate', 'INVALID_DOCUMENT', 'UNSUPPORTED_DOCUMENT']).toContain(result);
    }, 120_000);
  }
});
