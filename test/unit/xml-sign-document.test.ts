/**
 * XML signing with a software key (openssl pkeyutl), judged by xmlsec1; hostile inputs refused with typed errors.
 * The same checks with the SoftHSM2 token are in test/integration/xml-sign.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { signXmlDocument, type SignXmlOptions } from '../../native-host/formats/xml/sign-xml-document.js';
import { createSoftwarePki, type SoftwarePki } from '../helpers/software-signer.js';

const fixture = (name: string) => new Uint8Array(readFileSync(join(import.meta.dirname, '../fixtures/xml', name)));
const XADES_ID = ['--id-attr:Id', 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties'];

let pki: SoftwarePki;
let n = 0;
beforeAll(() => { pki = createSoftwarePki(); }, 60_000);

function xmlsecVerify(xml: Uint8Array | string, idArgs: string[]): { ok: boolean; log: string } {
  const path = join(pki.dir, `signed-${n++}.xml`);
  writeFileSync(path, xml);
  const r = spawnSync('xmlsec1', ['--verify', '--trusted-pem', pki.rootPath, '--untrusted-pem', pki.intermediatePath, ...idArgs, path], { encoding: 'utf8' });
  return { ok: r.status === 0, log: r.stderr };
}

/** The output with our Signature removed. */
function withoutSignature(xml: Uint8Array): string {
  return Buffer.from(xml).toString('utf8').replace(/<Signature xmlns="http:\/\/www\.w3\.org\/2000\/09\/xmldsig#"[\s\S]*?<\/Signature>/, '');
}

/** The input as it must read after signing: unchanged, except an empty parent written <P/> becomes <P></P>. */
function expectedUnsigned(input: Uint8Array, parent: string | undefined): string[] {
  const text = Buffer.from(input).toString('utf8');
  const name = parent?.split('/').pop();
  if (!name) return [text];
  return [text, text.replace(new RegExp(`<((?:[\\w-]+:)?${name})(\\s[^<>]*?)?/>`), (_m, n: string, a = '') => `<${n}${a}></${n}>`)];
}

type Case = [string, string, 'rsa' | 'ec' | 'ec384', Partial<SignXmlOptions>, string[]];
const cases: Case[] = [
  ['e-invoice #data under DSCKS/NBan with SigningTime property', 'einvoice-tt78.xml', 'rsa', { referenceId: 'data', parent: 'DSCKS/NBan', signingTimeProperty: true }, ['--id-attr:Id', 'DLHDon']],
  ['e-invoice whole document, XAdES-BES, ECDSA', 'einvoice-tt78.xml', 'ec', { xades: true }, XADES_ID],
  ['e-invoice #data, inclusive C14N, XAdES', 'einvoice-tt78.xml', 'ec', { xades: true, canonicalization: 'inc', referenceId: 'data', parent: 'DSCKS/NBan' }, ['--id-attr:Id', 'DLHDon', ...XADES_ID]],
  ['namespaced CRLF document, whole, exclusive', 'namespaced-crlf.xml', 'rsa', {}, []],
  ['namespaced #hdr, exclusive (prefix used only by an attribute), ECDSA P-384', 'namespaced-crlf.xml', 'ec384', { referenceId: 'hdr', parent: 'Seller', hashAlgorithm: 'SHA-384' }, ['--id-attr:id', 'urn:kyso:test:invoice:Header']],
  ['namespaced CRLF document, whole, inclusive, nested parent', 'namespaced-crlf.xml', 'rsa', { canonicalization: 'inc', parent: 'Seller' }, []],
  ['namespaced #hdr (lowercase id), inclusive, XAdES, SHA-384', 'namespaced-crlf.xml', 'ec', { canonicalization: 'inc', referenceId: 'hdr', parent: 'Header', xades: true, hashAlgorithm: 'SHA-384' }, ['--id-attr:id', 'urn:kyso:test:invoice:Header', ...XADES_ID]],
  ['namespaced #body under xmlns="" element, SHA-512', 'namespaced-crlf.xml', 'rsa', { referenceId: 'body', parent: 'Empty', hashAlgorithm: 'SHA-512' }, ['--id-attr:Id', 'urn:kyso:test:invoice:Body']],
];

