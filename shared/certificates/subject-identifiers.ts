/**
 * Identifiers that Vietnamese CAs put in a certificate subject, normalised into typed fields.
 *
 * In practice (VGCA, VNPT-CA, Viettel-CA, BKAV-CA, FPT-CA …) they appear as "PREFIX:value" in the
 * UID attribute (0.9.2342.19200300.100.1.1), sometimes in serialNumber (2.5.4.5), OU or even CN:
 *   MST:0101234567 (tax code, also with a branch suffix -001), MNS: (budget unit code),
 *   CCCD:001099012345 (citizen ID), CMND:/CMT: (old ID card), HC: (passport), BHXH: (social insurance).
 */
import type { SubjectIdentifiers } from '../protocol/common.js';

type IdentifierField = 'mst' | 'cccd' | 'cmnd' | 'passport' | 'bhxh' | 'mns';

/** Prefix as written (upper-cased) → canonical prefix and typed field. */
const PREFIXES: Readonly<Record<string, { canonical: string; field?: IdentifierField }>> = {
  MST: { canonical: 'MST', field: 'mst' },
  MNS: { canonical: 'MNS', field: 'mns' },
  CCCD: { canonical: 'CCCD', field: 'cccd' },
  CMND: { canonical: 'CMND', field: 'cmnd' },
  CMT: { canonical: 'CMND', field: 'cmnd' },
  HC: { canonical: 'HC', field: 'passport' },
  PASSPORT: { canonical: 'HC', field: 'passport' },
  BHXH: { canonical: 'BHXH', field: 'bhxh' },
};

const IDENTIFIER_PATTERN = /\b(MST|MNS|CCCD|CMND|CMT|HC|PASSPORT|BHXH)\s*[:=\-]\s*([A-Za-z0-9][A-Za-z0-9\-]{3,39})/gi;

/** Extract identifiers from attribute values, in the order given. */
export function parseSubjectIdentifiers(values: readonly string[]): SubjectIdentifiers {
  const out: { -readonly [K in keyof SubjectIdentifiers]: SubjectIdentifiers[K] } = { all: [] };
  for (const value of values) {
    for (const match of value.matchAll(IDENTIFIER_PATTERN)) {
      const prefix = PREFIXES[match[1]!.toUpperCase()]!;
      const id = normaliseIdentifierValue(match[2]!);
      const canonical = `${prefix.canonical}:${id}`;
      if (!out.all.includes(canonical)) out.all.push(canonical);
      if (prefix.field && out[prefix.field] === undefined) out[prefix.field] = id;
    }
  }
  return out;
}

function normaliseIdentifierValue(raw: string): string {
  return raw.toUpperCase().replace(/-+$/, '');
}

/**
 * Compare two identifier values the way a person would: case and surrounding blanks do not matter, and a tax
 * code with a branch suffix ("0101234567-001") is NOT the parent's code ("0101234567") — a branch signs for itself.
 */
export function sameIdentifierValue(a: string, b: string): boolean {
  return normaliseIdentifierValue(a.trim()) === normaliseIdentifierValue(b.trim());
}

/**
 * Normalise an identifier a portal names ("mst: 0101234567", "CMT:123…") to "PREFIX:VALUE",
 * or undefined when it is not one we know.
 */
export function normaliseIdentifier(text: string): string | undefined {
  const parsed = parseSubjectIdentifiers([text]);
  return parsed.all.length === 1 ? parsed.all[0] : undefined;
}
