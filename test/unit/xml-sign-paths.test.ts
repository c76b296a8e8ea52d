/**
 * signXmlDocument through each of its two readings of the document: a document the text fast path covers, and
 * the same document made to need the xmldom fallback (a non-ASCII element name, a character the fast path leaves
 * to xmldom). Both signatures must verify with xmlsec1, and the fallback must really have been taken.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { signXmlDocument, type SignXmlOptions } from '../../native-host/formats/xml/sign-xml-document.js';
import { textView } from '../../native-host/formats/xml/text-view.js';
import { canonicalize } from '../../native-host/formats/xml/canonicalize.js';
import { elementsInOrder, findElementById } from '../../native-host/formats/xml/find-elements.js';
import { canonicalizeOwn } from '../../native-host/formats/xml/own-signature-c14n.js';
import { parseWithContext } from '../../native-host/formats/xml/parse-in-context.js';
import { OffFastPath } from '../../native-host/formats/xml/xml-tokens.js';
import { createSoftwarePki, type SoftwarePki } from '../helpers/software-signer.js';

let pki: SoftwarePki;
let n = 0;
beforeAll(() => { pki = createSoftwarePki(); }, 60_000);

function verifies(xml: Uint8Array, idArgs: string[]): boolean {
  const path = join(pki.dir, `paths-${n++}.xml`);
  writeFileSync(path, xml);
  const r = spawnSync('xmlsec1', ['--verify', '--trusted-pem', pki.rootPath, '--untrusted-pem', pki.intermediatePath, ...idArgs, path], { encoding: 'utf8' });
  return r.status === 0;
}

const doc = (name: string, extra: string) => '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
  `<HDon xmlns="urn:hdon" xmlns:x="urn:x" xml:lang="vi"><DLHDon Id="data" x:a="1\t2"><${name}>Hóa đơn &amp; ${extra}</${name}>` +
  '<![CDATA[a<b]]><?pi d?></DLHDon><DSCKS><NBan/></DSCKS></HDon>\n<!-- after -->\n';

const takesFastPath = (text: string) => {
  try { textView(text, 'exc', 'SHA-256', null); return true; } catch (error) {
    if (error instanceof OffFastPath) return false;
    throw error;
  }
};

describe('signXmlDocument: fast path and xmldom fallback', () => {
  const cases: Array<[string, string, boolean]> = [
    ['ASCII names (fast path)', doc('Ten', 'x'), true],
    ['a non-ASCII element name (fallback)', doc('Tên', 'x'), false],
    ['U+0085 in text (fallback)', doc('Ten', '\u0085'), false],
  ];
  const variants: Array<[string, Partial<SignXmlOptions>, string[]]> = [
    ['whole document, exclusive', {}, []],
    ['#data under DSCKS/NBan, inclusive', { referenceId: 'data', parent: 'DSCKS/NBan', canonicalization: 'inc' }, ['--id-attr:Id', 'DLHDon']],
  ];
  for (const [name, text, fast] of cases) {
    it.each(variants)(`${name}: %s verifies with xmlsec1`, async (_variant, options, idArgs) => {
      expect(takesFastPath(text)).toBe(fast);
      const signed = await signXmlDocument(new TextEncoder().encode(text), { signer: pki.rsa.signer, ...options });
      expect(verifies(signed, idArgs)).toBe(true);
      // Nothing but the Signature was added (the empty NBan, when it is the parent, gains an end tag).
      const rest = Buffer.from(signed).toString('utf8').replace(/<Signature xmlns="http:\/\/www\.w3\.org\/2000\/09\/xmldsig#"[\s\S]*?<\/Signature>/, '');
      expect([text, text.replace('<NBan/>', '<NBan></NBan>')]).toContain(rest);
    });
  }
});

describe('canonicalizeOwn: our Signature through the text path = through xmldom', () => {
  const signature = '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="s"><SignedInfo><CanonicalizationMethod Algorithm="a"/>' +
    '<Reference Id="s-ref-doc" URI=""><DigestValue>@@KYSO-DIGEST-0@@</DigestValue></Reference></SignedInfo><SignatureValue>AAA=</SignatureValue>' +
    '<KeyInfo><X509Data><X509Certificate>MIIB</X509Certificate></X509Data></KeyInfo>' +
    '<Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#s"><xades:SignedProperties Id="s-signed-props">' +
    '<xades:SigningTime>2026-12-02T00:00:00Z</xades:SigningTime></xades:SignedProperties></xades:QualifyingProperties></Object>' +
    '<Object Id="s-signing-time"><SignatureProperties><SignatureProperty Target="#s"><SigningTime>t</SigningTime></SignatureProperty></SignatureProperties></Object></Signature>';
  const contexts = [
    { namespaces: new Map<string, string>(), xmlAttributes: new Map<string, string>() },
    { namespaces: new Map([['', 'urn:hdon'], ['x', 'urn:x&y']]), xmlAttributes: new Map([['xml:lang', 'vi'], ['xml:space', 'preserve']]) },
    { namespaces: new Map([['ds', 'http://www.w3.org/2000/09/xmldsig#'], ['', '']]), xmlAttributes: new Map([['xml:base', 'a"b\tc']]) },
  ];
  it.each(['exc', 'inc'] as const)('%s: SignedInfo, SignatureValue and Objects by Id, in several parent contexts', (method) => {
    for (const context of contexts) {
      const elements = elementsInOrder(parseWithContext(context, signature));
      const sig = findElementById(elements, 's');
      const child = (name: string) => elements.find((e) => e.parentNode === sig && e.localName === name);
      expect(canonicalizeOwn(context, signature, { child: 'SignedInfo', of: 's' }, method)).toBe(canonicalize(child('SignedInfo')!, method));
      expect(canonicalizeOwn(context, signature, { child: 'SignatureValue', of: 's' }, method)).toBe(canonicalize(child('SignatureValue')!, method));
      for (const id of ['s-signed-props', 's-signing-time']) {
        expect(canonicalizeOwn(context, signature, { id }, method)).toBe(canonicalize(findElementById(elements, id), method));
      }
    }
  });
});
