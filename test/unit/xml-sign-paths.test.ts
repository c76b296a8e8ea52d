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
