/**
 * The states of one PDF file, revision by revision, as readers resolve them through the cross-reference chain
 * (native-host/formats/pdf/xref/read-revision.ts): the state a signature covers is the prefix of the file that
 * ends where its revision ends [ISO 32000-1 §7.5.6]; the final state is the whole file. Each state is read once.
 */
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { listRevisions, type PdfRevisionView } from '../../formats/pdf/xref/read-revision.js';
import { readPossiblyEncryptedRevision } from '../../formats/pdf/encryption/read-encrypted-revision.js';

/** Every revision is read to find signatures; beyond this many the file is refused rather than read for minutes. */
export const PDF_VERIFY_MAX_REVISIONS = 512;

export interface RevisionMark {
  readonly startxref: number;
  /** Just after the revision's `%%EOF` line. */
  readonly end: number;
}

export class RevisionViews {
  readonly marks: readonly RevisionMark[];
  private readonly views = new Map<number, PdfRevisionView | KysoError>();

  constructor(readonly bytes: Uint8Array) {
    this.marks = listRevisions(bytes);
    if (this.marks.length > PDF_VERIFY_MAX_REVISIONS) {
      throw new KysoError('INVALID_DOCUMENT', { reason: 'too many revisions to verify', limit: PDF_VERIFY_MAX_REVISIONS });
    }
  }

  /** The file as a whole (throws INVALID_DOCUMENT when unreadable: there is no document to report on). */
  final(): PdfRevisionView {
    const view = this.at(this.bytes.length);
    if (view instanceof KysoError) throw view;
    return view;
  }

  /** The state of the file cut at `end` (a revision end), or the error that makes it unreadable. */
  at(end: number): PdfRevisionView | KysoError {
    let view = this.views.get(end);
    if (!view) {
      try {
        // An encrypted file's object streams are read decrypted when it opens without a password.
        view = readPossiblyEncryptedRevision(end === this.bytes.length ? this.bytes : this.bytes.subarray(0, end)).view;
      } catch (error) {
        // Whatever a parser throws on a damaged revision is a damaged revision, reported, not a crash.
        view = error instanceof KysoError ? error : new KysoError('INVALID_DOCUMENT', { reason: 'a revision of the PDF cannot be read' }, { cause: error });
      }
      this.views.set(end, view);
    }
    return view;
  }

  /** Index of the revision ending exactly at `end`, or -1. */
  revisionEndingAt(end: number): number {
    return this.marks.findIndex((m) => m.end === end);
  }

  /** Bytes after the last revision's `%%EOF` line other than white space (not part of any revision). */
  trailingBytes(): number {
    const last = this.marks[this.marks.length - 1]?.end ?? 0;
    let count = 0;
    for (let i = last; i < this.bytes.length; i++) if (![0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20].includes(this.bytes[i]!)) count++;
    return count;
  }
}
