/**
 * XML Signature Wrapping (XSW) against `kyso verify` [McIntosh & Austel 2005, "XML signature element wrapping
 * attacks and countermeasures"; Somorovsky et al. 2012, "On Breaking SAML", XSW1–XSW8], adapted to the
 * enveloped signature by Id that Vietnamese e-invoices use (Reference URI="#data" → HDon/DLHDon).
 *
 * The attacker holds a genuinely signed invoice. The signed DLHDon is kept byte for byte (so its digest still
 * matches) but moved where applications do not read it; an edited copy sits where they do. A crypto-only check
 * (xmlsec1) says OK; Kyso must say invalid, name what each Reference covers, and give the reason.
 *
 * Signed on a real SoftHSM2 token with the built `kyso sign-xml`; judged with the built `kyso verify`.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { runKyso } from '../helpers/kyso-cli.js';
import { buildTestHost, spawnHost } from '../helpers/host-process.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/xml');
const DATA_ID = ['--id-attr:Id', 'DLHDon'];

let token: DemoToken;
let dir: string;
let n = 0;
/** The TT78 invoice signed by the seller: `--ref data --parent DSCKS/NBan --signing-time`. */
let signedById: string;
/** The same invoice signed over the whole document (URI=""). */
let signedWhole: string;
/** The same, with the Signature as the root's last child (the usual enveloped layout). */
let signedWholeAtRoot: string;
/** The signed DLHDon exactly as it is in the signed file. */
let original: string;

interface Report {
  status: string;
  signatures: { status: string; reasons: { code: string; detail?: string }[]; references?: { uri: string; target: string }[] }[];
}

async function write(text: string): Promise<string> {
  const path = join(dir, `variant-${n++}.xml`);
  await writeFile(path, text);
  return path;
}

async function kysoVerify(path: string, extra: string[] = []): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await runKyso(['verify', path, '--trust', token.rootPem, '--no-revocation', '--json', ...extra], { env: { KYSO_TRUST_DIR: '' } });
  return { code: r.code, report: (r.stdout ? JSON.parse(r.stdout) : { status: 'none', signatures: [] }) as Report, stderr: r.stderr };
}

function xmlsecOk(path: string, idArgs: readonly string[] = DATA_ID): boolean {
  const r = spawnSync('xmlsec1', ['--verify', '--trusted-pem', token.rootPem, '--untrusted-pem', token.intermediatePem, ...idArgs, path], { encoding: 'utf8' });
  return r.status === 0;
}

const codes = (report: Report) => report.signatures.flatMap((s) => s.reasons.map((r) => r.code));
/** The edited copy the attacker wants applications to read: another total, and the given Id. */
const forged = (id: string | null) => original
  .replace('<DLHDon Id="data">', id === null ? '<DLHDon>' : `<DLHDon Id="${id}">`)
  .replace('<TgTTTBSo>1100000<', '<TgTTTBSo>9900000<');

async function signInvoice(args: string[], name: string): Promise<string> {
  const input = join(dir, `${name}-in.xml`);
  await copyFile(join(FIXTURES, 'einvoice-tt78.xml'), input);
  const output = join(dir, `${name}.xml`);
  const r = await runKyso(['sign-xml', input, '-o', output, '--cert', 'MST:0101234567', '--pin-stdin', ...args], { env: token.env, stdin: `${token.userPin}\n` });
  if (r.code !== 0) throw new Error(`sign-xml failed: ${r.stderr}`);
  return readFile(output, 'utf8');
}

beforeAll(async () => {
  token = await createDemoToken();
  dir = await mkdtemp(join(tmpdir(), 'kyso-xsw-'));
  signedById = await signInvoice(['--ref', 'data', '--parent', 'DSCKS/NBan', '--signing-time', '--signature-id', 'seller'], 'by-id');
  signedWhole = await signInvoice(['--parent', 'DSCKS/NBan', '--signature-id', 'seller'], 'whole');
  signedWholeAtRoot = await signInvoice(['--signature-id', 'seller'], 'whole-root');
  original = /<DLHDon Id="data">[\s\S]*?<\/DLHDon>/.exec(signedById)![0];
}, 180_000);

