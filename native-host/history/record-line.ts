/**
 * One history record ⇄ one line of text, and the hash that chains it to the one before.
 *
 * The hash covers the exact bytes written, so no canonical JSON is needed: the writer serialises the record
 * (with `seq` and `prev`) as `BODY` = `{…}`, computes `hash = SHA-256(BODY)` (hex) and writes
 * `{…,"hash":"<hex>"}` + "\n" — BODY with its closing brace replaced by the hash field. A reader strips the
 * hash field, puts the brace back and recomputes. Any edited byte of a line changes its hash; a removed,
 * inserted or reordered line breaks the `prev` link (and the `seq` count) of the line after it.
 */
import { hash } from 'node:crypto';
import * as v from 'valibot';
import { SigningRecordSchema, type SigningRecord, type SigningRecordBody } from '../../shared/protocol/signing-history.js';

export const GENESIS_HASH = '0'.repeat(64);
const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;

/**
 * SHA-256 in hex, with the one-shot `crypto.hash` (Node ≥ 20.12; package.json asks ≥ 20.19): a record of a
 * 1,000-digest batch hashes every digest, and a Hash object per call cost ~0.8 µs against ~0.25 µs.
 */
export function sha256Hex(text: string | Uint8Array): string {
  return hash('sha256', text, 'hex');
}

/** The line (without "\n") for `body` as record number `seq` after the record whose hash is `prev`. */
export function encodeRecordLine(body: SigningRecordBody, seq: number, prev: string): { line: string; hash: string } {
  const text = JSON.stringify({ ...body, seq, prev });
  const hash = sha256Hex(text);
  return { line: `${text.slice(0, -1)},"hash":"${hash}"}`, hash };
}

export type DecodedLine =
  | { readonly ok: true; readonly record: SigningRecord; readonly hashMatches: boolean }
  | { readonly ok: false; readonly problem: string };

/** Parse a line; `hashMatches` says whether its text still hashes to the hash it carries. */
export function decodeRecordLine(line: string): DecodedLine {
  const match = HASH_SUFFIX.exec(line);
  if (!match) return { ok: false, problem: 'not a history record (no hash at the end of the line)' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, problem: 'not valid JSON' };
  }
  const checked = v.safeParse(SigningRecordSchema, parsed);
  if (!checked.success) return { ok: false, problem: `not a valid record (${checked.issues[0]?.path?.map((p) => String((p as { key?: unknown }).key)).join('.') ?? 'shape'})` };
  const body = `${line.slice(0, match.index)}}`;
  return { ok: true, record: checked.output, hashMatches: sha256Hex(body) === match[1] };
}
