/**
 * Turn untrusted XML bytes into text + DOM, refusing what we cannot sign safely:
 *  - a DOCTYPE (internal or external DTD): entities could change what is signed vs. what is shown, or reach
 *    the network/file system (XXE). Refused, never stripped [OWASP XXE Prevention].
 *  - any encoding but UTF-8: the output must be byte-exact, and Vietnamese text in windows-1258 / UTF-16 would
 *    need transcoding the signer never saw. Refused with UNSUPPORTED_DOCUMENT.
 *  - malformed XML: INVALID_DOCUMENT.
 */
import { DOMParser, type Document } from '@xmldom/xmldom';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { scanElementSpans, type ElementSpan } from './element-spans.js';

export interface XmlInput {
  /** The document text without a BOM, exactly as in the file otherwise (CRLF kept). */
  readonly text: string;
  /** Whether the file began with a UTF-8 byte-order mark (kept in the output). */
  readonly bom: boolean;
  readonly document: Document;
  /** Where each element's tags are in `text`, in document order. */
  readonly spans: readonly ElementSpan[];
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
/** Largest XML document we sign in one go; e-invoices are kilobytes. */
export const XML_MAX_BYTES = 64 * 1024 * 1024;

export function readXmlInput(bytes: Uint8Array): XmlInput {
  const { text, bom } = decodeXmlText(bytes);
  // The scan bounds the nesting depth before the (recursive) parser runs.
  const spans = scanElementSpans(text);
  return { text, bom, document: parseXml(text), spans };
}

/** The refusals of readXmlInput that need no parse (size, encoding, DOCTYPE): bytes → text. */
export function decodeXmlText(bytes: Uint8Array): { text: string; bom: boolean } {
  if (bytes.length > XML_MAX_BYTES) throw new KysoError('PAYLOAD_TOO_LARGE', { maxBytes: XML_MAX_BYTES });
  // UTF-16/32 show up as a BOM or as zero bytes around the first '<' [XML 1.0 App. F].
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe) || bytes[0] === 0x00 || (bytes[0] === 0x3c && bytes[1] === 0x00)) {
    throw new KysoError('UNSUPPORTED_DOCUMENT', { reason: 'XML must be UTF-8; this file is UTF-16 or UTF-32' });
  }
  const bom = UTF8_BOM.every((b, i) => bytes[i] === b);
  // The declaration is ASCII whatever the encoding, so read it before decoding to name the encoding in the error.
  const head = new TextDecoder('latin1').decode(bytes.subarray(bom ? 3 : 0, 256));
  const declared = /^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
  if (declared !== undefined && !/^utf-?8$/i.test(declared)) {
    throw new KysoError('UNSUPPORTED_DOCUMENT', { reason: 'XML must be UTF-8', declaredEncoding: declared });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bom ? bytes.subarray(3) : bytes);
  } catch {
    throw new KysoError('UNSUPPORTED_DOCUMENT', { reason: 'XML must be UTF-8; the file has bytes that are not UTF-8' });
  }
  if (/<!DOCTYPE/i.test(text)) {
    // Checked on the text, before any parser sees it: nothing in a DTD is ever resolved.
    throw new KysoError('INVALID_DOCUMENT', { reason: 'documents with a DOCTYPE (DTD) are refused' });
  }
  return { text, bom };
}

/**
 * XML 1.0 line ends [§2.11]: CRLF and CR become LF, nothing else. xmldom's default also turns NEL, LS and PS into LF
 * (XML 1.1), which libxml2/xmlsec1 do not: a text with U+0085 was canonicalised differently, so our signature failed
 * in xmlsec1 and, in verify, a NEL replaced by a line feed still matched the signed digest. Signer and verifier
 * both parse with this.
 */
export const xml10LineEnds = (source: string): string => source.replace(/\r\n?/g, '\n');

/** Parse text we already vetted (no DOCTYPE); any error or warning of the parser is fatal. */
export function parseXml(text: string): Document {
  let document: Document;
  try {
    document = new DOMParser({
      normalizeLineEndings: xml10LineEnds,
      onError: (level: string, message: string) => {
        throw new KysoError('INVALID_DOCUMENT', { reason: `malformed XML (${level})`, parser: String(message).slice(0, 200) });
      },
    }).parseFromString(text, 'text/xml');
  } catch (error) {
    if (error instanceof KysoError) throw error;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof KysoError) throw cause;
    throw new KysoError('INVALID_DOCUMENT', { reason: 'malformed XML', parser: String((error as Error).message).slice(0, 200) });
  }
  if (!document.documentElement) throw new KysoError('INVALID_DOCUMENT', { reason: 'no root element' });
  if (document.doctype) throw new KysoError('INVALID_DOCUMENT', { reason: 'documents with a DOCTYPE (DTD) are refused' });
  return document;
}
