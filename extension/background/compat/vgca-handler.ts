/**
 * Answers one VGCA Sign Service frame (wss://127.0.0.1:8987/<Path>) with the JSON text the service would send
 * [research vn-signing-domain.md §1.1]. Every path is served by an existing page operation through the router
 * (compat-documents.ts), so the access policy and the consent window apply exactly as for the SDK.
 *
 * Reply shape: `{"Status":0,…}` on success; on any failure `{"Status":<non-zero>,"Message":"<Vietnamese>"}` and
 * nothing is uploaded. Status codes Kyso uses (the service's own list is not public):
 *   1 refused or cancelled (ORIGIN_*, OPERATION_NOT_ALLOWED, USER_CANCELLED…) · 2 bad request (frame, URL)
 *   3 download failed · 4 signing failed (token, PIN, document) · 5 upload failed or the portal refused the file
 *   415 /SignOffice, /VerifyOffice: Kyso signs PDF, XML and CMS, not Word/Excel files (the portal converts to PDF)
 *   501 /Config, /GetLicenseRequest, /SignPDFWP, /SignXMLP12: the desktop service's own windows and files; Kyso
 *       has none (its settings are the extension's options page, which a site cannot open)
 *   404 unknown path
 */
import * as v from 'valibot';
import { KysoError, deserializeError } from '../../../shared/errors/kyso-error.js';
import { base64ToBytes, bytesToBase64 } from '../../../shared/domain/base64.js';
import type { OriginEntry } from '../../../shared/domain/origin.js';
import type { RequestContext } from '../router.js';
import {
  UploadAnswerSchema, VGCA_FILE_PATHS, VgcaFileRequestSchema, VgcaSignFilesRequestSchema, VgcaSignXmlRequestSchema,
  VgcaVerifyMsgRequestSchema, VgcaVerifyPdfRequestSchema, VgcaVerifyXmlRequestSchema, VgcaSignJsonRequestSchema,
  isTrueFlag, jsonContentText, type VgcaFilePath,
} from '../../compat/vgca-frames.js';
import { VGCA_SIGNATURE_KIND, consentDescription, pdfOptionsFor } from '../../compat/vgca-appearance.js';
import type { ChosenFile, LocalFileAsk } from './local-file-picker.js';
import type { StampImages } from '../../compat/stamp-images.js';
import { call, signBatch, uploadToHost, type Route } from './compat-documents.js';
import { TransferError, allowedTransferUrl, downloadDocument, uploadSignedDocument } from './portal-transfer.js';

export interface VgcaDependencies {
  readonly route: Route;
  /** Origins the admin allowed (policy allowedOrigins): the only other origins files may come from or go to. */
  adminAllowedOrigins(): Promise<readonly OriginEntry[]>;
  now(): Date;
  /** `FileName: ""`: the person chooses the file in Kyso's window (local-file-picker.ts). */
  chooseLocalFile?(ask: LocalFileAsk, signal: AbortSignal): Promise<ChosenFile>;
  /** The signer image and seal in force (the person's and the admin's, stamp-images.ts effectiveStampImages). */
  stampImages?(): Promise<StampImages>;
}

type Reply = Record<string, unknown>;

/** Paths of the VGCA service Kyso answers with a fixed, documented refusal (README "Already using the VGCA…"). */
const OFFICE: Reply = { Status: 415, Message: 'Kyso không ký tệp Word/Excel. Hãy chuyển văn bản sang PDF rồi ký. (Kyso signs PDF, XML and CMS, not Office files.)' };
const NO_SERVICE_WINDOW: Reply = {
  Status: 501,
  Message: 'Kyso không có cửa sổ cấu hình hay giấy phép riêng như VGCA Sign Service; cài đặt nằm ở trang Tùy chọn của tiện ích Kyso. (Not offered: Kyso\'s settings are its options page.)',
};
/** A Map, not an object: a path such as "constructor" must not find Object.prototype's members. */
const NOT_OFFERED: ReadonlyMap<string, Reply> = new Map([
  ['SignOffice', OFFICE], ['VerifyOffice', OFFICE],
  ['Config', NO_SERVICE_WINDOW], ['GetLicenseRequest', NO_SERVICE_WINDOW], ['SignPDFWP', NO_SERVICE_WINDOW], ['SignXMLP12', NO_SERVICE_WINDOW],
]);

