/**
 * `kyso list [--json]` — tokens and their certificates, with Vietnamese identifiers as typed fields
 * (mst, cccd, cmnd, passport, bhxh, mns) and why a certificate cannot sign, if it cannot.
 * Drivers come from KYSO_PKCS11_MODULE, a config file, or discovery (p11-kit, known locations); each token
 * names its driver, and a driver that was skipped (failed, hung, crashed) is named too.
 */
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { EXCLUSION_TEXT } from '../../../shared/certificates/choose-certificates.js';
import { TokenService } from '../../token/token-service.js';
import type { CertificateInfo, TokenInfo } from '../../../shared/protocol/common.js';
import type { DriverStatus } from '../../token/drivers/driver-status.js';

export interface ListedToken {
  readonly token: TokenInfo;
  readonly certificates: readonly ListedCertificate[];
  /** Key pairs without a certificate: not offered for signing. */
  readonly keysWithoutCertificate: number;
}

export interface ListedCertificate {
  readonly id: string;
  readonly commonName?: string;
  readonly organization?: string;
  readonly organizationalUnit?: string;
  readonly mst?: string;
  readonly cccd?: string;
  readonly cmnd?: string;
  readonly passport?: string;
  readonly bhxh?: string;
  readonly mns?: string;
  readonly identifiers: readonly string[];
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly keyType: string;
  readonly keyBits: number;
  readonly keyUsage: readonly string[];
  readonly usable: boolean;
  readonly unusableReasons: readonly string[];
}

export async function run(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const unknown = argv.filter((a) => a !== '--json');
  if (unknown.length > 0) throw new KysoError('BAD_REQUEST', { reason: `unknown argument ${unknown[0]}` });
  const service = new TokenService();
  try {
    const tokens = await service.listTokens();
    const certificates = await service.listCertificates({ withPrivateKey: false });
    const orphanKeys = await service.keysWithoutCertificate();
    const listed: ListedToken[] = tokens.map((token) => ({
      token,
      certificates: certificates.filter((c) => c.token?.id === token.id).map(listCertificate),
      keysWithoutCertificate: orphanKeys.get(token.id) ?? 0,
    }));
    const drivers = service.modules();
    process.stdout.write(json ? `${JSON.stringify({ tokens: listed, drivers }, null, 2)}\n` : formatList(listed) + formatSkippedDrivers(drivers));
    return 0;
  } finally {
    service.close();
  }
}

export function listCertificate(c: CertificateInfo): ListedCertificate {
  const ids = c.subject.identifiers;
  return {
    id: c.id,
    ...(c.subject.commonName ? { commonName: c.subject.commonName } : {}),
    ...(c.subject.organization ? { organization: c.subject.organization } : {}),
    ...(c.subject.organizationalUnit ? { organizationalUnit: c.subject.organizationalUnit } : {}),
    ...(ids.mst ? { mst: ids.mst } : {}),
    ...(ids.cccd ? { cccd: ids.cccd } : {}),
    ...(ids.cmnd ? { cmnd: ids.cmnd } : {}),
    ...(ids.passport ? { passport: ids.passport } : {}),
    ...(ids.bhxh ? { bhxh: ids.bhxh } : {}),
    ...(ids.mns ? { mns: ids.mns } : {}),
    identifiers: ids.all,
    // The recognised CA alone ("VGCA") does not tell two of its issuing CAs apart: their own name goes with it.
    issuer: c.issuer.ca && c.issuer.commonName && c.issuer.ca !== c.issuer.commonName ? `${c.issuer.ca} — ${c.issuer.commonName}` : c.issuer.ca ?? c.issuer.commonName ?? c.issuer.dn,
    serialNumber: c.serialNumber,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    keyType: c.namedCurve ?? c.keyType,
    keyBits: c.keyBits,
    keyUsage: c.keyUsage,
    usable: c.unusableReasons.length === 0,
    unusableReasons: c.unusableReasons,
  };
}

function formatList(tokens: readonly ListedToken[]): string {
  if (tokens.length === 0) return 'Không tìm thấy thiết bị ký / No token found\n';
  const lines: string[] = [];
  for (const { token, certificates, keysWithoutCertificate } of tokens) {
    lines.push(`Thiết bị / Token: ${token.label} (${token.manufacturer} ${token.model}, serial ${token.serialNumber})`);
    if (token.driver) lines.push(`  Trình điều khiển / Driver: ${token.driver.vendor ? `${token.driver.vendor} — ` : ''}${token.driver.file}`);
    if (certificates.length === 0) {
      lines.push(token.certificatesAfterLogin
        ? '  (chứng thư số chỉ hiện sau khi đăng nhập bằng PIN; ký bằng --cert MST:…/CCCD:… kèm PIN / certificates show only after login with the PIN; sign with --cert and the PIN)'
        : '  (không có chứng thư số / no certificates)');
    }
    for (const c of certificates) {
      const ids = c.identifiers.length ? ` [${c.identifiers.join(', ')}]` : '';
      lines.push(`  • ${c.commonName ?? '?'}${ids}`);
      // One person often holds certificates for two units (two communes) that differ only here and in the issuer.
      const unit = [c.organization, c.organizationalUnit].filter((x) => x && x !== c.commonName).join(' — ');
      if (unit) lines.push(`    ${unit}`);
      lines.push(`    ${c.issuer} · ${c.keyType} ${c.keyBits} · ${c.notBefore.slice(0, 10)} → ${c.notAfter.slice(0, 10)} · serial ${c.serialNumber} · id ${c.id}`);
      for (const r of c.unusableReasons) {
        const text = EXCLUSION_TEXT[r as keyof typeof EXCLUSION_TEXT];
        lines.push(`    ✗ ${text ? `${text.vi} / ${text.en}` : r}`);
      }
    }
    if (keysWithoutCertificate > 0) {
      lines.push(`  ${keysWithoutCertificate} khoá không có chứng thư số, không dùng để ký / ${keysWithoutCertificate} key${keysWithoutCertificate > 1 ? 's' : ''} without a certificate, not offered for signing`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function formatSkippedDrivers(drivers: readonly DriverStatus[]): string {
  const skipped = drivers.filter((d) => !d.loaded);
  return skipped.map((d) => `! Bỏ qua trình điều khiển / Driver skipped: ${d.path}: ${d.error ?? '?'}${d.detail ? ` — ${d.detail}` : ''}\n`).join('');
}
