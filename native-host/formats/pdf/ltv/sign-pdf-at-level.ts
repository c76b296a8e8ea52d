/**
 * Sign a PDF at a PAdES level: B-B / B-T are signPdfFile itself (B-T when it has a time-stamp hook); B-LT and
 * B-LTA add their incremental updates to the signed file before it is handed over (add-long-term-data.ts). When a
 * later step fails, nothing is left at `outputPath`: a file that claims less than was asked is never delivered.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../../../documents/atomic-write.js';
import type { Signer } from '../../../token/signer.js';
import { signPdfFile, type SignPdfOptions, type SignPdfResult } from '../sign-pdf.js';
import type { LongTermOptions } from './add-long-term-data.js';

export async function signPdfFileAtLevel(inputPath: string, outputPath: string, signer: Signer, options: SignPdfOptions, longTerm?: LongTermOptions): Promise<SignPdfResult> {
  const result = await signPdfFile(inputPath, outputPath, signer, options);
  if (!longTerm) return result;
  try {
    // Imported on use: B-B and B-T (and a large file's invisible signature) do not load the validation-data code.
    const { addLongTermData } = await import('./add-long-term-data.js');
    const mode = (await stat(outputPath)).mode & 0o777;
    const extended = await addLongTermData(new Uint8Array(await readFile(outputPath)), longTerm);
    await writeFileAtomic(outputPath, extended, mode);
    return { ...result, outputSha256: createHash('sha256').update(extended).digest('hex') };
  } catch (error) {
    await rm(outputPath, { force: true });
    throw error;
  }
}
