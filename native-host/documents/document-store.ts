/**
 * Documents the host holds for the browser: uploads arriving in chunks and signed results waiting to be read.
 * Each lives in ONE file inside a private temp dir (0700, files 0600; see private-temp-dir.ts for where and the
 * symlink rules) — never whole in memory — and is deleted when discarded, read to the end (results), used by a
 * signing request (inputs), idle too long (swept on a timer), or when the host exits. Handles are random
 * (unguessable) and belong to this host process, i.e. one browser profile's extension.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { KysoError } from '../../shared/errors/kyso-error.js';
import {
  DOCUMENT_CHUNK_BYTES, DOCUMENT_IDLE_TTL_MS, DOCUMENT_SWEEP_INTERVAL_MS, DOCUMENT_MAX_BYTES, DOCUMENT_READ_CHUNK_BYTES, DOCUMENTS_OPEN_MAX, DOCUMENTS_TOTAL_MAX_BYTES,
} from '../../shared/limits.js';
import type { DocumentKind } from '../../shared/protocol/document-schemas.js';
import { assertPrivateDirectory, documentsBaseDirectory, ensurePrivateUserDirectory, PROCESS_DIR_PREFIX, removeOrphanDirectories } from './private-temp-dir.js';
import { writeAll } from './write-all.js';


interface Upload {
  readonly kind: DocumentKind;
  readonly path: string;
  readonly size: number;
  readonly expectedSha256: string | undefined;
  state: 'uploading' | 'complete' | 'failed';
  nextIndex: number;
  receivedBytes: number;
  readonly hash: ReturnType<typeof createHash>;
  sha256?: string;
  file?: FileHandle;
  /** Writes run one after the other, in chunk order. */
  writing: Promise<void>;
  lastUsed: number;
  /** A signed result: deleted once read to the end. */
  readonly result: boolean;
}

