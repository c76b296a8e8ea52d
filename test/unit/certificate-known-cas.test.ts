import { describe, expect, it } from 'vitest';
import { recogniseIssuerCa } from '../../shared/certificates/known-cas.js';
import { NAME_OIDS } from '../../shared/certificates/decode-name.js';

const issuer = (o: string, cn = 'CA') => [{ oid: NAME_OIDS.organization, value: o }, { oid: NAME_OIDS.commonName, value: cn }];

describe('recogniseIssuerCa', () => {
  it('names the Government CA however its issuer is written', () => {
    expect(recogniseIssuerCa(issuer('Ban Cơ yếu Chính phủ', 'CA phục vụ các cơ quan Đảng và Nhà nước'))).toBe('VGCA');
    expect(recogniseIssuerCa(issuer('Ban Co yeu Chinh phu'))).toBe('VGCA');
    expect(recogniseIssuerCa(issuer('Cục Chứng thực số và Bảo mật thông tin'))).toBe('VGCA');
    expect(recogniseIssuerCa(issuer('Government Cipher Committee', "Vietnam Government's Specialized Root CA"))).toBe('VGCA');
  });

  it('names the public CAs and the national root, and nothing for an unknown issuer', () => {
    expect(recogniseIssuerCa(issuer('VNPT Group', 'VNPT Certification Authority'))).toBe('VNPT-CA');
    expect(recogniseIssuerCa(issuer('Viettel Group', 'Viettel-CA SHA-256'))).toBe('Viettel-CA');
    expect(recogniseIssuerCa(issuer('BKAV Corporation', 'BkavCA'))).toBe('BKAV-CA');
    expect(recogniseIssuerCa(issuer('FPT Information System', 'FPT Certification Authority'))).toBe('FPT-CA');
    expect(recogniseIssuerCa(issuer('Ministry of Information and Communications', 'Vietnam National Root CA'))).toBe('Root CA (MIC)');
    expect(recogniseIssuerCa(issuer('Example Ltd', 'Example CA'))).toBeUndefined();
  });
});
