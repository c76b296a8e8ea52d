/** VNPT-CA Plugin frames (vnpt-plugin.js; research vn-signing-domain.md §1.2), validated before use. */
import * as v from 'valibot';
import { DOCUMENT_BATCH_MAX } from '../../shared/limits.js';

export const VNPT_FUNCTION = {
  GetCertInfo: 0, SignXML: 1, SignPDF: 2, SignCMS: 4, setLicenseKey: 6, checkPlugin: 7, signArrData: 8, signHash: 9,
  signArrDataAdvanced: 10, getVersion: 11, GetAllCertificates: 45,
} as const;

/** `{functionID, funcCallback, args, domain}`; `domain` is the page's own claim and is ignored (origin from the browser). */
export const VnptFrameSchema = v.object({
  functionID: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1000)),
  funcCallback: v.optional(v.pipe(v.string(), v.maxLength(100), v.regex(/^[A-Za-z_$][\w$.]*$/))),
  args: v.optional(v.pipe(v.array(v.unknown()), v.maxLength(DOCUMENT_BATCH_MAX + 10))),
  domain: v.optional(v.string()),
});
export type VnptFrame = v.InferOutput<typeof VnptFrameSchema>;

const Num = v.optional(v.union([v.number(), v.pipe(v.string(), v.maxLength(20))]));
const Text = (max: number) => v.optional(v.pipe(v.string(), v.maxLength(max)));

/** The `PdfSigner` appearance fields Kyso maps (others are accepted and ignored). */
export const VnptPdfSignerSchema = v.object({
  page: Num, llx: Num, lly: Num, urx: Num, ury: Num,
  Signer: Text(200), SignerPosition: Text(200), Description: Text(200), SigningTime: Text(40),
  ImageBase64: Text(700_000), SigVisible: v.optional(v.union([v.boolean(), v.string()])),
});
export type VnptPdfSigner = v.InferOutput<typeof VnptPdfSignerSchema>;

/** One item of signArrDataAdvanced: a JSON string `{data, type, sigOptions}`. */
export const VnptArrItemSchema = v.object({
  data: v.pipe(v.string(), v.minLength(1)),
  type: v.optional(v.pipe(v.string(), v.maxLength(20))),
  sigOptions: v.optional(v.union([v.string(), v.record(v.string(), v.unknown())])),
});
