/**
 * The one catalogue of Kyso error codes. Codes are stable strings, grouped by who must act.
 * Every code has a Vietnamese and an English message (what happened) and a hint (what to do).
 * README's "Error codes" section is generated from the same facts; keep them in one place.
 */

/** Who must act to resolve an error. */
export type ErrorActor = 'user' | 'portal' | 'install' | 'token' | 'internal';

export interface ErrorEntry {
  readonly actor: ErrorActor;
  readonly vi: string;
  readonly en: string;
  readonly hintVi: string;
  readonly hintEn: string;
}

const entry = (actor: ErrorActor, vi: string, en: string, hintVi: string, hintEn: string): ErrorEntry =>
  ({ actor, vi, en, hintVi, hintEn });

export const ERROR_CATALOGUE = {
  // ── the person ───────────────────────────────────────────────────────────
  USER_CANCELLED: entry('user',
    'Bạn đã huỷ yêu cầu ký.', 'You cancelled the signing request.',
    'Bấm ký lại nếu bạn muốn ký.', 'Start signing again if you meant to sign.'),
  CONSENT_TIMEOUT: entry('user',
    'Hết thời gian chờ bạn xác nhận.', 'The request timed out waiting for your approval.',
    'Bấm ký lại và xác nhận trong cửa sổ Kyso.', 'Start again and approve in the Kyso window.'),
  PIN_INCORRECT: entry('user',
    'Mã PIN không đúng.', 'The PIN is incorrect.',
    'Nhập lại mã PIN. Nhập sai nhiều lần sẽ khoá thiết bị ký.', 'Enter the PIN again. Too many wrong PINs lock the token.'),
  PIN_LOCKED: entry('user',
    'Thiết bị ký đã bị khoá do nhập sai PIN quá nhiều lần.', 'The token is locked after too many wrong PINs.',
    'Liên hệ tổ chức cấp chứng thư số để mở khoá (dùng PUK/SO PIN).', 'Ask your certificate authority to unlock it (PUK / SO PIN).'),
  PIN_INVALID_FORMAT: entry('user',
    'Mã PIN không hợp lệ (độ dài hoặc ký tự).', 'The PIN has an invalid length or characters.',
    'Kiểm tra lại mã PIN của thiết bị ký.', 'Check the PIN of your token.'),
  PIN_EXPIRED: entry('user',
    'Mã PIN đã hết hạn và cần được đổi.', 'The PIN has expired and must be changed.',
    'Đổi mã PIN bằng phần mềm quản lý thiết bị ký.', 'Change the PIN with the token management tool.'),
  REQUEST_SUPERSEDED: entry('user',
    'Yêu cầu đã bị huỷ vì trang đã đóng hoặc chuyển đi.', 'The request was cancelled because the page closed or navigated away.',
    'Mở lại trang và ký lại.', 'Open the page again and sign again.'),
  DISK_FULL: entry('user',
    'Ổ đĩa đã đầy (hoặc tệp vượt giới hạn kích thước), nên không ghi được tệp đã ký. Tệp gốc không bị thay đổi.',
    'The disk is full (or the file is over a size limit), so the signed file could not be written. The original file is unchanged.',
    'Giải phóng dung lượng đĩa hoặc chọn thư mục khác, rồi ký lại.', 'Free some disk space or choose another folder, then sign again.'),

  // ── the portal developer ─────────────────────────────────────────────────
  BAD_REQUEST: entry('portal',
    'Yêu cầu không hợp lệ.', 'The request is malformed.',
    'Nhà phát triển cổng: kiểm tra tham số theo tài liệu SDK.', 'Portal developer: check the parameters against the SDK documentation.'),
  UNSUPPORTED_VERSION: entry('portal',
    'Phiên bản giao thức không được hỗ trợ.', 'The protocol version is not supported.',
    'Cập nhật SDK Kyso của cổng hoặc tiện ích Kyso.', 'Update the portal\'s Kyso SDK or the Kyso extension.'),
  UNSUPPORTED_ALGORITHM: entry('portal',
    'Thuật toán không được hỗ trợ cho chứng thư số này.', 'The algorithm is not supported for this certificate.',
    'Dùng SHA-256/384/512 với khoá RSA hoặc ECDSA.', 'Use SHA-256/384/512 with an RSA or ECDSA key.'),
  INVALID_HASH: entry('portal',
    'Giá trị băm không hợp lệ (sai độ dài hoặc không phải base64).', 'The hash is invalid (wrong length or not base64).',
    'Gửi giá trị băm dạng base64 đúng độ dài của thuật toán.', 'Send the hash in base64 with the length of its algorithm.'),
  PAYLOAD_TOO_LARGE: entry('portal',
    'Dữ liệu gửi đi quá lớn.', 'The data sent is too large.',
    'Gửi giá trị băm thay vì cả tài liệu, hoặc chia nhỏ.', 'Send a digest instead of the document, or split it.'),
  TOO_MANY_REQUESTS: entry('portal',
    'Có quá nhiều yêu cầu đang chờ.', 'Too many requests are pending.',
    'Chờ yêu cầu trước hoàn tất rồi gửi tiếp.', 'Wait for the previous request to finish.'),
  ORIGIN_NOT_ALLOWED: entry('portal',
    'Trang này chưa được phép yêu cầu chữ ký số.', 'This site is not allowed to request digital signatures.',
    'Quản trị viên thêm trang vào danh sách cho phép, hoặc bạn cho phép trong cửa sổ Kyso.', 'An admin must allow this site, or you allow it in the Kyso window.'),
  ORIGIN_BLOCKED: entry('portal',
    'Trang này đã bị chặn yêu cầu chữ ký số.', 'This site is blocked from requesting digital signatures.',
    'Gỡ chặn trong trang cài đặt Kyso nếu bạn tin trang này.', 'Unblock it in Kyso\'s options if you trust this site.'),
  INSECURE_ORIGIN: entry('portal',
    'Trang không dùng kết nối an toàn (https).', 'The page does not use a secure (https) connection.',
    'Cổng phải chạy trên https.', 'The portal must be served over https.'),
  OPERATION_NOT_ALLOWED: entry('portal',
    'Trang này không được phép thực hiện thao tác này.', 'This site is not allowed to perform this operation.',
    'Quản trị viên cấp quyền thao tác cho trang trong chính sách (khoá operations). Riêng ký giá trị băm (signHash) phải được bật cho đúng trang này: quản trị viên ghi signHash trong operations, hoặc người dùng bật trong trang Cài đặt của Kyso.',
    'An admin must grant the operation to this site in policy (the operations key). Raw-hash signing (signHash) must be enabled for this exact site: an admin lists signHash in operations, or the person enables it on Kyso\'s options page.'),
  CERTIFICATE_NOT_FOUND: entry('portal',
    'Không tìm thấy chứng thư số yêu cầu.', 'The requested certificate was not found.',
    'Cắm thiết bị ký có chứng thư số này, hoặc chọn chứng thư khác.', 'Plug in the token that holds it, or pick another certificate.'),
  UNEXPECTED_SIGNER: entry('portal',
    'Chứng thư số được chọn không phải của người ký mà cổng yêu cầu.', 'The chosen certificate is not the signer the portal expects.',
    'Chọn đúng chứng thư số của đơn vị/người ký được yêu cầu.', 'Pick the certificate of the expected signer.'),
  CERTIFICATE_NOT_USABLE: entry('portal',
    'Chứng thư số không dùng để ký được (hết hạn, chưa đến ngày hiệu lực, hoặc sai mục đích sử dụng).', 'The certificate cannot sign (expired, not valid yet, or wrong key usage).',
    'Chọn chứng thư số còn hạn, dùng cho ký số. Chứng thư "chưa đến ngày hiệu lực": kiểm tra ngày giờ của máy tính.', 'Pick a valid signing certificate. "Not valid yet": check the computer\'s date and time.'),
  INVALID_DOCUMENT: entry('portal',
    'Tài liệu không hợp lệ hoặc bị hỏng.', 'The document is invalid or damaged.',
    'Kiểm tra tệp tài liệu rồi thử lại.', 'Check the document file and try again.'),
  XML_AMBIGUOUS_CONTENT: entry('portal',
    'Phần sẽ được ký của tài liệu XML có TTChung, NDHDon hoặc TToan nhiều hơn một lần: không thể hiển thị chắc chắn nội dung sẽ ký.',
    'The part of the XML document to be signed holds TTChung, NDHDon or TToan more than once, so what it says cannot be shown for certain.',
    'Gửi tài liệu mà phần được ký chỉ có một TTChung, một NDHDon và một TToan.', 'Send a document whose signed part holds one TTChung, one NDHDon and one TToan.'),
  UNSUPPORTED_DOCUMENT: entry('portal',
    'Định dạng tài liệu không được hỗ trợ.', 'The document format is not supported.',
    'Dùng PDF, XML hoặc dữ liệu CMS được hỗ trợ.', 'Use a supported PDF, XML or CMS input.'),
  // The sender of the document must act: its file reads differently in different readers (shadow objects,
  // a cross-reference that does not match the objects); signing it could sign content the person never saw.
  DOCUMENT_AMBIGUOUS: entry('portal',
    'Tệp PDF có nội dung ẩn hoặc cấu trúc mâu thuẫn: các trình xem khác nhau có thể hiển thị nội dung khác nhau. Kyso từ chối ký.',
    'The PDF has hidden content or a contradictory structure: different viewers may show different content. Kyso refuses to sign it.',
    'Đề nghị người gửi lưu lại tệp bằng phần mềm PDF (để ghi lại cấu trúc), kiểm tra nội dung rồi gửi lại.',
    'Ask the sender to re-save the file with PDF software (which rewrites its structure), check its content and send it again.'),

  TIMESTAMP_FAILED: entry('portal',
    'Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian (TSA).', 'No timestamp could be obtained from the timestamp server (TSA).',
    'Kiểm tra địa chỉ TSA và kết nối mạng, hoặc ký không kèm dấu thời gian.', 'Check the TSA URL and the network, or sign without a timestamp.'),
  VALIDATION_DATA_UNAVAILABLE: entry('portal',
    'Không lấy được dữ liệu kiểm tra thu hồi (OCSP/CRL) để lưu kèm chữ ký dài hạn.', 'The revocation data (OCSP/CRL) for a long-term signature could not be obtained.',
    'Kiểm tra kết nối mạng tới máy chủ OCSP/CRL của tổ chức cấp chứng thư rồi thử lại, hoặc ký ở mức B-T.', 'Check the network path to the CA\'s OCSP/CRL servers and try again, or sign at level B-T.'),
  AUTH_TOKEN_INVALID: entry('portal',
    'Mã đăng nhập bằng chữ ký số không hợp lệ (sai trang, sai mã thử thách, chữ ký sai hoặc chứng thư số không được tin cậy).',
    'The sign-in token is invalid (wrong site, wrong challenge, bad signature or untrusted certificate).',
    'Từ chối đăng nhập; tạo mã thử thách mới và yêu cầu người dùng đăng nhập lại. Xem details.reason.',
    'Refuse the sign-in; issue a fresh challenge and ask the person to sign in again. See details.reason.'),

  // ── installation ─────────────────────────────────────────────────────────
  EXTENSION_NOT_INSTALLED: entry('install',
    'Chưa cài tiện ích Kyso trên trình duyệt.', 'The Kyso browser extension is not installed.',
    'Cài tiện ích Kyso rồi tải lại trang.', 'Install the Kyso extension and reload the page.'),
  HOST_NOT_INSTALLED: entry('install',
    'Chưa cài phần mềm ký số Kyso trên máy.', 'The Kyso signing host is not installed on this computer.',
    'Cài phần mềm Kyso (kyso install) rồi thử lại.', 'Install the Kyso host (kyso install) and try again.'),
  HOST_DISCONNECTED: entry('install',
    'Phần mềm ký số Kyso đã dừng bất ngờ.', 'The Kyso signing host stopped unexpectedly.',
    'Thử lại; nếu lặp lại, chạy "kyso doctor" hoặc báo quản trị viên.', 'Try again; if it repeats, run "kyso doctor" or tell your admin.'),
  VERSION_MISMATCH: entry('install',
    'Phiên bản tiện ích và phần mềm Kyso không khớp.', 'The Kyso extension and host versions do not match.',
    'Cập nhật cả tiện ích và phần mềm Kyso.', 'Update both the Kyso extension and host.'),
  PKCS11_MODULE_NOT_FOUND: entry('install',
    'Không tải được thư viện PKCS#11 của thiết bị ký.', 'The token\'s PKCS#11 library could not be loaded.',
    'Cài trình điều khiển thiết bị ký, hoặc đặt KYSO_PKCS11_MODULE đúng đường dẫn.', 'Install the token driver, or set KYSO_PKCS11_MODULE to its path.'),
  CALLER_NOT_ALLOWED: entry('install',
    'Phần mềm Kyso từ chối tiện ích gọi đến.', 'The Kyso host refused the calling extension.',
    'Cài lại Kyso để đăng ký đúng tiện ích.', 'Reinstall Kyso so the right extension is registered.'),

  // ── the token ────────────────────────────────────────────────────────────
  TOKEN_NOT_PRESENT: entry('token',
    'Không tìm thấy thiết bị ký (USB token).', 'No token (USB token) was found.',
    'Cắm thiết bị ký vào máy rồi thử lại.', 'Plug in your token and try again.'),
  TOKEN_REMOVED: entry('token',
    'Thiết bị ký đã bị rút ra trong khi đang ký.', 'The token was removed while signing.',
    'Cắm lại thiết bị ký và ký lại.', 'Plug the token back in and sign again.'),
  KEY_NOT_FOUND: entry('token',
    'Không tìm thấy khoá bí mật đi kèm chứng thư số.', 'The private key for this certificate was not found.',
    'Kiểm tra thiết bị ký hoặc liên hệ tổ chức cấp chứng thư.', 'Check the token or contact your certificate authority.'),
  MECHANISM_NOT_SUPPORTED: entry('token',
    'Thiết bị ký không hỗ trợ thuật toán ký này.', 'The token does not support this signing mechanism.',
    'Chọn thuật toán khác hoặc thiết bị ký khác.', 'Use another algorithm or token.'),
  TOKEN_NOT_RESPONDING: entry('token',
    'Thiết bị ký không phản hồi.', 'The token did not answer.',
    'Rút thiết bị ký ra, cắm lại rồi ký lại; nếu lặp lại, chạy "kyso doctor".', 'Unplug the token, plug it back in and sign again; if it repeats, run "kyso doctor".'),
  TOKEN_ERROR: entry('token',
    'Thiết bị ký báo lỗi.', 'The token reported an error.',
    'Rút ra cắm lại thiết bị ký; nếu lặp lại, báo quản trị viên.', 'Unplug and replug the token; if it repeats, tell your admin.'),

  // ── internal ─────────────────────────────────────────────────────────────
  TIMEOUT: entry('internal',
    'Hết thời gian chờ phản hồi.', 'The request timed out.',
    'Thử lại. Nếu lặp lại, chạy "kyso doctor".', 'Try again. If it repeats, run "kyso doctor".'),
  PROTOCOL_ERROR: entry('internal',
    'Thông điệp không đúng giao thức.', 'A message broke the protocol.',
    'Cập nhật Kyso; nếu lặp lại, báo lỗi cho nhóm phát triển.', 'Update Kyso; if it repeats, report it to the developers.'),
  FRAME_TOO_LARGE: entry('internal',
    'Thông điệp vượt quá kích thước cho phép.', 'A message exceeded the allowed size.',
    'Gửi dữ liệu nhỏ hơn.', 'Send less data.'),
  HISTORY_WRITE_FAILED: entry('internal',
    'Không ghi được lịch sử ký, nên chữ ký không được trả về.', 'The signing history could not be written, so the signature was not returned.',
    'Kiểm tra dung lượng đĩa và quyền ghi thư mục dữ liệu của Kyso, rồi ký lại.', 'Check free disk space and that Kyso\'s data folder is writable, then sign again.'),
  INTERNAL_ERROR: entry('internal',
    'Lỗi nội bộ của Kyso.', 'Kyso had an internal error.',
    'Thử lại; nếu lặp lại, gửi nhật ký cho quản trị viên.', 'Try again; if it repeats, send the log to your admin.'),
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOGUE, value);
}
