/**
 * Reasons that trust evaluation and signature verification give, with Vietnamese and English text. These are
 * findings about a document or certificate, not errors of Kyso (those are in shared/errors/catalogue.ts).
 */
export const REASONS = {
  // ── chain ──
  CHAIN_UNTRUSTED_ROOT: { vi: 'Chứng thư số không thuộc tổ chức cấp chứng thư được tin cậy.', en: 'The certificate does not chain to a trusted root.' },
  CHAIN_INCOMPLETE: { vi: 'Không tìm được chứng thư số của tổ chức cấp (chuỗi không đầy đủ).', en: 'The issuing CA certificate could not be found (incomplete chain).' },
  CHAIN_BAD_SIGNATURE: { vi: 'Chữ ký của tổ chức cấp trên chứng thư số không hợp lệ.', en: 'A certificate in the chain has an invalid issuer signature.' },
  CERT_EXPIRED: { vi: 'Chứng thư số đã hết hạn tại thời điểm kiểm tra.', en: 'A certificate had expired at the time checked.' },
  CERT_NOT_YET_VALID: { vi: 'Chứng thư số chưa có hiệu lực tại thời điểm kiểm tra.', en: 'A certificate was not yet valid at the time checked.' },
  CA_NOT_AUTHORISED: { vi: 'Chứng thư số cấp trên không được phép cấp chứng thư (không phải CA).', en: 'An issuing certificate is not allowed to issue certificates (not a CA).' },
  CA_PATH_LENGTH: { vi: 'Chuỗi chứng thư dài hơn mức tổ chức cấp cho phép.', en: 'The chain is longer than a CA allows (pathLenConstraint).' },
  SIGNER_KEY_USAGE: { vi: 'Chứng thư số của người ký không dùng để ký số.', en: 'The signer\'s certificate is not meant for signing (key usage).' },
  // ── revocation ──
  REVOKED: { vi: 'Chứng thư số đã bị thu hồi.', en: 'The certificate has been revoked.' },
  REVOCATION_UNKNOWN: { vi: 'Máy chủ kiểm tra không biết chứng thư số này.', en: 'The revocation service does not know this certificate.' },
  REVOCATION_NOT_CHECKED: { vi: 'Không kiểm tra được tình trạng thu hồi.', en: 'Revocation status could not be checked.' },
  REVOCATION_SKIPPED: { vi: 'Đã bỏ qua kiểm tra thu hồi theo yêu cầu.', en: 'Revocation checking was turned off.' },
  // ── signature ──
  SIGNATURE_INVALID: { vi: 'Chữ ký số không hợp lệ.', en: 'The signature value is invalid.' },
  CONTENT_MODIFIED: { vi: 'Nội dung đã bị thay đổi sau khi ký.', en: 'The content was changed after signing.' },
  CONTENT_MISSING: { vi: 'Thiếu nội dung đã ký (chữ ký tách rời cần tệp gốc).', en: 'The signed content is missing (a detached signature needs the original file).' },
  SIGNER_CERT_MISSING: { vi: 'Không tìm thấy chứng thư số của người ký trong chữ ký.', en: 'The signer\'s certificate is not in the signature.' },
  UNSUPPORTED_ALGORITHM: { vi: 'Thuật toán ký không được hỗ trợ.', en: 'The signature algorithm is not supported.' },
  SIGNER_EXPIRED_AT_SIGNING: { vi: 'Chứng thư số của người ký đã hết hạn vào thời điểm ký.', en: 'The signer\'s certificate had expired at signing time.' },
  SIGNER_NOT_YET_VALID_AT_SIGNING: { vi: 'Chứng thư số của người ký chưa có hiệu lực vào thời điểm ký.', en: 'The signer\'s certificate was not yet valid at signing time.' },
  SIGNING_CERT_MISMATCH: { vi: 'Thuộc tính chứng thư ký (signingCertificate) không khớp.', en: 'The signing-certificate attribute does not match the certificate.' },
  WEAK_ALGORITHM: { vi: 'Chữ ký dùng thuật toán yếu (SHA-1 hoặc khóa RSA dưới 2048 bit), không còn được coi là an toàn.', en: 'The signature uses a weak algorithm (SHA-1 or an RSA key under 2048 bits), no longer considered safe.' },
  WEAK_ALGORITHM_ACCEPTED: { vi: 'Chữ ký dùng thuật toán yếu, được chấp nhận theo chính sách kiểm tra đã chọn.', en: 'The signature uses a weak algorithm, accepted by the chosen verification policy.' },
  TIMESTAMP_INVALID: { vi: 'Dấu thời gian không hợp lệ.', en: 'The timestamp is invalid.' },
  // ── PDF ──
  PDF_BYTE_RANGE_INVALID: { vi: 'Vùng ký (ByteRange) của PDF không hợp lệ.', en: 'The PDF signature ByteRange is invalid.' },
  PDF_MODIFIED_AFTER_SIGNING: { vi: 'Tệp PDF có thêm dữ liệu sau dấu kết thúc (%%EOF) không thuộc phiên bản nào của tài liệu.', en: 'The PDF file has bytes after its last %%EOF that belong to no revision of the document.' },
  PDF_DISALLOWED_CHANGE: { vi: 'Tài liệu PDF bị thay đổi sau khi ký theo cách không được phép.', en: 'The PDF was changed after this signature in a way that is not allowed.' },
  PDF_ALLOWED_CHANGE: { vi: 'Sau chữ ký này tài liệu có thêm thay đổi được phép (chữ ký, dấu thời gian, dữ liệu kiểm tra, điền biểu mẫu).', en: 'Allowed changes were made after this signature (signatures, timestamps, validation data, form filling).' },
  PDF_STRUCTURE_INCONSISTENT: { vi: 'Cấu trúc PDF không nhất quán: có đối tượng ẩn mà trình xem có thể hiển thị khác nhau.', en: 'The PDF structure is inconsistent: it has hidden object definitions that viewers may show differently.' },
  CMS_CONTENT_IS_PDF: { vi: 'Nội dung được ký trong tệp CMS là một tài liệu PDF.', en: 'The content signed in this CMS file is a PDF document.' },
  PDF_NO_SIGNATURES: { vi: 'Tài liệu PDF không có chữ ký số.', en: 'The PDF has no signatures.' },
  // ── XML ──
  XML_REFERENCE_DIGEST: { vi: 'Giá trị băm của phần dữ liệu được ký không khớp.', en: 'A signed reference\'s digest does not match.' },
  XML_SIGNATURE_WRAPPING: { vi: 'Phần dữ liệu được ký không nằm ở vị trí mà ứng dụng đọc (nghi giả mạo bằng cách bọc chữ ký).', en: 'The signed element is not where applications read the data (possible signature wrapping).' },
  XML_DUPLICATE_ID: { vi: 'Mã định danh (Id) của phần được ký xuất hiện nhiều lần.', en: 'The Id of a signed element occurs more than once.' },
  XML_REQUIRED_ELEMENT_NOT_COVERED: { vi: 'Chữ ký không bao phủ phần dữ liệu bắt buộc.', en: 'The signature does not cover the element that must be signed.' },
  XML_NO_SIGNATURES: { vi: 'Tài liệu XML không có chữ ký số.', en: 'The XML document has no signatures.' },
  XML_DTD_REFUSED: { vi: 'Tài liệu XML có DTD, bị từ chối vì lý do an toàn.', en: 'The XML document has a DTD, refused for safety.' },
  XML_NO_CERTIFICATE: { vi: 'Chữ ký XML không kèm chứng thư số (KeyInfo/X509Data).', en: 'The XML signature carries no certificate (KeyInfo/X509Data).' },
} as const satisfies Record<string, { vi: string; en: string }>;

export type ReasonCode = keyof typeof REASONS;

export interface Reason {
  readonly code: ReasonCode;
  readonly vi: string;
  readonly en: string;
  /** Extra facts (a date, a certificate subject), never a path or a secret. */
  readonly detail?: string;
}

export function reason(code: ReasonCode, detail?: string): Reason {
  return { code, ...REASONS[code], ...(detail !== undefined ? { detail } : {}) };
}
