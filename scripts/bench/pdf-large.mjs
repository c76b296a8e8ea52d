/**
 * One large PDF (default 100 MB: a page that references a 100 MiB uncompressed image), signed three ways and
 * copied once, each a fresh process timed spawn → exit with its own peak RSS, alternated run by run:
 *   kyso       `kyso sign-pdf big.pdf -o out.pdf --invisible` on the SoftHSM2 token (PAdES B-B);
 *   reference  `node` reading the file as a stream into SHA-256 — the reference the issue sets (Node start + hash);
 *   floor      `node` doing what any signer must do that never alters its input in place, and nothing else: read
 *              the file once, SHA-256 it and write it into a temp file beside the output on the way (1 MiB windows,
 *              synchronous calls), fdatasync the copy, rename it, fsync the folder. No token, no PDF code: the
 *              least a durable signed copy costs on this machine, to read Kyso's figure against;
 *   signpdf    @signpdf/signpdf with @signpdf/placeholder-plain and @signpdf/signer-p12, the same key and
 *              certificate as a PKCS#12 file made with openssl from the demo token's key (dev dependencies).
 * Invisible for both signers: @signpdf draws no stamp, so both do the same work. Kyso's output is checked with
 * pdfsig once (not timed), and @signpdf's too: a fast broken file would not count.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { nodeArgs, timeProcess } from './spawn-timed.mjs';

const require = createRequire(import.meta.url);
const RUNNER = ['--input-type=module', '-e', 'const { main } = await import(process.argv[1]); process.exitCode = await main(process.argv.slice(2));'];
const HASH_FILE = "const h=require('node:crypto').createHash('sha256');require('node:fs').createReadStream(process.argv[1],{highWaterMark:1<<20}).on('data',(c)=>h.update(c)).on('end',()=>process.stdout.write(h.digest('hex')))";
/**
 * The floor (see above): `node -e COPY_FILE input output`. One pass, as Kyso's copy makes it (copy-input.ts), but
 * without overlapping reads and writes: measured alternated by hand, the synchronous loop was as fast as a
 * two-buffer asynchronous one and as `copyFileSync` + a hash of the copy (0.20–0.24 s each, load 3–5).
 */
const COPY_FILE = [
  "const fs=require('node:fs'),{dirname}=require('node:path'),[src,dst]=process.argv.slice(1),h=require('node:crypto').createHash('sha256');",
  'const tmp=`${dst}.${process.pid}.tmp`,i=fs.openSync(src,"r"),o=fs.openSync(tmp,"w"),b=Buffer.allocUnsafe(1<<20);',
  'for(let p=0,n;(n=fs.readSync(i,b,0,b.length,p))>0;p+=n){const c=b.subarray(0,n);h.update(c);for(let w=0;w<n;)w+=fs.writeSync(o,c,w,n-w,p+w);}',
  'fs.fdatasyncSync(o);fs.closeSync(o);fs.closeSync(i);fs.renameSync(tmp,dst);',
  'const d=fs.openSync(dirname(dst),"r");fs.fsyncSync(d);fs.closeSync(d);process.stdout.write(h.digest("hex"));',
].join('');

/**
 * A PDF of about `megabytes` MB, written without holding it in memory: pdf-lib writes a one-page document whose
 * page draws a tiny image; the image's stream is a placeholder replaced while copying by `megabytes` MiB of noise
 * (an 8-bit grey image of that many bytes), and the xref offsets after it are shifted by the difference.
 */
export async function writeLargePdf(path, megabytes) {
  const { PDFDocument, PDFName, PDFNumber } = require('pdf-lib');
  const side = Math.floor(Math.sqrt(megabytes * 1024 * 1024));
  const imageBytes = side * side;
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const MARK = Buffer.from('KYSO-BENCH-IMAGE-PLACEHOLDER');
  const image = doc.context.stream(MARK, { Type: 'XObject', Subtype: 'Image', Width: side, Height: side, ColorSpace: 'DeviceGray', BitsPerComponent: 8 });
  const imageRef = doc.context.register(image);
  page.node.setXObject(PDFName.of('Noise'), imageRef);
  page.pushOperators(require('pdf-lib').drawObject('Noise')); // a 1-point square: rendering stays cheap
  const small = Buffer.from(await doc.save({ useObjectStreams: false }));
  // Replace the placeholder stream and its /Length; shift every xref offset that follows.
  const at = small.indexOf(MARK);
  const lengthText = `/Length ${MARK.length}`;
  const lengthAt = small.lastIndexOf(lengthText, at);
  if (at < 0 || lengthAt < 0) throw new Error('large PDF: placeholder not found');
  const newLength = `/Length ${imageBytes}`;
  const grow = imageBytes - MARK.length + (newLength.length - lengthText.length);
  const head = Buffer.concat([small.subarray(0, lengthAt), Buffer.from(newLength), small.subarray(lengthAt + lengthText.length, at)]);
  let tail = small.subarray(at + MARK.length).toString('latin1');
  tail = tail.replace(/^(\d{10}) (\d{5}) n/gm, (line, offset, gen) => (Number(offset) > at ? `${String(Number(offset) + grow).padStart(10, '0')} ${gen} n` : line));
  tail = tail.replace(/startxref\s+(\d+)/, (_m, offset) => `startxref\n${Number(offset) + grow}`);
  const out = createWriteStream(path);
  out.write(head);
  const chunk = randomBytes(1024 * 1024);
  for (let written = 0; written < imageBytes; written += chunk.length) {
    if (!out.write(chunk.subarray(0, Math.min(chunk.length, imageBytes - written)))) await once(out, 'drain');
  }
  out.end(Buffer.from(tail, 'latin1'));
  await once(out, 'finish');
  return imageBytes + head.length + tail.length;
}

