/**
 * Answers one VNPT-CA Plugin frame (wss://localhost:{4433,…}/plugin) with `"<result>*<callbackName>"`
 * [research vn-signing-domain.md §1.2]. Results of signing functions are JSON `{code (0 = ok), data, error}`;
 * a failure is `{code:-1, data:"", error:<Vietnamese>}`. Signing goes through the router's page operations
 * (compat-documents.ts); signHash and the raw array functions are kyso.signHash and follow the raw-signing
 * opt-in rule (operations.ts). No licence is needed: setLicenseKey answers success.
 */
import * as v from 'valibot';
import { KysoError, deserializeError } from '../../../shared/errors/kyso-error.js';
import { base64ToBytes, bytesToBase64 } from '../../../shared/domain/base64.js';
import { VNPT_FUNCTION, VnptArrItemSchema, VnptFrameSchema, VnptPdfSignerSchema, type VnptPdfSigner } from '../../compat/vnpt-frames.js';
import type { PdfOptions } from '../../compat/vgca-appearance.js';
import type { PageDocumentItem } from '../../../shared/protocol/document-page-operations.js';
import type { RequestContext } from '../router.js';
import { call, signBatch, uploadToHost, type Route } from './compat-documents.js';

/** The version VNPT-CA's script compares against (its newest public release, 1.0.3.4). */
const REPORTED_VERSION = '1.0.3.4';

const ok = (data: unknown) => JSON.stringify({ code: 0, data, error: '' });
const failure = (error: unknown) => {
  const kyso = error instanceof KysoError ? error : new KysoError('INTERNAL_ERROR');
  return JSON.stringify({ code: -1, data: '', error: kyso.messageVi, errorCode: kyso.code });
};
const bad = () => new KysoError('BAD_REQUEST', { reason: 'the plugin frame does not have the expected arguments' });

function jsonOrObject(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try { return JSON.parse(value) as unknown; } catch { return undefined; }
}

/** PdfSigner (llx, lly, urx, ury in points, page 1-based) → Kyso's visible-signature options. */
export function pdfOptionsFromSigner(signer: VnptPdfSigner | undefined): PdfOptions {
  if (!signer) return { visible: {} };
  if (signer.SigVisible === false || signer.SigVisible === 'false') return { invisible: true };
  const n = (value: number | string | undefined) => (value === undefined || value === '' ? undefined : Number(value));
  const [page, llx, lly, urx, ury] = [n(signer.page), n(signer.llx), n(signer.lly), n(signer.urx), n(signer.ury)];
  const rect = [llx, lly, urx, ury].every((x) => x !== undefined && Number.isFinite(x)) && urx! > llx! && ury! > lly!
    ? { x: llx!, y: lly!, width: urx! - llx!, height: ury! - lly! } : undefined;
  const lines = [signer.Signer && `Ký bởi: ${signer.Signer}`, signer.SignerPosition, signer.Description].filter((l): l is string => !!l);
  return {
    visible: {
      ...(page !== undefined && Number.isInteger(page) && page >= 1 ? { page } : {}),
      ...(rect ? { rect } : {}),
      ...(signer.ImageBase64 ? { signatureImage: signer.ImageBase64 } : {}),
      ...(lines.length > 0 ? { lines: lines.slice(0, 8) } : {}),
    },
    ...(signer.Description ? { reason: signer.Description.slice(0, 200) } : {}),
  };
}

