/**
 * VGCA Sign Service frames (vgcaplugin.js; research vn-signing-domain.md §1.1), validated before anything acts on
 * them. Portals send extra fields now and then: unknown keys are dropped (v.object), known ones bounded.
 */
import * as v from 'valibot';
import { DOCUMENT_BATCH_MAX } from '../../shared/limits.js';

const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const Url = v.pipe(v.string(), v.maxLength(4096));
/** "true"/"false" as the plugin's callers write them, or a real boolean. */
const Flag = v.optional(v.union([v.boolean(), v.picklist(['true', 'false', 'True', 'False'])]));

/** The document kinds of the file family, by WebSocket path. */
export const VGCA_FILE_PATHS = ['SignApproved', 'SignIssued', 'SignCopy', 'SignAppendix', 'SignIncome', 'Comment', 'SignFile', 'SignPDF'] as const;
export type VgcaFilePath = (typeof VGCA_FILE_PATHS)[number];

export const VgcaFileRequestSchema = v.object({
  FileUploadHandler: Url,
  SessionId: v.optional(Text(4096)),
  JWTToken: v.optional(Text(8192)),
  /** URL of the unsigned file; "" = the person picks a local file in Kyso's window (background/compat/local-file-picker.ts). */
  FileName: Url,
  MetaData: v.optional(v.pipe(v.array(v.object({ Key: Text(100), Value: Text(1000) })), v.maxLength(50))),
  DocNumber: v.optional(Text(100)),
  /** ISO text, "" or a JS Date the page serialised (JSON.stringify → ISO text). */
  IssuedDate: v.optional(v.nullable(Text(64))),
});
export type VgcaFileRequest = v.InferOutput<typeof VgcaFileRequestSchema>;

export const VgcaSignFilesRequestSchema = v.object({
  FileUploadHandler: Url,
  SessionId: v.optional(Text(4096)),
  JWTToken: v.optional(Text(8192)),
  Files: v.pipe(v.array(v.object({ FileID: v.union([Text(200), v.number()]), FileName: v.optional(Text(255)), URL: Url })), v.minLength(1), v.maxLength(DOCUMENT_BATCH_MAX)),
});
export type VgcaSignFilesRequest = v.InferOutput<typeof VgcaSignFilesRequestSchema>;

export const VgcaSignXmlRequestSchema = v.object({
  Base64Content: v.pipe(v.string(), v.minLength(1)),
  ReturnSignatureOnly: Flag,
  HashAlg: v.optional(Text(20)),
  XmlDsigForm: Flag,
});

export const VgcaVerifyMsgRequestSchema = v.object({ Base64Content: v.string(), Signature: v.pipe(v.string(), v.minLength(1)) });
export const VgcaVerifyXmlRequestSchema = v.object({ Data: v.pipe(v.string(), v.minLength(1)), Format: v.optional(Text(20)) });
export const VgcaVerifyPdfRequestSchema = v.object({ SessionId: v.optional(Text(4096)), FileName: Url, JWTToken: v.optional(Text(8192)) });
/**
 * `{JsonContent}` (research §1.1: a React hook sends `JSON.stringify({ JsonContent: jsonMessage })`, where the
 * message is a JSON text or an object): the content to sign, bounded like any page message.
 */
export const VgcaSignJsonRequestSchema = v.object({ JsonContent: v.pipe(v.unknown(), v.check((c) => c !== undefined && c !== null && c !== '', 'JsonContent is empty')) });

/** The JSON text /SignJson signs: a string as the portal wrote it (its exact bytes), anything else serialised. */
export function jsonContentText(content: unknown): string {
  return typeof content === 'string' ? content : JSON.stringify(content);
}

/** What the portal's FileUploadHandler answers (OpenCPS: Status true; the Node handler: Status 0|1). */
export const UploadAnswerSchema = v.object({
  Status: v.optional(v.union([v.boolean(), v.number(), v.string()])),
  Message: v.optional(v.unknown()),
  FileName: v.optional(v.unknown()),
  FileServer: v.optional(v.unknown()),
  DocumentNumber: v.optional(v.unknown()),
  DocumentDate: v.optional(v.unknown()),
});
export type UploadAnswer = v.InferOutput<typeof UploadAnswerSchema>;

export const isTrueFlag = (flag: boolean | string | undefined): boolean => flag === true || flag === 'true' || flag === 'True';