const REFUSED = new Set(['ORIGIN_NOT_ALLOWED', 'ORIGIN_BLOCKED', 'INSECURE_ORIGIN', 'OPERATION_NOT_ALLOWED', 'USER_CANCELLED', 'CONSENT_TIMEOUT', 'REQUEST_SUPERSEDED']);
const BAD = new Set(['BAD_REQUEST', 'PAYLOAD_TOO_LARGE', 'TOO_MANY_REQUESTS', 'INVALID_HASH', 'UNSUPPORTED_ALGORITHM']);

/** The plugin's error shape for anything thrown; the Vietnamese text from Kyso's catalogue. */
export function vgcaFailure(error: unknown): Reply {
  if (error instanceof TransferError) {
    const status = error.stage === 'url' ? 2 : error.stage === 'download' ? 3 : 5;
    const message = error.stage === 'url'
      ? 'Địa chỉ tệp hoặc địa chỉ tải lên không thuộc trang này hoặc trang được quản trị cho phép.'
      : error.stage === 'download' ? `Không tải được tệp cần ký (${error.reason}).` : `Không gửi được tệp đã ký lên máy chủ (${error.reason}).`;
    return { Status: status, Message: message };
  }
  const kyso = error instanceof KysoError ? error : new KysoError('INTERNAL_ERROR');
  const status = REFUSED.has(kyso.code) ? 1 : BAD.has(kyso.code) ? 2 : 4;
  return { Status: status, Message: kyso.messageVi, ErrorCode: kyso.code };
}

const badFrame = () => new KysoError('BAD_REQUEST', { reason: 'the plugin frame does not have the expected fields' });

function parseJson(text: string): unknown {
  try { return JSON.parse(text) as unknown; } catch { throw badFrame(); }
}

/** Server answer → the plugin's success fields; a refusal by the server is a failure (Status 5). */
export function fromUploadAnswer(answer: unknown): Reply {
  const parsed = v.safeParse(UploadAnswerSchema, answer);
  if (!parsed.success) throw new TransferError('upload', 'unexpected answer');
  const a = parsed.output;
  const ok = a.Status === undefined || a.Status === true || a.Status === 0 || a.Status === '0' || a.Status === 'true';
  if (!ok) throw new TransferError('upload', typeof a.Message === 'string' && a.Message ? a.Message.slice(0, 300) : 'the server refused the file');
  const text = (value: unknown) => (value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value));
  return { Status: 0, Message: '', FileName: text(a.FileName), FileServer: text(a.FileServer), DocumentNumber: text(a.DocumentNumber), DocumentDate: text(a.DocumentDate) };
}