describe('signXmlDocument', () => {
  it.each(cases)('%s: xmlsec1 verifies, the rest of the file is unchanged, a tampered copy fails', async (_name, file, who, options, idArgs) => {
    const input = fixture(file);
    const before = input.slice();
    const signed = await signXmlDocument(input, { signer: pki[who].signer, ...options });
    expect(input).toEqual(before);
    const verdict = xmlsecVerify(signed, idArgs);
    expect(verdict.log).toContain('OK');
    expect(verdict.ok).toBe(true);
    expect(expectedUnsigned(input, options.parent)).toContain(withoutSignature(signed));

    // Change signed content: for #id references something inside the referenced element, else anything.
    const text = Buffer.from(signed).toString('utf8');
    const tampered = file === 'einvoice-tt78.xml' ? text.replace('1000000', '9000000') : text.replace(options.referenceId === 'body' ? 'Bút bi' : 'dòng 1', 'XXX');
    expect(tampered).not.toBe(text);
    expect(xmlsecVerify(tampered, idArgs).ok).toBe(false);
  }, 30_000);

  it('a self-closing root element gets the signature inside it', async () => {
    const signed = await signXmlDocument(new TextEncoder().encode('<?xml version="1.0"?>\n<HDon Id="r" ver="1"/>\n'), { signer: pki.ec.signer });
    const text = Buffer.from(signed).toString('utf8');
    expect(text).toMatch(/^<\?xml version="1.0"\?>\n<HDon Id="r" ver="1"><Signature [\s\S]*<\/Signature><\/HDon>\n$/);
    expect(xmlsecVerify(signed, []).ok).toBe(true);
  });

  it('keeps a UTF-8 BOM', async () => {
    const input = new Uint8Array([0xef, 0xbb, 0xbf, ...fixture('einvoice-tt78.xml')]);
    const signed = await signXmlDocument(input, { signer: pki.rsa.signer, referenceId: 'data', parent: 'DSCKS/NBan' });
    expect([...signed.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(xmlsecVerify(signed, ['--id-attr:Id', 'DLHDon']).ok).toBe(true);
  });

  it('seller then buyer sign #data (e-invoice): both signatures verify, picked by --node-id', async () => {
    const seller = await signXmlDocument(fixture('einvoice-tt78.xml'), { signer: pki.rsa.signer, referenceId: 'data', parent: 'DSCKS/NBan', signatureId: 'seller', signingTimeProperty: true });
    const both = await signXmlDocument(seller, { signer: pki.ec.signer, referenceId: 'data', parent: 'DSCKS/NMua', signatureId: 'buyer', xades: true });
    for (const id of ['seller', 'buyer']) {
      const verdict = xmlsecVerify(both, ['--node-id', id, '--id-attr:Id', 'http://www.w3.org/2000/09/xmldsig#:Signature', '--id-attr:Id', 'DLHDon', ...XADES_ID]);
      expect(verdict.ok).toBe(true);
    }
    // The second signature went in without touching the first: remove it and the seller's file is back.
    const bothText = Buffer.from(both).toString('utf8').replace(/<Signature xmlns="[^"]+" Id="buyer">[\s\S]*?<\/Signature>/, '');
    expect(bothText.replace('<NMua></NMua>', '<NMua/>')).toBe(Buffer.from(seller).toString('utf8'));
    await expect(signXmlDocument(both, { signer: pki.ec.signer, referenceId: 'data', parent: 'DSCKS/CCKSKhac', signatureId: 'seller' }))
      .rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('a signature under the referenced element still verifies (enveloped transform)', async () => {
    const signed = await signXmlDocument(fixture('einvoice-tt78.xml'), { signer: pki.ec.signer, referenceId: 'data', parent: 'DLHDon' });
    expect(xmlsecVerify(signed, ['--id-attr:Id', 'DLHDon']).ok).toBe(true);
  });
});

describe('signXmlDocument refuses input it cannot sign safely', () => {
  const sign = (bytes: Uint8Array, options: Partial<SignXmlOptions> = {}) => signXmlDocument(bytes, { signer: pki.rsa.signer, ...options });

  it('a DOCTYPE with an external entity → INVALID_DOCUMENT', async () => {
    await expect(sign(fixture('doctype-xxe.xml'))).rejects.toMatchObject({ code: 'INVALID_DOCUMENT' });
  });
  it('an internal-subset DOCTYPE without XML declaration → INVALID_DOCUMENT', async () => {
    await expect(sign(new TextEncoder().encode('<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'))).rejects.toMatchObject({ code: 'INVALID_DOCUMENT' });
  });
  it('declared windows-1258 → UNSUPPORTED_DOCUMENT', async () => {
    await expect(sign(fixture('windows-1258.xml'))).rejects.toMatchObject({ code: 'UNSUPPORTED_DOCUMENT', details: { declaredEncoding: 'windows-1258' } });
  });
  it('UTF-16 → UNSUPPORTED_DOCUMENT', async () => {
    await expect(sign(fixture('utf16.xml'))).rejects.toMatchObject({ code: 'UNSUPPORTED_DOCUMENT' });
  });
  it('bytes that are not UTF-8 → UNSUPPORTED_DOCUMENT', async () => {
    await expect(sign(new Uint8Array([0x3c, 0x61, 0x3e, 0xe1, 0x3c, 0x2f, 0x61, 0x3e]))).rejects.toMatchObject({ code: 'UNSUPPORTED_DOCUMENT' });
  });
  it.each([['mismatched tags', 'malformed.xml'], ['empty file', ''], ['text only', 'not xml']])('malformed (%s) → INVALID_DOCUMENT', async (_n, source) => {
    const bytes = source.endsWith('.xml') ? fixture(source) : new TextEncoder().encode(source);
    await expect(sign(bytes)).rejects.toMatchObject({ code: 'INVALID_DOCUMENT' });
  });
  it('an unknown or duplicated Id, a missing or ambiguous parent → typed errors', async () => {
    const doc = fixture('einvoice-tt78.xml');
    await expect(sign(doc, { referenceId: 'nope' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(sign(doc, { parent: 'NBan' })).rejects.toMatchObject({ code: 'BAD_REQUEST', details: { count: 2 } });
    await expect(sign(doc, { parent: 'Missing' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const dup = new TextEncoder().encode('<r><a Id="x">1</a><b id="x">2</b></r>');
    await expect(sign(dup, { referenceId: 'x' })).rejects.toMatchObject({ code: 'INVALID_DOCUMENT' });
  });
  it('nesting 10,000 deep → INVALID_DOCUMENT, not a stack overflow', async () => {
    const deep = new TextEncoder().encode(`${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`);
    await expect(sign(deep)).rejects.toMatchObject({ code: 'INVALID_DOCUMENT' });
  });
  it('RSA-PSS for XML → UNSUPPORTED_ALGORITHM', async () => {
    await expect(sign(fixture('einvoice-tt78.xml'), { signatureScheme: 'RSA-PSS' })).rejects.toMatchObject({ code: 'UNSUPPORTED_ALGORITHM' });
  });
});