/** The signing key and certificate (and chain) as a PKCS#12 file node-forge reads (3DES, SHA-1 MAC, no password). */
function p12For(dir, cert, intermediatePem) {
  const path = join(dir, 'signer.p12');
  execFileSync('openssl', ['pkcs12', '-export', '-inkey', cert.keyPem, '-in', cert.certPem, '-certfile', intermediatePem,
    '-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1', '-passout', 'pass:', '-out', path], { stdio: 'pipe' });
  return path;
}

const SIGNPDF_SCRIPT = `
const { readFileSync, writeFileSync } = require('node:fs');
const { plainAddPlaceholder } = require('@signpdf/placeholder-plain');
const { P12Signer } = require('@signpdf/signer-p12');
const signpdf = require('@signpdf/signpdf').default;
(async () => {
  const [input, p12, output] = process.argv.slice(2);
  const withPlaceholder = plainAddPlaceholder({ pdfBuffer: readFileSync(input), reason: 'Kyso bench', contactInfo: '', name: 'Kyso bench', location: 'VN' });
  const signed = await signpdf.sign(withPlaceholder, new P12Signer(readFileSync(p12)));
  writeFileSync(output, signed);
})().catch((e) => { console.error(e); process.exit(1); });`;

/**
 * @returns {Promise<{ kyso: {ms:number,maxRssMb?:number}[], reference: {ms:number,maxRssMb?:number}[], floor: {ms:number,maxRssMb?:number}[], signpdf: {ms:number,maxRssMb?:number}[], bytes: number }>}
 */
export async function timeLargePdf({ dir, cliPath, root, token, certName, rounds, megabytes = 100 }) {
  mkdirSync(dir, { recursive: true });
  const cert = token.certificates.find((c) => c.name === certName);
  const input = join(dir, 'big.pdf');
  const bytes = await writeLargePdf(input, megabytes);
  const p12 = p12For(dir, cert, token.intermediatePem);
  const scriptPath = join(dir, 'signpdf-bench.cjs');
  writeFileSync(scriptPath, SIGNPDF_SCRIPT);
  const env = { SOFTHSM2_CONF: token.softhsm2Conf, KYSO_PKCS11_MODULE: token.module, NODE_PATH: join(root, 'node_modules') };
  const kysoOut = join(dir, 'kyso-signed.pdf');
  const signpdfOut = join(dir, 'signpdf-signed.pdf');
  const kysoArgs = nodeArgs([...RUNNER, `${cliPath}`, 'sign-pdf', input, '-o', kysoOut, `--cert=${cert.certificateId}`, '--pin-stdin', '--invisible']);
  const floorOut = join(dir, 'floor-copy.pdf');
  const series = { kyso: [], reference: [], floor: [], signpdf: [] };
  // Warm the file cache once for all four.
  await timeProcess(process.execPath, ['-e', HASH_FILE, input]);
  const floor = async () => series.floor.push(await timeProcess(process.execPath, nodeArgs(['-e', COPY_FILE, input, floorOut])));
  const kyso = async () => series.kyso.push(await timeProcess(process.execPath, kysoArgs, { env, input: `${token.userPin}\n` }));
  for (let r = 0; r < rounds; r++) {
    series.reference.push(await timeProcess(process.execPath, nodeArgs(['-e', HASH_FILE, input])));
    // The floor and Kyso take turns going first: on this VM the first process to write 100 MB of new page cache
    // after @signpdf freed its ~700 MB paid 0.3–0.5 s more system time (the guest's freed memory is handed back
    // to the host and faulted in again), which a fixed order charged to one of them every round. With an odd
    // number of rounds each is first after @signpdf equally often (the first round follows no @signpdf).
    for (const step of r % 2 === 0 ? [floor, kyso] : [kyso, floor]) await step();
    series.signpdf.push(await timeProcess(process.execPath, nodeArgs([scriptPath, input, p12, signpdfOut]), { env }));
  }
  for (const signed of [kysoOut, signpdfOut]) {
    const report = execFileSync('pdfsig', ['-nocert', signed], { encoding: 'utf8' });
    if (!/Signature is Valid/.test(report)) throw new Error(`pdfsig does not find a valid signature in ${signed}:\n${report}`);
  }
  // The floor's copy must be the input, byte for byte: a fast copy of the wrong bytes would not count.
  if (!readFileSync(floorOut).equals(readFileSync(input))) throw new Error('the floor process did not copy the input exactly');
  return { ...series, bytes };
}