export function createVgcaHandler(deps: VgcaDependencies) {
  const urlFor = async (raw: string, context: RequestContext) => allowedTransferUrl(raw, context.frameOrigin, await deps.adminAllowedOrigins());

  const signFile = async (path: VgcaFilePath, frame: string, context: RequestContext): Promise<Reply> => {
    const parsed = v.safeParse(VgcaFileRequestSchema, parseJson(frame));
    if (!parsed.success) throw badFrame();
    const request = parsed.output;
    // The upload target is checked first: a call that could not upload opens no window.
    const target = await urlFor(request.FileUploadHandler, context);
    const credentials = { sessionId: request.SessionId, jwtToken: request.JWTToken };
    let file: ChosenFile;
    if (request.FileName === '') {
      if (!deps.chooseLocalFile) throw new KysoError('BAD_REQUEST', { reason: 'choosing a local file is not available here' });
      file = await deps.chooseLocalFile({ origin: context.frameOrigin, kind: VGCA_SIGNATURE_KIND[path], uploadTo: `${target.origin}${target.pathname}` }, context.signal);
    } else {
      file = await downloadDocument(await urlFor(request.FileName, context), credentials, context.signal);
    }
    const handle = await uploadToHost(deps.route, context, 'pdf', file.bytes);
    // The consent description: the number, and that the file is the person's own choice (not the portal's).
    const detail = `${request.DocNumber ? ` số ${request.DocNumber}` : ''}${request.FileName === '' ? ' (tệp bạn chọn trên máy này)' : ''}`;
    const signed = await signBatch(deps.route, context, [{
      kind: 'pdf', handle, fileName: file.fileName, options: pdfOptionsFor(path, request, file.bytes, deps.now(), await deps.stampImages?.().catch(() => ({})) ?? {}),
    }], consentDescription(path, target, detail));
    const outcome = signed.outcomes[0];
    if (!outcome?.ok) throw outcome ? asKysoError(outcome.error) : new KysoError('INTERNAL_ERROR');
    const answer = await uploadSignedDocument(target, { bytes: outcome.bytes, fileName: file.fileName, type: 'application/pdf' }, credentials, request.MetaData ?? [], context.signal);
    return fromUploadAnswer(answer);
  };

  /** /SignFiles: every file downloaded first, ONE consent and ONE PIN, then each uploaded; per-file URL back. */
  const signFiles = async (frame: string, context: RequestContext): Promise<Reply> => {
    const parsed = v.safeParse(VgcaSignFilesRequestSchema, parseJson(frame));
    if (!parsed.success) throw badFrame();
    const request = parsed.output;
    const target = await urlFor(request.FileUploadHandler, context);
    const credentials = { sessionId: request.SessionId, jwtToken: request.JWTToken };
    const files = [];
    for (const item of request.Files) {
      const downloaded = await downloadDocument(await urlFor(item.URL, context), credentials, context.signal);
      files.push({ id: item.FileID, fileName: item.FileName || downloaded.fileName, bytes: downloaded.bytes, handle: await uploadToHost(deps.route, context, 'pdf', downloaded.bytes) });
    }
    const signed = await signBatch(deps.route, context, files.map((f) => ({ kind: 'pdf' as const, handle: f.handle, fileName: f.fileName.slice(0, 255), options: { visible: {} } })),
      `Ký ${files.length} tệp — tải lên: ${target.origin}${target.pathname}`);
    const failed = signed.outcomes.find((o) => !o.ok);
    if (failed && !failed.ok) throw asKysoError(failed.error);
    const results = [];
    for (const [i, f] of files.entries()) {
      const outcome = signed.outcomes[i]!;
      if (!outcome.ok) continue;
      const answer = fromUploadAnswer(await uploadSignedDocument(target, { bytes: outcome.bytes, fileName: f.fileName, type: 'application/pdf' }, credentials, [], context.signal));
      results.push({ FileID: f.id, FileSignedURL: answer.FileName });
    }
    return { Status: 0, Message: '', Files: results };
  };

  const signXml = async (frame: string, context: RequestContext): Promise<Reply> => {
    const parsed = v.safeParse(VgcaSignXmlRequestSchema, parseJson(frame));
    if (!parsed.success) throw badFrame();
    const xml = base64ToBytes(parsed.output.Base64Content);
    const handle = await uploadToHost(deps.route, context, 'xml', xml);
    const hashAlgorithm = /sha-?1$/i.test(parsed.output.HashAlg ?? '') ? 'SHA-1' : 'SHA-256';
    const signed = await signBatch(deps.route, context, [{ kind: 'xml', handle, fileName: 'document.xml', options: { hashAlgorithm: hashAlgorithm as 'SHA-256' } }], 'Ký tài liệu XML');
    const outcome = signed.outcomes[0];
    if (!outcome?.ok) throw outcome ? asKysoError(outcome.error) : new KysoError('INTERNAL_ERROR');
    const signature = isTrueFlag(parsed.output.ReturnSignatureOnly) ? signatureElementOf(outcome.bytes) : outcome.bytes;
    return { Status: 0, Message: '', Signature: bytesToBase64(signature) };
  };

  /** /SignMsg: the frame is the base64 message; the answer an attached CMS (signed attributes: not raw). */
  const signMsg = async (frame: string, context: RequestContext): Promise<Reply> => {
    const message = base64ToBytes(frame.trim().replace(/^"|"$/g, ''));
    const handle = await uploadToHost(deps.route, context, 'cms', message);
    const signed = await signBatch(deps.route, context, [{ kind: 'cms', handle, fileName: 'message.bin', options: { attached: true } }], 'Ký thông điệp (CMS)');
    const outcome = signed.outcomes[0];
    if (!outcome?.ok) throw outcome ? asKysoError(outcome.error) : new KysoError('INTERNAL_ERROR');
    return { Status: 0, Message: '', Signature: bytesToBase64(outcome.bytes) };
  };

  /**
   * /SignJson `{JsonContent}`: the VGCA service's answer is not public (research §1.1). Kyso's documented choice: an
   * attached CMS (SignedData enveloping the UTF-8 JSON text, with signed attributes — a document signature, not a
   * raw one), so the portal's server can verify it with any CMS verifier (`openssl cms -verify`) and read the
   * content back from it. The consent window shows the JSON text (the CMS content excerpt). Reply
   * `{Status:0, Message:"", Signature:<base64 DER CMS>}`, like /SignMsg.
   */
  const signJson = async (frame: string, context: RequestContext): Promise<Reply> => {
    const parsed = v.safeParse(VgcaSignJsonRequestSchema, parseJson(frame));
    if (!parsed.success) throw badFrame();
    const text = jsonContentText(parsed.output.JsonContent);
    // Not JSON text is a portal error, refused here rather than signed as something it is not.
    try { JSON.parse(text); } catch { throw new KysoError('BAD_REQUEST', { reason: 'JsonContent is not JSON text' }); }
    const handle = await uploadToHost(deps.route, context, 'cms', new TextEncoder().encode(text));
    const signed = await signBatch(deps.route, context, [{ kind: 'cms', handle, fileName: 'noi-dung.json', options: { attached: true } }], 'Ký nội dung JSON');
    const outcome = signed.outcomes[0];
    if (!outcome?.ok) throw outcome ? asKysoError(outcome.error) : new KysoError('INTERNAL_ERROR');
    return { Status: 0, Message: '', Signature: bytesToBase64(outcome.bytes) };
  };

  /**
   * /Auth: the service signs the caller's code with no signed attributes around it — a raw signature, so it is
   * kyso.signHash (SHA-256 of the code) and follows the raw-signing opt-in rule (operations.ts): refused unless an
   * admin or the person enabled raw signing for this origin.
   */
  const auth = async (frame: string, context: RequestContext): Promise<Reply> => {
    const code = new TextEncoder().encode(frame);
    if (code.length === 0 || code.length > 4096) throw badFrame();
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', code));
    const result = await call(deps.route, context, 'kyso.signHash', { hash: bytesToBase64(digest), hashAlgorithm: 'SHA-256', description: 'Xác thực (VGCA /Auth)' });
    return { Status: 0, Message: '', Signature: result.signature };
  };

  const certInfo = async (context: RequestContext): Promise<Reply> => {
    const { certificates } = await call(deps.route, context, 'kyso.listCertificates', {});
    const cert = certificates[0];
    if (!cert) throw new KysoError('CERTIFICATE_NOT_FOUND');
    return {
      Status: 0, Message: '',
      CertInfo: {
        Base64: cert.der, SerialNumber: cert.serialNumber.toUpperCase(), SubjectCN: cert.subject.commonName ?? '', Issuer: cert.issuer.commonName ?? '',
        NotBefore: cert.notBefore, NotAfter: cert.notAfter,
      },
    };
  };

  /**
   * /VerifyPDF, /VerifyXML, /VerifyMsg through kyso.verify (no token, no window). The answer is the array the
   * portals read (`[0].ValidationDetails.SignerCertStatus{Status,Description}`, `[0].SigInfo.SignerCert.SerialNumber`),
   * one entry per signature; Status 0 valid, 1 invalid, 2 indeterminate, Description in Vietnamese.
   */
  const verify = async (path: 'VerifyPDF' | 'VerifyXML' | 'VerifyMsg', frame: string, context: RequestContext): Promise<unknown> => {
    let request: { document: string; content?: string };
    if (path === 'VerifyPDF') {
      const parsed = v.safeParse(VgcaVerifyPdfRequestSchema, parseJson(frame));
      if (!parsed.success) throw badFrame();
      const file = await downloadDocument(await urlFor(parsed.output.FileName, context), { sessionId: parsed.output.SessionId, jwtToken: parsed.output.JWTToken }, context.signal);
      request = { document: bytesToBase64(file.bytes) };
    } else if (path === 'VerifyXML') {
      const parsed = v.safeParse(VgcaVerifyXmlRequestSchema, parseJson(frame));
      if (!parsed.success) throw badFrame();
      const data = parsed.output.Data.trim();
      request = { document: data.startsWith('<') ? bytesToBase64(new TextEncoder().encode(data)) : bytesToBase64(base64ToBytes(data)) };
    } else {
      const parsed = v.safeParse(VgcaVerifyMsgRequestSchema, parseJson(frame));
      if (!parsed.success) throw badFrame();
      request = { document: bytesToBase64(base64ToBytes(parsed.output.Signature)), ...(parsed.output.Base64Content ? { content: bytesToBase64(base64ToBytes(parsed.output.Base64Content)) } : {}) };
    }
    const report = await call(deps.route, context, 'kyso.verify', request);
    const code = (status: string) => (status === 'valid' ? 0 : status === 'invalid' ? 1 : 2);
    return report.signatures.map((signature) => {
      const description = signature.reasons.map((r) => r.vi).join('; ') || (signature.status === 'valid' ? 'Chữ ký hợp lệ.' : 'Chữ ký không hợp lệ.');
      return {
        Status: code(signature.status), Description: description,
        ValidationDetails: { SignerCertStatus: { Status: code(signature.chain.status === 'valid' ? 'valid' : signature.chain.status === 'invalid' ? 'invalid' : 'indeterminate'), Description: signature.chain.status } },
        SigInfo: { SigningTime: signature.signingTime ?? '', SignerCert: { SerialNumber: signature.signer?.serialNumber.toUpperCase() ?? '', SubjectCN: signature.signer?.subject.commonName ?? '' } },
      };
    });
  };

  return async function handleVgcaFrame(path: string, frame: string, context: RequestContext): Promise<string> {
    let reply: Reply;
    try {
      if ((VGCA_FILE_PATHS as readonly string[]).includes(path)) reply = await signFile(path as VgcaFilePath, frame, context);
      else if (path === 'SignFiles') reply = await signFiles(frame, context);
      else if (path === 'SignXML') reply = await signXml(frame, context);
      else if (path === 'SignMsg') reply = await signMsg(frame, context);
      else if (path === 'SignJson') reply = await signJson(frame, context);
      else if (NOT_OFFERED.has(path)) reply = NOT_OFFERED.get(path)!;
      else if (path === 'Auth') reply = await auth(frame, context);
      else if (path === 'GetCertInfo') reply = await certInfo(context);
      else if (path === 'VerifyPDF' || path === 'VerifyXML' || path === 'VerifyMsg') return JSON.stringify(await verify(path, frame, context));
      else reply = { Status: 404, Message: `Kyso chưa hỗ trợ chức năng ${path.slice(0, 40)} của VGCA.` };
    } catch (error) {
      reply = vgcaFailure(error);
    }
    return JSON.stringify(reply);
  };
}

function asKysoError(serialized: unknown): KysoError {
  return serialized && typeof serialized === 'object' ? deserializeError(serialized as { code: unknown }) : new KysoError('INTERNAL_ERROR');
}

/** The ds:Signature element of the host's signed XML (ReturnSignatureOnly); the whole document when not found. */
function signatureElementOf(xml: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(xml);
  const match = /<(?:[A-Za-z_][\w.-]*:)?Signature[\s>][\s\S]*<\/(?:[A-Za-z_][\w.-]*:)?Signature>/.exec(text);
  return match ? new TextEncoder().encode(match[0]) : xml;
}
