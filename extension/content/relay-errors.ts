/**
 * The few errors the content script answers by itself, serialized as the SDK expects (code, Vietnamese and English
 * message, details). The messages are the catalogue's own (shared/errors/catalogue.ts; unit test
 * content-relay-size.test.ts keeps them equal): the catalogue is 14 KB of text for ~60 codes, and this script is
 * injected into every frame of every site, so it carries only these five.
 */
import type { ErrorCode } from '../../shared/errors/catalogue.js';
import type { ErrorDetails } from '../../shared/errors/kyso-error.js';

export type RelayErrorCode = Extract<ErrorCode, 'BAD_REQUEST' | 'UNSUPPORTED_VERSION' | 'PAYLOAD_TOO_LARGE' | 'TOO_MANY_REQUESTS' | 'INTERNAL_ERROR'>;

export const RELAY_ERROR_TEXT: Readonly<Record<RelayErrorCode, { readonly vi: string; readonly en: string }>> = {
  BAD_REQUEST: { vi: 'Yêu cầu không hợp lệ.', en: 'The request is malformed.' },
  UNSUPPORTED_VERSION: { vi: 'Phiên bản giao thức không được hỗ trợ.', en: 'The protocol version is not supported.' },
  PAYLOAD_TOO_LARGE: { vi: 'Dữ liệu gửi đi quá lớn.', en: 'The data sent is too large.' },
  TOO_MANY_REQUESTS: { vi: 'Có quá nhiều yêu cầu đang chờ.', en: 'Too many requests are pending.' },
  INTERNAL_ERROR: { vi: 'Lỗi nội bộ của Kyso.', en: 'Kyso had an internal error.' },
};

export interface RelayError {
  readonly code: RelayErrorCode;
  readonly message: string;
  readonly messageEn: string;
  readonly details?: ErrorDetails;
}

export function relayError(code: RelayErrorCode, details?: ErrorDetails): RelayError {
  const text = RELAY_ERROR_TEXT[code];
  return { code, message: text.vi, messageEn: text.en, ...(details ? { details } : {}) };
}