describe('positive: untouched signatures stay valid and say what they cover', () => {
  it('a TT78 invoice signed by kyso over #data: valid (exit 0), references /HDon/DLHDon and its SigningTime Object', async () => {
    const path = await write(signedById);
    expect(xmlsecOk(path)).toBe(true);
    const { code, report } = await kysoVerify(path);
    expect(code).toBe(0);
    expect(report.signatures[0]!.references).toEqual([
      { uri: '#data', target: '/HDon/DLHDon' },
      { uri: '#seller-signing-time', target: '/HDon/DSCKS/NBan/Signature/Object' },
    ]);
  }, 60_000);

  it.each([['under DSCKS/NBan', () => signedWhole], ['as the root\'s last child', () => signedWholeAtRoot]])(
    'a whole-document signature %s: xmlsec1 OK, kyso valid, its Reference target is "/"', async (_label, text) => {
      const path = await write(text());
      expect(xmlsecOk(path, [])).toBe(true);
      const { code, report } = await kysoVerify(path);
      expect(code).toBe(0);
      expect(report.signatures[0]!.references).toEqual([{ uri: '', target: '/' }]);
    }, 60_000);
});

describe('wrapping: the signed DLHDon moved, an edited copy where applications read it', () => {
  const moved: [string, () => string, string][] = [
    ['XSW: original wrapped in an unknown element under the root, copy (other Id) before it',
      () => signedById.replace(original, forged('data2')).replace('</HDon>', `<Extension>${original}</Extension></HDon>`), '/HDon/Extension/DLHDon'],
    ['XSW: original wrapped in an unknown element placed before the copy (other Id)',
      () => signedById.replace(original, `<Wrapper>${original}</Wrapper>${forged('data2')}`), '/HDon/Wrapper/DLHDon'],
    ['XSW: original hidden in an empty signature slot (DSCKS/CCKSKhac), copy (other Id) in its place',
      () => signedById.replace(original, forged('data2')).replace('<CCKSKhac/>', `<CCKSKhac>${original}</CCKSKhac>`), '/HDon/DSCKS/CCKSKhac/DLHDon'],
    ['XSW (McIntosh & Austel): original moved into a ds:Object of the Signature, copy (other Id) in its place',
      () => signedById.replace(original, forged('data2'))
        .replace('</Signature>', `<Object>${original.replace('<DLHDon Id="data">', '<DLHDon xmlns="" Id="data">')}</Object></Signature>`),
      '/HDon/DSCKS/NBan/Signature/Object[2]/DLHDon'],
  ];
  it.each(moved)('%s: kyso exit 1, XML_SIGNATURE_WRAPPING, the target path names where the signed element really is', async (_label, build, target) => {
    const path = await write(build());
    const { code, report } = await kysoVerify(path);
    expect(code).toBe(1);
    expect(report.status).toBe('invalid');
    expect(codes(report)).toContain('XML_SIGNATURE_WRAPPING');
    expect(report.signatures[0]!.references?.[0]).toEqual({ uri: '#data', target });
  }, 60_000);

  it('XSW: original hidden inside a forged ds:Signature, copy (other Id) in its place: exit 1, the target is "(not found)"', async () => {
    // Signed data is never looked up inside another Signature (xmldsigjs and reference-targets.ts alike).
    const text = signedById.replace(original, forged('data2'))
      .replace('<CCKSKhac/>', `<CCKSKhac><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><Object>${original.replace('<DLHDon Id="data">', '<DLHDon xmlns="" Id="data">')}</Object></Signature></CCKSKhac>`);
    const { code, report } = await kysoVerify(await write(text));
    expect(code).toBe(1);
    const seller = report.signatures.find((s) => s.references?.[0]?.uri === '#data')!;
    expect(seller.status).toBe('invalid');
    expect(seller.references?.[0]).toEqual({ uri: '#data', target: '(not found)' });
  }, 60_000);

  it('xmlsec1 (a crypto-only check) says OK on the wrapped files in which it still finds #data', async () => {
    // Why the location check is needed: the digest of the moved element still matches.
    expect(xmlsecOk(await write(moved[0]![1]()))).toBe(true);
    expect(xmlsecOk(await write(moved[1]![1]()))).toBe(true);
    expect(xmlsecOk(await write(moved[2]![1]()))).toBe(true);
  }, 60_000);
});

