/**
 * Text from outside (a site's description, a file name, fields read from a document or a certificate) made safe
 * to show a person. Bidirectional controls reorder what is drawn ("invoice‮fdp.exe" reads as "invoiceexe.pdf")
 * [Unicode TR #9 §2, "Trojan Source" CVE-2021-42574]; zero-width and other format characters hide or join
 * letters; C0/C1 controls (newlines, escape) break lines or fake a layout. All of them are removed (format
 * characters, General_Category Cf) or turned into a space (controls, Cc; line and paragraph separators), and
 * runs of spaces collapse, so what is drawn is what the characters say, in their stored order.
 * Pure, no browser or node imports: used by the consent window and usable by any part that shows such text.
 */

/** Format characters: bidi embeddings/overrides/isolates and marks, zero-width space/joiners, BOM, soft hyphen… */
const FORMAT_CHARACTERS = /\p{Cf}/gu;
/** Controls (C0, DEL, C1) and the Unicode line/paragraph separators. */
const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029]/gu;
const SPACE_RUNS = /[\p{Zs}\s]+/gu;

/** One line of text: format characters removed, controls to spaces, spaces collapsed, trimmed. */
export function displayText(text: string): string {
  return text.replace(FORMAT_CHARACTERS, '').replace(CONTROL_CHARACTERS, ' ').replace(SPACE_RUNS, ' ').trim();
}

/**
 * Several lines (an excerpt of a text document): format characters and controls other than the newline removed,
 * CR LF / CR made LF, tabs kept as spaces.
 */
export function displayLines(text: string): string {
  return text
    .replace(FORMAT_CHARACTERS, '')
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .replace(/\t/g, '  ')
    .replace(/[^\P{Cc}\n]/gu, '');
}

/** Whether `text` holds anything displayText would remove or change (a hint that a name was crafted). */
export function hasHiddenCharacters(text: string): boolean {
  return /[\p{Cf}\p{Cc}\u2028\u2029]/u.test(text);
}
