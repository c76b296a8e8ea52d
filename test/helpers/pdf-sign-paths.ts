/**
 * Signing a PDF the way users do. `kyso sign-pdf` and the browser's host.signDocuments run signPdfFile (file to
 * file: the input copied and scanned once, then read on demand through FileImage, native-host/formats/pdf/
 * sign-pdf.ts), not the in-memory signPdf. Tests of what a signed file looks like sign through signPdfFile, then
 * sign the same input in memory with the same signing time and require the SAME file: one set of
 * checks (pdfsig, qpdf, pixels, verify) then holds for both paths, and a divergence between them fails the test.
 *
 * "The same file" allows two differences that are random by design: the font subset tag (six letters,
 * appearance/build-appearance.ts tagSubsetFontName) and therefore the CMS in /Contents (it signs the tag too).
 * Encrypted inputs cannot be compared this way (AES strings and streams carry a random IV): only their length
 * and /ByteRange are; check the in-memory file with a verifier too (signPdfOnBothPaths).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { signPdf, signPdfFile, type SignPdfOptions } from '../../native-host/formats/pdf/sign-pdf.js';
import type { Signer } from '../../native-host/token/signer.js';

let counter = 0;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Write `input` under `dir` and sign it with signPdfFile; returns the signed file's bytes. */
export async function signPdfThroughFile(dir: string, input: Uint8Array, signer: Signer, options: SignPdfOptions): Promise<Uint8Array> {
  const inputPath = join(dir, `as-users-do-${process.pid}-${++counter}.pdf`);
  const outputPath = inputPath.replace(/\.pdf$/, '-signed.pdf');
  await writeFile(inputPath, input);
  const result = await signPdfFile(inputPath, outputPath, signer, options);
  const signed = new Uint8Array(await readFile(outputPath));
  // The hashes the signing history records come from the one copying pass: they must be the files' real hashes.
  expect(result.inputSha256, 'signPdfFile: SHA-256 of the input as signed').toBe(sha256(input));
  expect(result.outputSha256, 'signPdfFile: SHA-256 of the signed file').toBe(sha256(signed));
  expect(Buffer.compare(await readFile(inputPath), input), 'the input file is unchanged').toBe(0);
  return signed;
}

/** Sign as users do (signPdfFile) and require that signPdf writes the same file; returns signPdfFile's. */
export async function signPdfAsUsersDo(dir: string, input: Uint8Array, signer: Signer, options: SignPdfOptions): Promise<Uint8Array> {
  return (await signPdfOnBothPaths(dir, input, signer, options)).file;
}

/**
 * Both signed files: the same file (see above), or for an encrypted input (its /Encrypt is found) the same length
 * and /ByteRange. For a caller that also checks the in-memory one.
 */
export async function signPdfOnBothPaths(dir: string, input: Uint8Array, signer: Signer, options: SignPdfOptions): Promise<{ file: Uint8Array; memory: Uint8Array }> {
  const fixed = { ...options, signingTime: options.signingTime ?? new Date() };
  const file = await signPdfThroughFile(dir, input, signer, fixed);
  const memory = await signPdf(input, signer, fixed);
  if (isEncrypted(input)) {
    expect(file.length, 'signPdfFile and signPdf: the same length').toBe(memory.length);
    expect(byteRanges(file), 'signPdfFile and signPdf: the same /ByteRange').toEqual(byteRanges(memory));
  } else {
    expect(sameSignedFile(file, memory), 'signPdfFile and signPdf write the same file (apart from the subset tag and the CMS)').toBe(true);
  }
  return { file, memory };
}

/** Equal apart from font subset tags and the hex in /Contents (same lengths: the tags and the CMS are in place). */
export function sameSignedFile(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  const normal = (bytes: Uint8Array) => latin1(bytes)
    .replace(/\/[A-Z]{6}\+/g, '/AAAAAA+')
    .replace(/\/Contents\s*<[0-9a-fA-F]*>/g, (m) => '0'.repeat(m.length));
  return normal(a) === normal(b);
}

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
const isEncrypted = (bytes: Uint8Array) => /\/Encrypt[\s/<\d]/.test(latin1(bytes));
const byteRanges = (bytes: Uint8Array) => [...latin1(bytes).matchAll(/\/ByteRange\s*\[([\d\s]+)\]/g)].map((m) => m[1]!.trim().split(/\s+/).map(Number));

/**
 * Both paths refuse `input` with what `expected` describes, and signPdfFile leaves nothing behind (no output, no
 * temp file) in its folder.
 */
export async function expectRefusedOnBothPaths(dir: string, input: Uint8Array, signer: Signer, options: SignPdfOptions, expected: Record<string, unknown>, label?: string): Promise<void> {
  await expect(signPdf(input, signer, options), label).rejects.toMatchObject(expected);
  const inputPath = join(dir, `refused-${process.pid}-${++counter}.pdf`);
  const outputPath = inputPath.replace(/\.pdf$/, '-signed.pdf');
  await writeFile(inputPath, input);
  const before = (await readdir(dir)).sort();
  await expect(signPdfFile(inputPath, outputPath, signer, options), label).rejects.toMatchObject(expected);
  expect(existsSync(outputPath), 'no output after a refusal').toBe(false);
  expect((await readdir(dir)).sort(), 'no temp file left behind').toEqual(before);
}
