/**
 * Mutations of real PDFs shared by the PDF fuzz targets (pdf-reader.test.ts: the in-memory reader;
 * pdf-file-reader.test.ts: the on-demand reader over a file): byte edits, and the structural edits a hostile
 * writer would make to the xref machinery — xref offsets, startxref, /Prev loops, /Length lies, deep nesting,
 * truncation, made-up /Size /W /Index.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { makeVietnameseDocument, objectStreamsWithQpdf } from '../fixtures/pdf/generate-fixtures.js';
import { mutationsOf } from './fuzz-harness.js';

/** The file plus an incremental update redefining the catalog, with /Prev to the first section. */
export function withIncrementalUpdate(pdf: Uint8Array): Uint8Array {
  const text = Buffer.from(pdf).toString('latin1');
  const prev = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)![1]);
  const root = /\/Root (\d+) 0 R/.exec(text)![1];
  const size = Number(/\/Size (\d+)/.exec(text)![1]);
  const body = text.endsWith('\n') ? text : `${text}\n`;
  const at = body.length;
  const obj = `${size} 0 obj\n<< /Kyso (update) >>\nendobj\n`;
  const xref = at + obj.length;
  const update = `${obj}xref\n0 1\n0000000000 65535 f \n${size} 1\n${String(at).padStart(10, '0')} 00000 n \ntrailer\n<< /Size ${size + 1} /Root ${root} 0 R /Prev ${prev} >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(body + update, 'latin1'));
}


/** Offsets of every match of `pattern` (group 1 when present) in the file's latin1 text. */
function positions(bytes: Uint8Array, pattern: RegExp): Array<{ at: number; text: string }> {
  const text = Buffer.from(bytes).toString('latin1');
  return [...text.matchAll(pattern)].map((m) => {
    const g = m[1] ?? m[0];
    return { at: m.index + m[0].indexOf(g), text: g };
  });
}

function replaceAt(bytes: Uint8Array, at: number, length: number, by: string): Uint8Array {
  const b = Buffer.from(bytes);
  return new Uint8Array(Buffer.concat([b.subarray(0, at), Buffer.from(by, 'latin1'), b.subarray(at + length)]));
}

/** Structural edits a hostile writer would make, aimed at the xref machinery. */
export function structuralMutation(seed: Uint8Array): fc.Arbitrary<Uint8Array> {
  const number = fc.oneof(fc.nat({ max: seed.length + 10 }), fc.constantFrom(0, -1, 2 ** 31, 2 ** 53, 1e300), fc.integer());
  const pick = <T>(list: T[], i: number): T | undefined => list[i % Math.max(1, list.length)];
  return fc.record({ kind: fc.nat({ max: 6 }), i: fc.nat(), n: number, depth: fc.integer({ min: 1, max: 200_000 }) }).map(({ kind, i, n, depth }) => {
    switch (kind) {
      case 0: { // an xref table offset or an xref stream's entry made to point elsewhere
        const p = pick(positions(seed, /^(\d{10}) \d{5} n/gm), i);
        return p ? replaceAt(seed, p.at, 10, String(Math.abs(n) % 1e10).padStart(10, '0')) : seed;
      }
      case 1: { // startxref made to point anywhere
        const p = pick(positions(seed, /startxref\s+(\d+)/g), i);
        return p ? replaceAt(seed, p.at, p.text.length, String(n)) : seed;
      }
      case 2: { // /Prev pointing at itself (a loop), at the first section, or anywhere
        const p = pick(positions(seed, /\/Prev (\d+)/g), i);
        const self = pick(positions(seed, /startxref\s+(\d+)/g), 1_000_000)?.text ?? '0';
        if (p) return replaceAt(seed, p.at, p.text.length, i % 2 === 0 ? self : String(n));
        const t = pick(positions(seed, /trailer\s*<<|\/Type \/XRef/g), i);
        return t ? replaceAt(seed, t.at + t.text.length, 0, ` /Prev ${i % 2 === 0 ? self : n} `) : seed;
      }
      case 3: { // a /Length that lies
        const p = pick(positions(seed, /\/Length (\d+)/g), i);
        return p ? replaceAt(seed, p.at, p.text.length, String(n)) : seed;
      }
      case 4: { // deep nesting where an object starts
        const p = pick(positions(seed, /\d+ 0 obj\s*/g), i);
        const open = i % 2 === 0 ? '['.repeat(depth) : '<< /A '.repeat(Math.min(depth, 50_000));
        return p ? replaceAt(seed, p.at + p.text.length, 0, open) : seed;
      }
      case 5: // truncated
        return seed.subarray(0, Math.abs(n) % (seed.length + 1));
      default: { // /Size and /W and /Index of an xref stream made up
        const p = pick(positions(seed, /\/(?:Size|N|First) (\d+)|\/W \[([^\]]*)\]|\/Index \[([^\]]*)\]/g), i);
        return p ? replaceAt(seed, p.at, p.text.length, i % 3 === 0 ? `${n} ${n} ${n}` : String(n)) : seed;
      }
    }
  });
}

/** Byte edits, one structural edit or two, of one of `seeds`. */
export function pdfCases(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.nat({ max: seeds.length - 1 }).chain((s) => {
    const seed = seeds[s]!;
    return fc.oneof(
      mutationsOf(seed, ['xref', 'trailer', 'startxref', '/Prev', '/Length', '/ObjStm', '/XRef', '/Root', '%%EOF', 'R']),
      structuralMutation(seed),
      structuralMutation(seed).chain((once) => structuralMutation(once)),
    );
  });
}

/**
 * The seed files: pdf-lib output with an xref table and with object streams + an xref stream, qpdf's object-stream
 * rewrite, and a two-revision file with /Prev.
 */
export async function realPdfSeeds(): Promise<Uint8Array[]> {
  const table = await makeVietnameseDocument(1, 'table');
  const stream = await makeVietnameseDocument(1, 'stream');
  const dir = mkdtempSync(join(tmpdir(), 'kyso-fuzz-pdf-'));
  writeFileSync(join(dir, 'in.pdf'), table);
  objectStreamsWithQpdf(join(dir, 'in.pdf'), join(dir, 'qpdf.pdf'));
  return [table, stream, new Uint8Array(readFileSync(join(dir, 'qpdf.pdf'))), withIncrementalUpdate(table)];
}
