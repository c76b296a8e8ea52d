/**
 * A stream object whose data stays in the file until someone reads it (issue 14 "PDF streamed"): signing a
 * 1 GB scan never needs the scan's pixels, only the objects around them. pdf-lib reads a raw stream's bytes
 * through its `contents` property; here that property reads them from the file each time (not kept), so decoding
 * an object stream or an xref stream works as with an in-memory stream.
 */
import { PDFRawStream, type PDFDict } from 'pdf-lib';
import type { FileImage } from './file-image.js';

/** A PDFRawStream (pdf-lib's class, whose constructor is private) with its `contents` read from the file on access. */
export function lazyRawStream(dict: PDFDict, image: FileImage, start: number, end: number): PDFRawStream {
  const stream = PDFRawStream.of(dict, new Uint8Array(0));
  Object.defineProperty(stream, 'contents', { get: () => image.read(start, end), enumerable: true, configurable: false });
  Object.defineProperty(stream, 'getContentsSize', { value: () => end - start, enumerable: false });
  return stream;
}
