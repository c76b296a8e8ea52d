/** Options page text, Vietnamese first. Problem messages explain what to fix in an allowlist entry. */
import type { PolicyProblem } from '../../background/access/managed-policy.js';
import type { UserOriginProblem } from '../../background/access/user-allowlist.js';

export type UiLanguage = 'vi' | 'en';

type ProblemCode = UserOriginProblem | PolicyProblem['problem'];

interface OptionsText {
  readonly title: string;
  readonly otherLanguage: string;
  readonly policyHeading: string;
  readonly policyNone: string;
  readonly policyAllowed: string;
  readonly policyBlocked: string;
  readonly policyOperations: string;
  readonly policyAllOperations: string;
  readonly policyNoOperations: string;
  readonly policyUserOriginsYes: string;
  readonly policyUserOriginsNo: string;
  readonly policyProblems: string;
  readonly empty: string;
  readonly userHeading: string;
  readonly userNone: string;
  readonly allowed: string;
  readonly blocked: string;
  readonly addedAt: string;
  readonly change: string;
  readonly remove: string;
  readonly addLabel: string;
  readonly addPlaceholder: string;
  readonly addAllow: string;
  readonly addBlock: string;
  readonly add: string;
  readonly userOriginsDisabled: string;
  readonly policyBlocksThis: string;
  readonly saveFailed: string;
  /** Raw-hash signing (signHash) section: the opt-in and its warning. */
  readonly rawHeading: string;
  readonly rawWarning: string;
  readonly rawPolicyGranted: string;
  readonly rawNone: string;
  readonly rawLabel: string;
  readonly rawUnderstood: string;
  readonly rawAdd: string;
  readonly rawRemove: string;
  readonly rawNotUnderstood: string;
  readonly rawDisabledByPolicy: string;
  readonly rawPolicyGovernsThis: string;
  readonly problems: Readonly<Record<ProblemCode, string>>;
}

