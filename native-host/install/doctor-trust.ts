/** The trust-store link: roots an administrator gave Kyso for checking signatures (kyso verify, kyso.verify). */
import { check, type CheckResult } from './doctor-check.js';

export async function checkTrustStore(): Promise<CheckResult> {
  const name = { vi: 'kho chứng thư gốc tin cậy', en: 'trust store' };
  try {
    // Loaded on demand: @peculiar/x509 is heavy and only `kyso doctor` needs it here.
    const { TrustStore } = await import('../trust/trust-store.js');
    const store = await TrustStore.load({ useEnvironment: true });
    const roots = store.anchors.map((a) => a.subject);
    return roots.length
      ? check('trust', 'ok', name, { vi: `${roots.length} CA gốc: ${roots.join('; ')}`, en: `${roots.length} root CA(s): ${roots.join('; ')}` }, { details: { roots, intermediates: store.intermediates.length } })
      : check('trust', 'warn', name,
        { vi: 'chưa có CA gốc nào: ký vẫn được, nhưng kiểm tra chữ ký sẽ báo "không xác định"', en: 'no root CA: signing works, but verifying signatures reports "indeterminate"' },
        { hint: { vi: 'đặt chứng thư gốc (ví dụ Root CA của Bộ TT&TT) vào thư mục KYSO_TRUST_DIR', en: 'put the root certificates (e.g. the MIC Root CA) in the KYSO_TRUST_DIR folder' }, details: { roots: [], intermediates: store.intermediates.length } });
  } catch (error) {
    return check('trust', 'fail', name, { vi: `không đọc được: ${(error as Error).message}`, en: `cannot read it: ${(error as Error).message}` },
      { hint: { vi: 'kiểm tra KYSO_TRUST_DIR', en: 'check KYSO_TRUST_DIR' } });
  }
}