describe('duplicate Id: the edited copy carries the SAME Id', () => {
  it.each([
    ['copy before the original (original wrapped after it)', () => signedById.replace(original, `${forged('data')}<Wrapper>${original}</Wrapper>`)],
    ['copy after the original (original wrapped before it)', () => signedById.replace(original, `<Wrapper>${original}</Wrapper>${forged('data')}`)],
    ['copy in an unknown element, original in place', () => signedById.replace('</HDon>', `<Extension>${forged('data')}</Extension></HDon>`)],
    ['copy with a lower-case id attribute', () => signedById.replace('</HDon>', `<Extension>${forged(null).replace('<DLHDon>', '<DLHDon id="data">')}</Extension></HDon>`)],
  ])('%s: kyso exit 1 with XML_DUPLICATE_ID', async (_label, build) => {
    const { code, report } = await kysoVerify(await write(build()));
    expect(code).toBe(1);
    expect(codes(report)).toContain('XML_DUPLICATE_ID');
  }, 60_000);
});

describe('a second element of the signed name directly under the root', () => {
  it.each([
    ['an unsigned DLHDon before the signed one', () => signedById.replace(original, `${forged(null)}${original}`), '/HDon/DLHDon[2]'],
    ['an unsigned DLHDon (other Id) after the signed one', () => signedById.replace(original, `${original}${forged('data2')}`), '/HDon/DLHDon[1]'],
  ])('%s: xmlsec1 OK, kyso exit 1 with XML_SIGNATURE_WRAPPING', async (_label, build, target) => {
    const path = await write(build());
    expect(xmlsecOk(path)).toBe(true);
    const { code, report } = await kysoVerify(path);
    expect(code).toBe(1);
    expect(codes(report)).toContain('XML_SIGNATURE_WRAPPING');
    expect(report.signatures[0]!.references?.[0]).toEqual({ uri: '#data', target });
  }, 60_000);
});

describe('whole-document reference', () => {
  it.each([
    ['the data moved into a wrapper', () => signedWhole.replace(/<DLHDon Id="data">[\s\S]*?<\/DLHDon>/, (d) => `<Wrapper>${d}</Wrapper>`)],
    ['an edited copy added before the data', () => signedWhole.replace(/<DLHDon Id="data">/, (d) => `<DLHDon Id="data2"><TToan><TgTTTBSo>9900000</TgTTTBSo></TToan></DLHDon>${d}`)],
    // The enveloped-signature transform removes only the Signature that contains it [XMLDSig 1.1 §6.6.4]; a forged
    // Signature beside it, carrying an edited copy for applications that read the first DLHDon, stays in the digest.
    ['a forged ds:Signature beside the real one at the root, carrying an edited copy',
      () => signedWholeAtRoot.replace('<HDon>', `<HDon><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><Object>${forged('data2').replace('<DLHDon', '<DLHDon xmlns=""')}</Object></Signature>`)],
  ])('%s: xmlsec1 fails, kyso invalid by digest (exit 1, XML_REFERENCE_DIGEST)', async (_label, build) => {
    const path = await write(build());
    expect(xmlsecOk(path, [])).toBe(false);
    const { code, report } = await kysoVerify(path);
    expect(code).toBe(1);
    expect(report.signatures.find((s) => s.references?.[0]?.uri === '')?.reasons.map((r) => r.code)).toContain('XML_REFERENCE_DIGEST');
  }, 60_000);
});

