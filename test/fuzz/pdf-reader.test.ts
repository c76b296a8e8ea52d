/**
 * Fuzz: the PDF reader (native-host/formats/pdf/xref/read-revision.ts, read-pdf-structure.ts) on mutations of
 * real PDFs — pdf-lib output with an xref table and with object streams + an xref stream, qpdf's object-stream
 * rewrite, and a two-revision file with /Prev. Mutations: byte flips and random edits, xref offset edits,
 * /Prev pointing at itself or elsewhere, /Length lies, deep nesting `[[[[…`, truncation. Property: the reader
 * returns, or throws a KysoError INVALID_DOCUMENT / DOCUMENT_AMBIGUOUS / UNSUPPORTED_DOCUMENT /
 * PAYLOAD_TOO_LARGE; each case within 2 s.
 */
import { beforeAll, describe, it } from 'vitest';
import { readPdfStructure } from '../../native-host/formats/pdf/read-pdf-structure.js';
import { readRevision } from '../../native-host/formats/pdf/xref/read-revision.js';
import { expectTypedRejection, fuzz } from './fuzz-harness.js';
import { pdfCases as casesOf, realPdfSeeds } from './pdf-mutations.js';

const CODES = ['INVALID_DOCUMENT', 'DOCUMENT_AMBIGUOUS', 'UNSUPPORTED_DOCUMENT', 'PAYLOAD_TOO_LARGE'];
const seeds: Uint8Array[] = [];
const pdfCases = () => casesOf(seeds);

beforeAll(async () => {
  seeds.push(...await realPdfSeeds());
});

describe('fuzz: PDF reader', () => {
  it('readRevision on mutated real PDFs: returns or a typed KysoError, each case within 2 s', async () => {
    await fuzz('pdf-read-revision', pdfCases(), (bytes) => expectTypedRejection(() => readRevision(bytes), CODES));
  });

  it('readPdfStructure on mutated real PDFs: returns or a typed KysoError, each case within 2 s', async () => {
    await fuzz('pdf-read-structure', pdfCases(), (bytes) => expectTypedRejection(() => readPdfStructure(bytes), CODES));
  });
});
