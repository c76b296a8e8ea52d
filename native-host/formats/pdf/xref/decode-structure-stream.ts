/**
 * Decode the data of a cross-reference stream or an object stream [ISO 32000-1 §7.5.7, §7.5.8]: no filter or
 * /FlateDecode, with the PNG and TIFF predictors of /DecodeParms [§7.4.4.4 Table 8]. Output size is bounded (a
 * few bytes of deflate can claim gigabytes). Other filters on these two structural streams are refused: writers
 * use Flate here, and a decoder we do not control is the wrong place to be generous.
 */
import { inflateSync } from 'node:zlib';
import { PDFArray, PDFDict, PDFName, PDFNumber, type PDFRawStream } from 'pdf-lib';
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import { MAX_DECODED_STREAM_BYTES } from './pdf-limits.js';

export function decodeStructureStream(stream: PDFRawStream, what: string): Uint8Array {
  const filter = stream.dict.get(PDFName.of('Filter'));
  const filters = filter instanceof PDFArray ? filter.asArray() : filter === undefined ? [] : [filter];
  const parmsEntry = stream.dict.get(PDFName.of('DecodeParms'));
  const parms = parmsEntry instanceof PDFArray ? parmsEntry.asArray()[0] : parmsEntry;
  if (filters.length === 0) return stream.contents;
  if (filters.length > 1 || filters[0] !== PDFName.of('FlateDecode')) {
    throw new KysoError('UNSUPPORTED_DOCUMENT', { reason: `the ${what} uses a filter other than FlateDecode` });
  }
  let inflated: Buffer;
  try {
    inflated = inflateSync(stream.contents, { maxOutputLength: MAX_DECODED_STREAM_BYTES, finishFlush: 2 /* Z_SYNC_FLUSH: tolerate a missing end, as readers do */ });
  } catch (cause) {
    throw new KysoError('INVALID_DOCUMENT', { reason: `the ${what} cannot be decompressed (or is larger than ${MAX_DECODED_STREAM_BYTES} bytes)` }, { cause });
  }
  return unpredict(new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength), parms instanceof PDFDict ? parms : undefined, what);
}

function intParam(parms: PDFDict, key: string, fallback: number): number {
  const value = parms.get(PDFName.of(key));
  return value instanceof PDFNumber ? value.asNumber() : fallback;
}

/** Undo a predictor [§7.4.4.4]: 2 = TIFF, 10–15 = PNG (each row starts with its own filter-type byte). */
function unpredict(data: Uint8Array, parms: PDFDict | undefined, what: string): Uint8Array {
  if (!parms) return data;
  const predictor = intParam(parms, 'Predictor', 1);
  if (predictor === 1) return data;
  const colors = intParam(parms, 'Colors', 1);
  const bits = intParam(parms, 'BitsPerComponent', 8);
  const columns = intParam(parms, 'Columns', 1);
  if (![colors, bits, columns].every((v) => Number.isSafeInteger(v) && v > 0) || colors > 32 || ![1, 2, 4, 8, 16].includes(bits) || columns > 1 << 24) {
    throw new KysoError('INVALID_DOCUMENT', { reason: `bad predictor parameters in the ${what}` });
  }
  const pixelBytes = Math.max(1, Math.ceil((colors * bits) / 8));
  const rowBytes = Math.ceil((colors * bits * columns) / 8);
  if (predictor === 2) {
    if (bits !== 8) throw new KysoError('UNSUPPORTED_DOCUMENT', { reason: `TIFF predictor with ${bits}-bit components in the ${what}` });
    const out = new Uint8Array(data);
    for (let row = 0; row + rowBytes <= out.length; row += rowBytes) {
      for (let i = pixelBytes; i < rowBytes; i++) out[row + i] = (out[row + i]! + out[row + i - pixelBytes]!) & 0xff;
    }
    return out;
  }
  if (predictor < 10 || predictor > 15) throw new KysoError('INVALID_DOCUMENT', { reason: `unknown predictor ${predictor} in the ${what}` });
  const rows = Math.floor(data.length / (rowBytes + 1));
  const out = new Uint8Array(rows * rowBytes);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowBytes + 1)]!;
    const src = r * (rowBytes + 1) + 1;
    const dst = r * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const raw = data[src + i]!;
      const left = i >= pixelBytes ? out[dst + i - pixelBytes]! : 0;
      const up = r > 0 ? out[dst - rowBytes + i]! : 0;
      const upLeft = r > 0 && i >= pixelBytes ? out[dst - rowBytes + i - pixelBytes]! : 0;
      let value: number;
      switch (type) {
        case 0: value = raw; break;
        case 1: value = raw + left; break;
        case 2: value = raw + up; break;
        case 3: value = raw + ((left + up) >> 1); break;
        case 4: value = raw + paeth(left, up, upLeft); break;
        default: throw new KysoError('INVALID_DOCUMENT', { reason: `bad PNG row filter ${type} in the ${what}` });
      }
      out[dst + i] = value & 0xff;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
