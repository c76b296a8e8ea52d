/**
 * Messages between the "choose a local file" window (compat/local-file/) and the background, for VGCA calls with
 * `FileName: ""` (the VGCA service then let the person browse for a file). The file is chosen in Kyso's own window,
 * never in the page; the page learns nothing but the plugin's reply. Validated on both sides.
 */
import * as v from 'valibot';
import { Base64Schema } from '../../shared/protocol/common.js';
import { FileNameSchema } from '../../shared/protocol/document-schemas.js';

export const LOCAL_FILE_PAGE_PATH = 'compat/local-file/local-file.html';
/** Bytes per message from the window (base64 in a runtime message). */
export const LOCAL_FILE_CHUNK_BYTES = 1024 * 1024;

const SessionIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/));

export const LocalFileMessageSchema = v.variant('kind', [
  v.strictObject({ kind: v.literal('compat.localFile.getState'), sessionId: SessionIdSchema }),
  v.strictObject({ kind: v.literal('compat.localFile.cancel'), sessionId: SessionIdSchema }),
  v.strictObject({
    kind: v.literal('compat.localFile.chunk'), sessionId: SessionIdSchema,
    fileName: v.pipe(FileNameSchema, v.minLength(1)),
    size: v.pipe(v.number(), v.integer(), v.minValue(1)),
    offset: v.pipe(v.number(), v.integer(), v.minValue(0)),
    data: Base64Schema(LOCAL_FILE_CHUNK_BYTES),
  }),
]);
export type LocalFileMessage = v.InferOutput<typeof LocalFileMessageSchema>;

/** What the window shows: who asks, which kind of signature, where the signed file will go. */
export const LocalFileStateSchema = v.strictObject({
  origin: v.string(),
  kind: v.string(),
  uploadTo: v.string(),
  maxBytes: v.number(),
});
export type LocalFileState = v.InferOutput<typeof LocalFileStateSchema>;

export const LocalFileReplySchema = v.variant('outcome', [
  v.strictObject({ outcome: v.literal('state'), state: LocalFileStateSchema }),
  v.strictObject({ outcome: v.literal('more') }),
  /** The file is with the background (or the request ended): the window closes. `error`: shown meanwhile. */
  v.strictObject({ outcome: v.literal('closed'), error: v.optional(v.string()) }),
]);
export type LocalFileReply = v.InferOutput<typeof LocalFileReplySchema>;