export function createVnptHandler(deps: { readonly route: Route }) {
  const signOne = async (context: RequestContext, kind: 'pdf' | 'xml' | 'cms', data: string, options: PageDocumentItem['options'], description: string) => {
    const bytes = base64ToBytes(data);
    const handle = await uploadToHost(deps.route, context, kind, bytes);
    const item = { kind, handle, fileName: `document.${kind === 'cms' ? 'bin' : kind}`, ...(options ? { options } : {}) } as PageDocumentItem;
    const signed = await signBatch(deps.route, context, [item], description);
    const outcome = signed.outcomes[0];
    if (!outcome?.ok) throw outcome ? deserializeError(outcome.error as { code: unknown }) : new KysoError('INTERNAL_ERROR');
    return bytesToBase64(outcome.bytes);
  };
  const rawSign = async (context: RequestContext, data: string) => {
    const bytes = base64ToBytes(data);
    // A 32-byte value is taken as the SHA-256 digest the caller computed; other data is hashed first.
    const digest = bytes.length === 32 ? bytes : new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
    const result = await call(deps.route, context, 'kyso.signHash', { hash: bytesToBase64(digest), hashAlgorithm: 'SHA-256', description: 'Ký dữ liệu (VNPT-CA signHash)' });
    return result.signature;
  };
  const certificates = async (context: RequestContext) =>
    (await call(deps.route, context, 'kyso.listCertificates', {})).certificates.map((c) => ({
      Base64: c.der, SerialNumber: c.serialNumber.toUpperCase(), SubjectCN: c.subject.commonName ?? '', Issuer: c.issuer.commonName ?? '', NotBefore: c.notBefore, NotAfter: c.notAfter,
    }));

  const result = async (frame: v.InferOutput<typeof VnptFrameSchema>, context: RequestContext): Promise<string> => {
    const args = frame.args ?? [];
    const text = (i: number) => { const a = args[i]; if (typeof a !== 'string' || a.length === 0) throw bad(); return a; };
    try {
      switch (frame.functionID) {
        case VNPT_FUNCTION.checkPlugin: return '1';
        case VNPT_FUNCTION.getVersion: return REPORTED_VERSION;
        case VNPT_FUNCTION.setLicenseKey: return JSON.stringify({ code: 1, data: '', error: '' });
        case VNPT_FUNCTION.GetCertInfo: {
          const [first] = await certificates(context);
          if (!first) throw new KysoError('CERTIFICATE_NOT_FOUND');
          return ok(first);
        }
        case VNPT_FUNCTION.GetAllCertificates: return ok(await certificates(context));
        case VNPT_FUNCTION.signHash: return ok(await rawSign(context, text(0)));
        case VNPT_FUNCTION.signArrData: {
          // Raw signatures of caller data: each is kyso.signHash (opt-in rule; one window per item — the raw path
          // has no batch). Refused for a site without the opt-in on the first item, before any window.
          const list = jsonOrObject(args[0]);
          if (!Array.isArray(list) || list.length === 0 || list.length > 20 || !list.every((d) => typeof d === 'string' && d.length > 0)) throw bad();
          const signatures: string[] = [];
          for (const data of list as string[]) signatures.push(await rawSign(context, data));
          return ok(signatures);
        }
        case VNPT_FUNCTION.SignXML: return ok(await signOne(context, 'xml', text(0), undefined, 'Ký tài liệu XML'));
        case VNPT_FUNCTION.SignCMS: return ok(await signOne(context, 'cms', text(0), { attached: true }, 'Ký thông điệp (CMS)'));
        case VNPT_FUNCTION.SignPDF: {
          const signer = v.safeParse(VnptPdfSignerSchema, jsonOrObject(args[1]));
          return ok(await signOne(context, 'pdf', text(0), pdfOptionsFromSigner(signer.success ? signer.output : undefined), 'Ký tệp PDF'));
        }
        case VNPT_FUNCTION.signArrDataAdvanced: return await signArray(context, args[0]);
        default: return JSON.stringify({ code: -1, data: '', error: `Kyso chưa hỗ trợ chức năng ${frame.functionID} của VNPT-CA Plugin.` });
      }
    } catch (error) {
      return failure(error);
    }
  };

  /** signArrDataAdvanced: every item uploaded, ONE consent and ONE PIN, a JSON array of JSON strings back. */
  const signArray = async (context: RequestContext, raw: unknown): Promise<string> => {
    const list = jsonOrObject(raw);
    if (!Array.isArray(list) || list.length === 0) throw bad();
    const items: PageDocumentItem[] = [];
    for (const [index, entry] of list.entries()) {
      const parsed = v.safeParse(VnptArrItemSchema, jsonOrObject(entry));
      if (!parsed.success) throw bad();
      const type = (parsed.output.type ?? 'pdf').toLowerCase();
      const kind = type === 'pdf' ? 'pdf' : type === 'xml' ? 'xml' : type === 'cms' || type === 'p7s' ? 'cms' : undefined;
      if (!kind) throw new KysoError('UNSUPPORTED_DOCUMENT', { type: type.slice(0, 20) });
      const handle = await uploadToHost(deps.route, context, kind, base64ToBytes(parsed.output.data));
      const pdfSigner = kind === 'pdf' ? v.safeParse(VnptPdfSignerSchema, jsonOrObject(parsed.output.sigOptions)) : undefined;
      items.push({
        kind, handle, fileName: `document-${index + 1}.${kind === 'cms' ? 'bin' : kind}`,
        ...(kind === 'pdf' ? { options: pdfOptionsFromSigner(pdfSigner?.success ? pdfSigner.output : undefined) } : kind === 'cms' ? { options: { attached: true } } : {}),
      } as PageDocumentItem);
    }
    const signed = await signBatch(deps.route, context, items, `Ký ${items.length} tài liệu`);
    return JSON.stringify(signed.outcomes.map((o) => o.ok
      ? JSON.stringify({ code: 0, data: bytesToBase64(o.bytes), error: '' })
      : JSON.stringify({ code: -1, data: '', error: deserializeError(o.error as { code: unknown }).messageVi })));
  };

  return async function handleVnptFrame(text: string, context: RequestContext): Promise<string> {
    let frame;
    try { frame = v.parse(VnptFrameSchema, JSON.parse(text)); } catch { return `${failure(bad())}*callbackDefault`; }
    return `${await result(frame, context)}*${frame.funcCallback ?? 'callbackDefault'}`;
  };
}
