/**
 * The token's answers that end a signing but are said in the consent window itself (issue 13, real tokens): an
 * expired PIN, a token that locked on the last wrong try, a token pulled out or gone silent. Before, the window
 * closed at once and the message reached the person only through the portal page — a page that shows nothing
 * left an older official with a window that simply vanished. Now the page gets the same typed error at once and
 * the window stays, with no PIN field and no Approve, saying what happened and what to do next until the person
 * closes it (extension/background/consent/consent-broker.ts, consent.ts).
 *
 * Only the codes below stay on screen: for each the window has something plain and specific to say. Any other
 * error that ends a signing still closes the window, as before. Vietnamese first (the default), English second.
 */
import type { ErrorCode } from '../../../shared/errors/catalogue.js';
import type { UiLanguage } from './consent-text.js';

export interface FinalErrorWords {
  /** What happened, in a few words (the box's heading). */
  readonly title: string;
  /** What it means for this signature. */
  readonly explanation: string;
  /** What to do next. */
  readonly nextStep: string;
}

const WORDS = {
  PIN_EXPIRED: {
    vi: {
      title: 'Mã PIN của thiết bị ký đã hết hạn',
      explanation: 'Thiết bị ký yêu cầu đổi mã PIN trước khi ký. Chưa có gì được ký.',
      nextStep: 'Hãy đổi mã PIN bằng phần mềm quản lý thiết bị ký (phần mềm đi kèm USB token của nhà cung cấp chứng thư số), rồi quay lại trang web và ký lại.',
    },
    en: {
      title: "The token's PIN has expired",
      explanation: 'The token asks for a new PIN before it signs. Nothing was signed.',
      nextStep: "Change the PIN with the token's management program (the one that came with the USB token from your certificate provider), then go back to the web page and sign again.",
    },
  },
  PIN_LOCKED: {
    vi: {
      title: 'Thiết bị ký đã bị khoá',
      explanation: 'Mã PIN đã bị nhập sai quá số lần cho phép, nên thiết bị ký đã tự khoá. Chưa có gì được ký. Đừng nhập lại mã PIN: thiết bị không nhận nữa.',
      nextStep: 'Liên hệ nhà cung cấp chứng thư số (CA) để được mở khoá, hoặc dùng mã PUK trong phần mềm quản lý thiết bị ký nếu bạn có. Sau đó quay lại trang web và ký lại.',
    },
    en: {
      title: 'The token is locked',
      explanation: 'The PIN was entered wrongly too many times, so the token locked itself. Nothing was signed. Do not type the PIN again: the token no longer accepts it.',
      nextStep: "Contact your certificate provider (CA) to unlock it, or use the PUK in the token's management program if you have one. Then go back to the web page and sign again.",
    },
  },
  TOKEN_REMOVED: {
    vi: {
      title: 'Thiết bị ký đã bị rút ra',
      explanation: 'Thiết bị ký (USB token) bị rút ra hoặc mất kết nối trong khi ký, nên việc ký không hoàn tất.',
      nextStep: 'Cắm lại thiết bị ký vào máy, chờ vài giây, rồi quay lại trang web và ký lại.',
    },
    en: {
      title: 'The token was removed',
      explanation: 'The token (USB token) was pulled out or lost its connection while signing, so the signing did not finish.',
      nextStep: 'Plug the token back in, wait a few seconds, then go back to the web page and sign again.',
    },
  },
  TOKEN_NOT_PRESENT: {
    vi: {
      title: 'Không thấy thiết bị ký',
      explanation: 'Không tìm thấy thiết bị ký (USB token) khi bắt đầu ký, nên văn bản chưa được ký.',
      nextStep: 'Cắm thiết bị ký vào máy, chờ vài giây, rồi quay lại trang web và ký lại.',
    },
    en: {
      title: 'No token found',
      explanation: 'No token (USB token) was found when signing started, so nothing was signed.',
      nextStep: 'Plug the token in, wait a few seconds, then go back to the web page and sign again.',
    },
  },
  TOKEN_NOT_RESPONDING: {
    vi: {
      title: 'Thiết bị ký không phản hồi',
      explanation: 'Thiết bị ký không trả lời trong thời gian cho phép, nên việc ký không hoàn tất.',
      nextStep: 'Rút thiết bị ký ra, cắm lại, chờ vài giây, rồi quay lại trang web và ký lại. Nếu vẫn lỗi, hãy khởi động lại máy tính hoặc báo bộ phận hỗ trợ kỹ thuật.',
    },
    en: {
      title: 'The token did not answer',
      explanation: 'The token did not answer in time, so the signing did not finish.',
      nextStep: 'Unplug the token, plug it back in, wait a few seconds, then go back to the web page and sign again. If it happens again, restart the computer or tell your IT support.',
    },
  },
} as const satisfies Partial<Record<ErrorCode, Record<UiLanguage, FinalErrorWords>>>;

export type FinalErrorCode = keyof typeof WORDS;

/** Close button and the line that names the code (for the help desk). */
export const FINAL_ERROR_UI = {
  vi: { close: 'Đóng', code: 'Mã lỗi', pageTold: 'Trang web cũng đã được báo lỗi này.' },
  en: { close: 'Close', code: 'Error code', pageTold: 'The web page has been told as well.' },
} as const satisfies Record<UiLanguage, Record<string, string>>;

/** Whether an error that ends a signing is said in the window (which then stays) rather than closing it. */
export function staysInWindow(code: string): code is FinalErrorCode {
  return Object.hasOwn(WORDS, code);
}

export function finalErrorWords(code: FinalErrorCode, language: UiLanguage): FinalErrorWords {
  return WORDS[code][language];
}
