/**
 * Bounds on what the cross-reference resolver accepts. The object-number limit is the PDF one
 * [ISO 32000-1 Annex C.2 Table C.1: "Indirect objects in a PDF file: 8,388,607"]; the others keep a hostile file
 * from making the resolver loop, recurse or allocate without end.
 */

/** Largest object number a PDF may use [ISO 32000-1 Annex C Table C.1]. A trailer /Size may be one more. */
export const PDF_MAX_OBJECT_NUMBER = 8_388_607;
/** Largest generation number [ISO 32000-1 §7.5.4: "the maximum generation number is 65,535"]. */
export const PDF_MAX_GENERATION = 65_535;
/** Cross-reference sections followed along /Prev (a file signed this many times is not a real document). */
export const MAX_XREF_SECTIONS = 10_000;
/** Decoded size of one cross-reference stream or object stream (zip-bomb guard). */
export const MAX_DECODED_STREAM_BYTES = 256 * 1024 * 1024;
/** Objects one object stream may declare (/N). */
export const MAX_OBJECT_STREAM_MEMBERS = 1_000_000;
/** Revisions (`startxref … %%EOF`) listed in one file. */
export const MAX_REVISIONS = 10_000;
/** Object headers (`N G obj`) the reconstruction scan records before refusing the file. */
export const MAX_SCANNED_OBJECT_HEADERS = PDF_MAX_OBJECT_NUMBER;