describe('the caller names the element that must be covered (--require-element)', () => {
  /** A generic document (no known schema): Kyso reports targets but invents no rule unless told. */
  const GENERIC = '<?xml version="1.0" encoding="UTF-8"?>\n<GiayToKhac><NoiDung Id="nd"><SoTien>500000</SoTien></NoiDung><ChuKy/></GiayToKhac>\n';
  let generic: string;
  let genericOriginal: string;

  beforeAll(async () => {
    const input = join(dir, 'generic-in.xml');
    await writeFile(input, GENERIC);
    const output = join(dir, 'generic.xml');
    const r = await runKyso(['sign-xml', input, '-o', output, '--cert', 'MST:0101234567', '--pin-stdin', '--ref', 'nd', '--parent', 'ChuKy'],
      { env: token.env, stdin: `${token.userPin}\n` });
    if (r.code !== 0) throw new Error(`sign-xml failed: ${r.stderr}`);
    generic = await readFile(output, 'utf8');
    genericOriginal = /<NoiDung Id="nd">[\s\S]*?<\/NoiDung>/.exec(generic)![0];
  }, 60_000);

  const wrapped = () => generic.replace(genericOriginal, `<NoiDung Id="nd2"><SoTien>9900000</SoTien></NoiDung><Wrapper>${genericOriginal}</Wrapper>`);

  it('unknown schema, no option: valid, and the target shows the signed element sits in a wrapper', async () => {
    const { code, report } = await kysoVerify(await write(wrapped()));
    expect(code).toBe(0);
    expect(report.signatures[0]!.references).toEqual([{ uri: '#nd', target: '/GiayToKhac/Wrapper/NoiDung' }]);
  }, 60_000);

  it('--require-element /GiayToKhac/NoiDung: the untouched file valid, the wrapped one exit 1 (XML_SIGNATURE_WRAPPING)', async () => {
    expect((await kysoVerify(await write(generic), ['--require-element', '/GiayToKhac/NoiDung'])).code).toBe(0);
    const { code, report } = await kysoVerify(await write(wrapped()), ['--require-element', '/GiayToKhac/NoiDung']);
    expect(code).toBe(1);
    expect(codes(report)).toContain('XML_SIGNATURE_WRAPPING');
  }, 60_000);

  it('--require-element naming an element the signature does not cover: exit 1 (XML_REQUIRED_ELEMENT_NOT_COVERED)', async () => {
    const { code, report } = await kysoVerify(await write(generic), ['--require-element', '/GiayToKhac/ChuKy']);
    expect(code).toBe(1);
    expect(codes(report)).toContain('XML_REQUIRED_ELEMENT_NOT_COVERED');
  }, 60_000);

  it('--require-element #nd (by Id): covered → valid; an Id the signature does not cover → exit 1', async () => {
    // The Id form says "this Id must be signed"; the path form says "the element applications read must be signed".
    expect((await kysoVerify(await write(generic), ['--require-element', '#nd'])).code).toBe(0);
    const { code, report } = await kysoVerify(await write(generic), ['--require-element', '#khongco']);
    expect(code).toBe(1);
    expect(codes(report)).toContain('XML_REQUIRED_ELEMENT_NOT_COVERED');
  }, 60_000);
});