export const TEXT: Readonly<Record<UiLanguage, OptionsText>> = {
  vi: {
    title: 'Kyso — Cài đặt trang được phép ký số',
    otherLanguage: 'English',
    policyHeading: 'Do tổ chức của bạn thiết lập',
    policyNone: 'Tổ chức của bạn chưa thiết lập chính sách cho Kyso.',
    policyAllowed: 'Trang được phép',
    policyBlocked: 'Trang bị chặn',
    policyOperations: 'Thao tác được phép theo trang',
    policyAllOperations: 'Các trang khác: mọi thao tác, trừ ký giá trị băm (signHash) — thao tác này phải được bật riêng cho từng trang.',
    policyNoOperations: '(không thao tác nào)',
    policyUserOriginsYes: 'Bạn được tự cho phép thêm trang khác.',
    policyUserOriginsNo: 'Bạn không được tự cho phép thêm trang khác.',
    policyProblems: 'Mục chính sách bị bỏ qua vì không hợp lệ',
    empty: '(trống)',
    userHeading: 'Trang bạn đã cho phép / chặn',
    userNone: 'Bạn chưa cho phép hay chặn trang nào.',
    allowed: 'Cho phép',
    blocked: 'Chặn',
    addedAt: 'Thêm lúc',
    change: 'Đổi',
    remove: 'Xoá',
    addLabel: 'Thêm trang (ví dụ https://dichvucong.gov.vn)',
    addPlaceholder: 'https://…',
    addAllow: 'Cho phép',
    addBlock: 'Chặn',
    add: 'Thêm',
    userOriginsDisabled: 'Tổ chức của bạn không cho phép tự thêm trang được phép; bạn vẫn có thể chặn trang.',
    policyBlocksThis: 'Tổ chức của bạn đã chặn trang này.',
    saveFailed: 'Không lưu được. Thử lại.',
    rawHeading: 'Ký giá trị băm (signHash, signHashes) — chỉ bật khi tổ chức yêu cầu',
    rawWarning: 'Cảnh báo: bật mục này cho phép trang ký một giá trị băm bất kỳ bằng thiết bị ký số của bạn. '
      + 'Không ai đọc được giá trị đó là gì: nó có thể là một văn bản bất kỳ, hoặc một lần đăng nhập. '
      + 'Chữ ký như vậy có thể dùng để đăng nhập thay bạn ở bất kỳ trang nào. '
      + 'Chỉ bật cho đúng trang mà tổ chức của bạn yêu cầu, sau khi đã kiểm tra kỹ địa chỉ trang.',
    rawPolicyGranted: 'Do tổ chức của bạn bật:',
    rawNone: 'Chưa trang nào được bạn bật ký giá trị băm.',
    rawLabel: 'Bật cho một trang (nhập đúng địa chỉ, ví dụ https://ky.congty.vn)',
    rawUnderstood: 'Tôi hiểu rằng chữ ký giá trị băm có thể dùng để đăng nhập thay tôi ở bất kỳ trang nào.',
    rawAdd: 'Bật ký giá trị băm cho trang này',
    rawRemove: 'Tắt',
    rawNotUnderstood: 'Hãy đọc cảnh báo và đánh dấu ô xác nhận trước.',
    rawDisabledByPolicy: 'Tổ chức của bạn không cho phép tự bật; chỉ quản trị viên bật được (khoá operations trong chính sách).',
    rawPolicyGovernsThis: 'Chính sách của tổ chức đã quy định thao tác cho trang này; chỉ quản trị viên bật được.',
    problems: {
      'empty': 'Hãy nhập địa chỉ trang.',
      'too-long': 'Địa chỉ quá dài.',
      'not-a-url': 'Không phải địa chỉ trang hợp lệ. Nhập dạng https://ten-mien.gov.vn',
      'opaque-origin': 'Loại địa chỉ này (blob:, data:, file:, about:) không thể yêu cầu ký số.',
      'unsupported-scheme': 'Chỉ hỗ trợ địa chỉ https://.',
      'insecure-scheme': 'Trang phải dùng https:// (http chỉ dùng cho localhost khi phát triển).',
      'has-userinfo': 'Bỏ phần tên đăng nhập/mật khẩu (…@) khỏi địa chỉ.',
      'has-path': 'Chỉ nhập tên miền, không kèm đường dẫn (bỏ phần sau dấu /).',
      'has-query': 'Bỏ phần sau dấu ? khỏi địa chỉ.',
      'has-fragment': 'Bỏ phần sau dấu # khỏi địa chỉ.',
      'bad-host': 'Tên miền không hợp lệ.',
      'bad-pattern': 'Mẫu không hợp lệ: chỉ dùng * cho cả nhãn đầu tiên, ví dụ https://*.gov.vn',
      'pattern-too-broad': 'Mẫu quá rộng: cần ít nhất hai nhãn sau *., ví dụ https://*.gov.vn',
      'pattern-not-allowed': 'Chỉ nhập một trang cụ thể; mẫu * chỉ dành cho quản trị viên.',
      'not-a-list': 'Giá trị phải là danh sách.',
      'not-a-boolean': 'Giá trị phải là true hoặc false.',
      'not-an-object': 'Giá trị phải là một đối tượng (trang → danh sách thao tác).',
      'unknown-operation': 'Tên thao tác không có trong danh sách signHash, signPdf, signXml, signCms, authenticate, listCertificates, verify.',
      'too-many-entries': 'Quá nhiều mục; chỉ 1000 mục đầu được dùng.',
    },
  },
  en: {
    title: 'Kyso — Sites allowed to request signatures',
    otherLanguage: 'Tiếng Việt',
    policyHeading: 'Set by your organisation',
    policyNone: 'Your organisation has not set a policy for Kyso.',
    policyAllowed: 'Allowed sites',
    policyBlocked: 'Blocked sites',
    policyOperations: 'Allowed operations per site',
    policyAllOperations: 'Other sites: all operations except raw-hash signing (signHash), which must be enabled for each site.',
    policyNoOperations: '(no operations)',
    policyUserOriginsYes: 'You may allow other sites yourself.',
    policyUserOriginsNo: 'You may not allow other sites yourself.',
    policyProblems: 'Policy entries ignored because they are invalid',
    empty: '(none)',
    userHeading: 'Sites you allowed / blocked',
    userNone: 'You have not allowed or blocked any site.',
    allowed: 'Allowed',
    blocked: 'Blocked',
    addedAt: 'Added',
    change: 'Change',
    remove: 'Remove',
    addLabel: 'Add a site (e.g. https://dichvucong.gov.vn)',
    addPlaceholder: 'https://…',
    addAllow: 'Allow',
    addBlock: 'Block',
    add: 'Add',
    userOriginsDisabled: 'Your organisation does not let you allow sites yourself; you can still block sites.',
    policyBlocksThis: 'Your organisation has blocked this site.',
    saveFailed: 'Could not save. Try again.',
    rawHeading: 'Raw-hash signing (signHash, signHashes) — enable only when your organisation requires it',
    rawWarning: 'Warning: this lets the site have your token sign any hash value. '
      + 'Nobody can read what that value is: it could be any document, or a sign-in. '
      + 'Such a signature can be used to sign in as you on any site. '
      + 'Enable it only for the exact site your organisation requires, after checking its address carefully.',
    rawPolicyGranted: 'Enabled by your organisation:',
    rawNone: 'You have not enabled raw-hash signing for any site.',
    rawLabel: 'Enable for one site (type the exact address, e.g. https://sign.company.vn)',
    rawUnderstood: 'I understand that a raw-hash signature can be used to sign in as me on any site.',
    rawAdd: 'Enable raw-hash signing for this site',
    rawRemove: 'Turn off',
    rawNotUnderstood: 'Read the warning and tick the box first.',
    rawDisabledByPolicy: 'Your organisation does not let you enable this; only an administrator can (the operations policy key).',
    rawPolicyGovernsThis: 'Your organisation\'s policy sets the operations for this site; only an administrator can enable it.',
    problems: {
      'empty': 'Type the site address.',
      'too-long': 'The address is too long.',
      'not-a-url': 'Not a valid site address. Type it like https://domain.gov.vn',
      'opaque-origin': 'Addresses of this kind (blob:, data:, file:, about:) cannot request signatures.',
      'unsupported-scheme': 'Only https:// addresses are supported.',
      'insecure-scheme': 'The site must use https:// (http only for localhost during development).',
      'has-userinfo': 'Remove the user name/password part (…@) from the address.',
      'has-path': 'Type the domain only, without a path (drop everything after /).',
      'has-query': 'Remove the part after ? from the address.',
      'has-fragment': 'Remove the part after # from the address.',
      'bad-host': 'The domain name is not valid.',
      'bad-pattern': 'Invalid pattern: * may only be the whole first label, e.g. https://*.gov.vn',
      'pattern-too-broad': 'Pattern too broad: it needs at least two labels after *., e.g. https://*.gov.vn',
      'pattern-not-allowed': 'Type one exact site; * patterns are for administrators.',
      'not-a-list': 'The value must be a list.',
      'not-a-boolean': 'The value must be true or false.',
      'not-an-object': 'The value must be an object (site → list of operations).',
      'unknown-operation': 'Unknown operation; use signHash, signPdf, signXml, signCms, authenticate, listCertificates, verify.',
      'too-many-entries': 'Too many entries; only the first 1000 are used.',
    },
  },
};
