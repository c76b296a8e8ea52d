/**
 * The stamp written from bytes prepared once per batch (native-host/formats/pdf/appearance/prepared-stamp.ts) must be
 * exactly the stamp pdf-lib draws for that document (drawStamp, the object path encrypted files still take), and
 * must carry nothing of the document it was prepared from: not its signing time, not its object numbers, not its
 * subset tag. The documents differ in their signing time (the stamp's time line) and in their object numbers (a
 * three-page and a one-page file have different /Size), as a batch's do.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument, degrees } from 'pdf-lib';
import { readPdfStructure } from '../../native-host/formats/pdf/read-pdf-structure.js';
import { buildAppearance, type AppearanceInput } from '../../native-host/formats/pdf/appearance/build-appearance.js';
import { PreparedPdfObject, serializePdfObject } from '../../native-host/formats/pdf/write-incremental-update.js';
import { formatVietnameseTime } from '../../native-host/formats/pdf/appearance/signing-time-text.js';
import { DEJAVU, makeSealPng, makeSignaturePng, makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';

let threePages: Uint8Array;
let onePage: Uint8Array;
let rotated: Uint8Array;
let font: Uint8Array;

beforeAll(async () => {
  threePages = await makeVietnameseDocument(3);
  onePage = await makeVietnameseDocument(1);
  const doc = await PDFDocument.load(onePage);
  doc.getPage(0).setRotation(degrees(90));
  rotated = await doc.save({ useObjectStreams: false });
  font = new Uint8Array(readFileSync(DEJAVU));
});

const T0 = Date.UTC(2026, 11, 3, 3, 4, 5);
const linesAt = (seconds: number) => ['Ký bởi: Nguyễn Văn Ánh', 'Cơ quan: UBND xã Hòa Bình', `Thời gian ký: ${formatVietnameseTime(new Date(T0 + seconds * 1000), 420)}`];

interface Stamp {
  /** The stamp's new objects as written (`N 0 obj` bodies, in number order). */
  readonly text: string;
  readonly prepared: boolean;
  readonly firstNumber: number;
}

/** Build the stamp into a freshly read `input` and serialise the objects it added. */
async function stampOf(input: Uint8Array, appearance: Omit<AppearanceInput, 'fontBytes'> & { fontBytes?: Uint8Array }, asObjects = false): Promise<Stamp> {
  const { doc } = await readPdfStructure(input);
  const base = doc.context.largestObjectNumber;
  await buildAppearance(doc, { fontBytes: font, ...appearance }, { asObjects });
  const added = doc.context.enumerateIndirectObjects().filter(([ref]) => ref.objectNumber > base);
  return {
    text: added.map(([ref, object]) => `${ref.objectNumber} ${ref.generationNumber} obj\n${Buffer.from(serializePdfObject(object)).toString('latin1')}`).join('\nendobj\n'),
    prepared: added.every(([, object]) => object instanceof PreparedPdfObject),
    firstNumber: added[0]![0].objectNumber,
  };
}

const tags = (text: string) => [...text.matchAll(/\/([A-Z]{6})\+/g)].map((m) => m[1]);
const withoutTag = (text: string) => text.replace(/\/[A-Z]{6}\+/g, '/AAAAAA+');

describe('a stamp from prepared bytes', () => {
  it('is byte for byte the stamp pdf-lib draws for each document of a batch (but for the random subset tag)', async () => {
    const seal = makeSealPng(120);
    const signature = makeSignaturePng(200, 80);
    const kinds: Array<Omit<AppearanceInput, 'fontBytes' | 'lines'>> = [
      { rect: { x: 340, y: 60, width: 220, height: 70 } },
      { rect: { x: 300, y: 400, width: 120, height: 60 }, textColor: 'black' }, // wrapped lines, a smaller size
      { rect: { x: 60, y: 300, width: 230, height: 90 }, sealImage: seal, signatureImage: signature },
    ];
    let seconds = 0;
    for (const kind of kinds) {
      for (const input of [threePages, onePage, rotated, threePages]) {
        seconds += 1237; // a different time line for every document
        const appearance = { ...kind, lines: linesAt(seconds), pageRotation: input === rotated ? 90 : 0 };
        const prepared = await stampOf(input, appearance);
        const drawn = await stampOf(input, appearance, true);
        expect(prepared.prepared, 'written from prepared bytes').toBe(true);
        expect(drawn.prepared).toBe(false);
        expect(withoutTag(prepared.text)).toBe(withoutTag(drawn.text));
        expect(new Set(tags(prepared.text)).size, 'one tag, in the Type0 font, its CIDFont and the descriptor').toBe(1);
        expect(tags(prepared.text)).toHaveLength(3);
      }
    }
  });

  it('images are matched by content: a request that brings the same seal again (a new byte array, as the host decodes it) gets the same stamp, and another seal its own', async () => {
    const box = { rect: { x: 60, y: 300, width: 230, height: 90 } };
    const seal = makeSealPng(140);
    const first = await stampOf(onePage, { ...box, lines: linesAt(5), sealImage: new Uint8Array(seal) });
    const again = await stampOf(onePage, { ...box, lines: linesAt(5), sealImage: new Uint8Array(seal) });
    const drawn = await stampOf(onePage, { ...box, lines: linesAt(5), sealImage: new Uint8Array(seal) }, true);
    expect(again.prepared).toBe(true);
    expect(withoutTag(again.text)).toBe(withoutTag(first.text));
    expect(withoutTag(again.text)).toBe(withoutTag(drawn.text));
    // A different image of the same size as the seal: its own image data, never the first seal's.
    const other = makeSignaturePng(140, 140);
    const otherStamp = await stampOf(onePage, { ...box, lines: linesAt(5), sealImage: other });
    const otherDrawn = await stampOf(onePage, { ...box, lines: linesAt(5), sealImage: other }, true);
    expect(withoutTag(otherStamp.text)).toBe(withoutTag(otherDrawn.text));
    expect(withoutTag(otherStamp.text)).not.toBe(withoutTag(first.text));
  });

  it("carries nothing of the document it was prepared from: the next one's time, numbers and tag are its own", async () => {
    const box = { rect: { x: 340, y: 60, width: 220, height: 70 } };
    // A batch: the first document (three pages: higher object numbers) makes the template, the second uses it.
    const first = await stampOf(threePages, { ...box, lines: linesAt(0) });
    const second = await stampOf(onePage, { ...box, lines: linesAt(61) });
    // The second document signed alone: a copy of the font bytes is a font no template knows, so prepared from it.
    const alone = await stampOf(onePage, { ...box, lines: linesAt(61), fontBytes: new Uint8Array(font) });
    expect(first.firstNumber).not.toBe(second.firstNumber);
    expect(withoutTag(second.text)).toBe(withoutTag(alone.text));
    // And as pdf-lib draws it for that document, with no template at all.
    const drawn = await stampOf(onePage, { ...box, lines: linesAt(61) }, true);
    expect(withoutTag(second.text)).toBe(withoutTag(drawn.text));
    expect(tags(second.text)[0]).not.toBe(tags(first.text)[0]);
    // And the first one's template was not changed by the second: the first document again is as before.
    const again = await stampOf(threePages, { ...box, lines: linesAt(0) });
    expect(withoutTag(again.text)).toBe(withoutTag(first.text));
  });
});