export interface CompleteDocument {
  readonly kind: DocumentKind;
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export class DocumentStore {
  #dir: string | undefined;
  readonly #documents = new Map<string, Upload>();
  readonly #now: () => number;
  readonly #root: string;
  #sweeper: ReturnType<typeof setInterval> | undefined;

  /** `root`: the base the per-user dir goes in (default $XDG_RUNTIME_DIR, else the OS temp dir). */
  constructor(options: { now?: () => number; root?: string } = {}) {
    this.#now = options.now ?? Date.now;
    this.#root = options.root ?? documentsBaseDirectory();
  }

  /**
   * The private per-process directory, made on first use inside the per-user dir; its name carries our pid so a
   * later host can remove it if we crash. The per-user dir is re-checked (lstat, owner, mode) on every use.
   */
  get directory(): string {
    const userDir = ensurePrivateUserDirectory(this.#root);
    if (this.#dir) { assertPrivateDirectory(this.#dir); return this.#dir; }
    removeOrphanDirectories(userDir);
    this.#dir = mkdtempSync(join(userDir, `${PROCESS_DIR_PREFIX}${process.pid}-`)); // mode 0700 [Node fs.mkdtemp]
    const dir = this.#dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  async begin(kind: DocumentKind, size: number, sha256: string | undefined): Promise<string> {
    await this.#expire();
    this.#startSweeper();
    if (size > DOCUMENT_MAX_BYTES) throw new KysoError('PAYLOAD_TOO_LARGE', { limitBytes: DOCUMENT_MAX_BYTES });
    if (this.#documents.size >= DOCUMENTS_OPEN_MAX) throw new KysoError('TOO_MANY_REQUESTS', { reason: 'too many open documents', limit: DOCUMENTS_OPEN_MAX });
    let held = 0;
    for (const d of this.#documents.values()) held += d.size;
    if (held + size > DOCUMENTS_TOTAL_MAX_BYTES) throw new KysoError('PAYLOAD_TOO_LARGE', { reason: 'documents held by Kyso would exceed the total limit', limitBytes: DOCUMENTS_TOTAL_MAX_BYTES });
    const handle = newHandle();
    const path = join(this.directory, `${handle}.in`);
    const file = await open(path, 'wx', 0o600);
    const upload: Upload = {
      kind, path, size, expectedSha256: sha256, state: 'uploading', nextIndex: 0, receivedBytes: 0,
      hash: createHash('sha256'), file, writing: Promise.resolve(), lastUsed: this.#now(), result: false,
    };
    this.#documents.set(handle, upload);
    if (size === 0) await this.#complete(handle, upload);
    return handle;
  }

  /**
   * Accept chunk `index`. The order check runs synchronously on arrival (the dispatcher calls handlers in frame
   * order), so a chunk out of order or missing is refused even while earlier writes are still in flight.
   */
  chunk(handle: string, index: number, bytes: Uint8Array): Promise<{ receivedBytes: number; complete: boolean }> {
    const upload = this.#documents.get(handle);
    if (!upload) return Promise.reject(new KysoError('BAD_REQUEST', { reason: 'unknown or expired document handle' }));
    if (upload.state !== 'uploading') {
      return Promise.reject(new KysoError('BAD_REQUEST', { reason: upload.state === 'failed' ? 'upload failed' : 'upload already complete' }));
    }
    if (index !== upload.nextIndex) {
      this.#fail(handle, upload);
      return Promise.reject(new KysoError('BAD_REQUEST', { reason: 'chunk out of order or missing', expectedIndex: upload.nextIndex, receivedIndex: index }));
    }
    const isLast = upload.receivedBytes + bytes.length === upload.size;
    if (bytes.length === 0 || bytes.length > DOCUMENT_CHUNK_BYTES || upload.receivedBytes + bytes.length > upload.size
      || (!isLast && bytes.length !== DOCUMENT_CHUNK_BYTES)) {
      this.#fail(handle, upload);
      return Promise.reject(new KysoError('BAD_REQUEST', { reason: 'chunk size', chunkBytes: DOCUMENT_CHUNK_BYTES, index }));
    }
    upload.nextIndex++;
    const offset = upload.receivedBytes;
    upload.receivedBytes += bytes.length;
    upload.lastUsed = this.#now();
    const run = upload.writing.then(async () => {
      await writeAll(upload.file!, bytes, offset);
      upload.hash.update(bytes);
      if (isLast) await this.#complete(handle, upload);
    });
    upload.writing = run.catch(() => undefined);
    return run.then(() => ({ receivedBytes: offset + bytes.length, complete: isLast }), (error: unknown) => {
      this.#fail(handle, upload);
      throw error instanceof KysoError ? error : new KysoError('INTERNAL_ERROR', { reason: 'temp file write failed' });
    });
  }

  /** A complete upload (or result), for signing or reading. */
  complete(handle: string): CompleteDocument {
    const upload = this.#get(handle);
    if (upload.state !== 'complete' || !upload.sha256) {
      throw new KysoError('BAD_REQUEST', { reason: 'document upload incomplete', receivedBytes: upload.receivedBytes, size: upload.size });
    }
    upload.lastUsed = this.#now();
    return { kind: upload.kind, path: upload.path, size: upload.size, sha256: upload.sha256 };
  }

  /** A path for a signed result, in the private dir; `adoptResult` registers it once written. */
  resultPath(): string {
    return join(this.directory, `${newHandle()}.out`);
  }

  async adoptResult(kind: DocumentKind, path: string): Promise<CompleteDocument & { handle: string }> {
    const handle = newHandle();
    const hash = createHash('sha256');
    const file = await open(path, 'r');
    try {
      for await (const chunk of file.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    } finally {
      await file.close();
    }
    const size = (await stat(path)).size;
    const sha256 = hash.digest('hex');
    this.#documents.set(handle, {
      kind, path, size, expectedSha256: undefined, state: 'complete', nextIndex: 0, receivedBytes: size, hash,
      sha256, writing: Promise.resolve(), lastUsed: this.#now(), result: true,
    });
    return { handle, kind, path, size, sha256 };
  }

  /** DOCUMENT_READ_CHUNK_BYTES from `offset`; a result read to its end is deleted. */
  async read(handle: string, offset: number): Promise<{ data: Uint8Array; eof: boolean }> {
    const document = this.complete(handle);
    if (offset > document.size) throw new KysoError('BAD_REQUEST', { reason: 'offset beyond the end', size: document.size });
    const length = Math.min(DOCUMENT_READ_CHUNK_BYTES, document.size - offset);
    const data = new Uint8Array(length);
    const file = await open(document.path, 'r');
    try {
      let done = 0;
      while (done < length) {
        const { bytesRead } = await file.read(data, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
    } finally {
      await file.close();
    }
    const eof = offset + length >= document.size;
    if (eof && this.#documents.get(handle)?.result) await this.discard(handle);
    return { data, eof };
  }

  async discard(handle: string): Promise<void> {
    const upload = this.#documents.get(handle);
    if (!upload) return;
    this.#documents.delete(handle);
    await upload.writing;
    await upload.file?.close().catch(() => undefined);
    await rm(upload.path, { force: true });
  }

  /** Open documents (tests). */
  get size(): number {
    return this.#documents.size;
  }

  /** Delete everything now (host shutting down). */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    for (const handle of [...this.#documents.keys()]) await this.discard(handle);
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }

  #get(handle: string): Upload {
    const upload = this.#documents.get(handle);
    if (!upload) throw new KysoError('BAD_REQUEST', { reason: 'unknown or expired document handle' });
    return upload;
  }

  async #complete(handle: string, upload: Upload): Promise<void> {
    await upload.file?.close();
    delete upload.file;
    upload.sha256 = upload.hash.digest('hex');
    if (upload.expectedSha256 && upload.expectedSha256 !== upload.sha256) {
      this.#fail(handle, upload);
      throw new KysoError('INVALID_DOCUMENT', { reason: 'SHA-256 of the uploaded bytes differs from the announced one' });
    }
    upload.state = 'complete';
  }

  /** A broken upload is dropped at once (its file deleted): the page must start again. */
  #fail(handle: string, upload: Upload): void {
    upload.state = 'failed';
    void this.discard(handle);
  }

  /**
   * Idle documents are deleted on a timer too, not only at the next upload: a page that gave up mid-upload must not
   * keep its bytes on disk (and its share of the bounds) until some other upload happens. Unref'd: it never keeps
   * the host alive; it stops when nothing is held.
   */
  #startSweeper(): void {
    if (this.#sweeper) return;
    this.#sweeper = setInterval(() => {
      void this.#expire().then(() => {
        if (this.#documents.size === 0) { clearInterval(this.#sweeper); this.#sweeper = undefined; }
      });
    }, DOCUMENT_SWEEP_INTERVAL_MS);
    this.#sweeper.unref?.();
  }

  async #expire(): Promise<void> {
    const limit = this.#now() - DOCUMENT_IDLE_TTL_MS;
    for (const [handle, upload] of [...this.#documents]) if (upload.lastUsed < limit) await this.discard(handle);
  }
}

function newHandle(): string {
  return randomBytes(18).toString('base64url');
}

/** One store per host session (handler context), created on first use. */
const stores = new WeakMap<object, DocumentStore>();
export function documentStoreFor(context: object): DocumentStore {
  let store = stores.get(context);
  if (!store) { store = new DocumentStore(); stores.set(context, store); }
  return store;
}
