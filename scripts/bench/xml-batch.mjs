/**
 * XML: `kyso sign-xml` of one ~10 MB e-invoice batch file (enveloped signature over the whole document, exclusive
 * C14N, RSA-2048 on the SoftHSM2 token) vs `xmlsec1 --sign` of the same file with the same key as a PEM file (the
 * demo token's key was imported from it) and the same kind of signature (a template with the same transforms).
 * Both are timed spawn → exit, so each pays its own start-up; alternated run by run. Kyso's output is checked with
 * `xmlsec1 --verify` once (not timed): a fast wrong signature would not count.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeArgs, timeProcess } from './spawn-timed.mjs';

const RUNNER = ['--input-type=module', '-e', 'const { main } = await import(process.argv[1]); process.exitCode = await main(process.argv.slice(2));'];

/** A Vietnamese e-invoice batch (DSHDon of HDon, each with its lines), about `megabytes` MB of UTF-8. */
export function invoiceBatchXml(megabytes) {
  const parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<DSHDon xmlns="http://kyso.vn/bench/hdon">\n'];
  let size = parts[0].length;
  for (let i = 1; size < megabytes * 1024 * 1024; i++) {
    const lines = Array.from({ length: 8 }, (_, k) => `      <HHDVu><STT>${k + 1}</STT><THHDVu>Dịch vụ tư vấn thuế tháng ${(k % 12) + 1} — gói ${i}</THHDVu><DVTinh>gói</DVTinh><SLuong>${k + 1}</SLuong><DGia>1500000</DGia><ThTien>${(k + 1) * 1500000}</ThTien><TSuat>10%</TSuat></HHDVu>\n`).join('');
    const invoice = `  <HDon Id="HD${i}">\n    <TTChung><PBan>2.0.0</PBan><THDon>Hóa đơn giá trị gia tăng</THDon><KHMSHDon>1</KHMSHDon><KHHDon>C26TKS</KHHDon><SHDon>${i}</SHDon><NLap>2026-12-02</NLap><DVTTe>VND</DVTTe></TTChung>\n    <NDHDon><NBan><Ten>Công ty TNHH Kyso Thử Nghiệm</Ten><MST>0101234567</MST><DChi>Phường Cửa Nam, Quận Hoàn Kiếm, Hà Nội</DChi></NBan><NMua><Ten>Hộ kinh doanh Nguyễn Văn Ánh &amp; cộng sự</Ten><MST>0109876543</MST></NMua>\n    <DSHHDVu>\n${lines}    </DSHHDVu></NDHDon>\n  </HDon>\n`;
    parts.push(invoice);
    size += Buffer.byteLength(invoice);
  }
  parts.push('</DSHDon>\n');
  return parts.join('');
}

/** The same document with an xmlsec1 signature template: enveloped, exclusive C14N, RSA-SHA256, whole document. */
function xmlsecTemplate(xml) {
  const template = '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>'
    + '<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
    + '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
    + '<Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
    + '<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms>'
    + '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference></SignedInfo>'
    + '<SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature>';
  const close = xml.lastIndexOf('</DSHDon>');
  return `${xml.slice(0, close)}${template}\n${xml.slice(close)}`;
}

/**
 * @returns {Promise<{ kyso: number[], xmlsec: number[], kysoRssMb: number[], bytes: number }>}
 */
export async function timeXmlSigning({ dir, cliPath, token, certName, rounds, megabytes = 10 }) {
  mkdirSync(dir, { recursive: true });
  const cert = token.certificates.find((c) => c.name === certName);
  const input = join(dir, 'hdon-batch.xml');
  const xml = invoiceBatchXml(megabytes);
  writeFileSync(input, xml);
  const template = join(dir, 'hdon-batch.template.xml');
  writeFileSync(template, xmlsecTemplate(xml));
  const env = { SOFTHSM2_CONF: token.softhsm2Conf, KYSO_PKCS11_MODULE: token.module };
  const kysoOut = join(dir, 'kyso-out');
  mkdirSync(kysoOut, { recursive: true });
  const kysoArgs = nodeArgs([...RUNNER, cliPath, 'sign-xml', input, '-o', kysoOut, `--cert=${cert.certificateId}`, '--pin-stdin']);
  const xmlsecArgs = ['--sign', '--privkey-pem', `${cert.keyPem},${cert.certPem}`, '--output', join(dir, 'xmlsec-out.xml'), template];
  const kyso = [];
  const xmlsec = [];
  const kysoRssMb = [];
  for (let r = 0; r < rounds; r++) {
    xmlsec.push((await timeProcess('xmlsec1', xmlsecArgs)).ms);
    const k = await timeProcess(process.execPath, kysoArgs, { env, input: `${token.userPin}\n` });
    kyso.push(k.ms);
    if (k.maxRssMb !== undefined) kysoRssMb.push(k.maxRssMb);
  }
  // Kyso's signature must verify with an independent verifier (and so must xmlsec1's, the reference's own check).
  const chain = join(dir, 'chain.pem');
  writeFileSync(chain, `${readFileSync(token.intermediatePem, 'utf8')}`);
  for (const signed of [join(kysoOut, 'hdon-batch.xml'), join(dir, 'xmlsec-out.xml')]) {
    execFileSync('xmlsec1', ['--verify', '--trusted-pem', token.rootPem, '--untrusted-pem', chain, signed], { stdio: 'pipe' });
  }
  return { kyso, xmlsec, kysoRssMb, bytes: Buffer.byteLength(xml) };
}
