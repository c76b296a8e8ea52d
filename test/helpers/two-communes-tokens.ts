/**
 * The two-communes story on real SoftHSM2 tokens: one person, chairman of two communes, holds two tokens from two
 * CAs with certificates for the same name and citizen ID (CCCD); only the organisational unit, the issuer, the
 * serial and the token (same label on both) differ. Both tokens are "plugged in" at once, beside SoftHSM2's free slot.
 */
import { TestPki, type IssuedCert } from './test-pki.js';
import { createSoftHsmTokens, type SoftHsmToken, type SoftHsmTokens } from './softhsm-tokens.js';

export const TWO_COMMUNES_TOKEN_LABEL = 'Nguyễn Văn Bình';
export const TWO_COMMUNES_CCCD = 'CCCD:054080000123';

export interface CommuneSide {
  readonly commune: string;
  readonly pki: TestPki;
  readonly cert: IssuedCert;
  readonly token: SoftHsmToken;
}

export interface TwoCommunes {
  readonly tokens: SoftHsmTokens;
  readonly vnpt: CommuneSide;
  readonly viettel: CommuneSide;
}

const subjectFor = (commune: string) =>
  `/C=VN/ST=Phú Yên/L=Huyện Đông Hòa/O=UBND Huyện Đông Hòa/OU=UBND ${commune}/title=Chủ tịch/CN=Nguyễn Văn Bình/UID=${TWO_COMMUNES_CCCD}`;

export async function createTwoCommunes(): Promise<TwoCommunes> {
  const [tokens, vnptPki, viettelPki] = await Promise.all([
    createSoftHsmTokens(), TestPki.create({ label: 'VNPT-CA Test' }), TestPki.create({ label: 'Viettel-CA Test' }),
  ]);
  const side = async (pki: TestPki, commune: string, pin: string): Promise<CommuneSide> => {
    const cert = await pki.issue({ subject: subjectFor(commune) }, commune);
    const token = await tokens.addToken(TWO_COMMUNES_TOKEN_LABEL, pin);
    await token.addKeyAndCertificate(cert, '01', 'Chữ ký số');
    return { commune, pki, cert, token };
  };
  // One after the other: each takes the next free slot.
  const vnpt = await side(vnptPki, 'Xã Hòa Xuân Tây', '111111');
  const viettel = await side(viettelPki, 'Xã Hòa Tâm', '222222');
  return { tokens, vnpt, viettel };
}