describe('the same option through the host (host.verifyDocument requireElement, as the SDK sends it)', () => {
  it('requireElement: the wrapped generic document is invalid, the untouched one valid; a malformed value is BAD_REQUEST', async () => {
    const { hostPath } = await buildTestHost();
    const host = spawnHost(hostPath, { env: { KYSO_TRUST_DIR: '' } });
    try {
      const root = Buffer.from((await readFile(token.rootPem, 'utf8')).replace(/-----[^-]+-----|\s+/g, ''), 'base64').toString('base64');
      const ask = (text: string, requireElement: string) =>
        host.request('host.verifyDocument', { document: Buffer.from(text).toString('base64'), trustRoots: [root], checkRevocation: false, requireElement });
      const generic = await readFile(join(dir, 'generic.xml'), 'utf8');
      const block = /<NoiDung Id="nd">[\s\S]*?<\/NoiDung>/.exec(generic)![0];
      const good = await ask(generic, '/GiayToKhac/NoiDung');
      expect(good.payload?.status).toBe('valid');
      const bad = await ask(generic.replace(block, `<NoiDung Id="nd2"><SoTien>9900000</SoTien></NoiDung><Wrapper>${block}</Wrapper>`), '/GiayToKhac/NoiDung');
      expect(bad.payload?.status).toBe('invalid');
      expect(bad.payload?.signatures[0].reasons.map((r: { code: string }) => r.code)).toContain('XML_SIGNATURE_WRAPPING');
      expect(bad.payload?.signatures[0].references).toEqual([{ uri: '#nd', target: '/GiayToKhac/Wrapper/NoiDung' }]);
      const malformed = await ask(generic, 'GiayToKhac//NoiDung[1]');
      expect(malformed.error?.code).toBe('BAD_REQUEST');
      // 100 References to 100 wrapped elements: the report stays within its schema (a typed result, not an error).
      const many = signedById
        .replace('</HDon>', `<Wrapper>${Array.from({ length: 100 }, (_, i) => `<X Id="d${i}"/>`).join('')}</Wrapper></HDon>`)
        .replace('<Reference ', `${Array.from({ length: 100 }, (_, i) => `<Reference URI="#d${i}"><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue>AA==</DigestValue></Reference>`).join('')}<Reference `);
      const flooded = await ask(many, '/HDon/DLHDon');
      expect(flooded.type).toBe('host.result');
      expect(flooded.payload.status).toBe('invalid');
      expect(flooded.payload.signatures[0].reasons.map((r: { code: string }) => r.code)).toContain('XML_SIGNATURE_WRAPPING');
    } finally {
      await host.close();
    }
  }, 90_000);
});

describe('tax declaration (HSoThueDTu): the signed HSoKhaiThue must be a direct child of the root', () => {
  const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n<HSoThueDTu xmlns="http://kekhaithue.gdt.gov.vn/TKhaiThue"><HSoKhaiThue id="_NODE_TO_SIGN">' +
    '<TTinChung><TTinTKhaiThue><TKhaiThue><maTKhai>842</maTKhai><tenTKhai>Tờ khai thuế GTGT (01/GTGT)</tenTKhai></TKhaiThue></TTinTKhaiThue></TTinChung>' +
    '<CTieuTKhaiChinh><ct40>1000000</ct40></CTieuTKhaiChinh></HSoKhaiThue><CKyDTu/></HSoThueDTu>\n';

  it('signed as HTKK does (#_NODE_TO_SIGN under CKyDTu): valid; moved into a wrapper with a copy in place: exit 1', async () => {
    const input = join(dir, 'tokhai-in.xml');
    await writeFile(input, DECLARATION);
    const output = join(dir, 'tokhai.xml');
    const r = await runKyso(['sign-xml', input, '-o', output, '--cert', 'MST:0101234567', '--pin-stdin', '--ref', '_NODE_TO_SIGN', '--parent', 'CKyDTu'],
      { env: token.env, stdin: `${token.userPin}\n` });
    expect(r.code).toBe(0);
    const signed = await readFile(output, 'utf8');
    const good = await kysoVerify(await write(signed));
    expect(good.code).toBe(0);
    expect(good.report.signatures[0]!.references).toEqual([{ uri: '#_NODE_TO_SIGN', target: '/HSoThueDTu/HSoKhaiThue' }]);
    const block = /<HSoKhaiThue id="_NODE_TO_SIGN">[\s\S]*?<\/HSoKhaiThue>/.exec(signed)![0];
    const copy = block.replace('id="_NODE_TO_SIGN"', 'id="x"').replace('<ct40>1000000<', '<ct40>1<');
    const bad = await kysoVerify(await write(signed.replace(block, `${copy}<PLuc>${block}</PLuc>`)));
    expect(bad.code).toBe(1);
    expect(codes(bad.report)).toContain('XML_SIGNATURE_WRAPPING');
  }, 60_000);
});
