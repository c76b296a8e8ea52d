/**
 * Recognise the issuing CA by its name. The Government's specialised CA (VGCA, Ban Cơ yếu Chính phủ)
 * and the licensed public CAs are told apart so the person sees "VGCA" or "VNPT-CA", not a raw DN.
 * Name matching is display only: trust comes from the trust store, never from a name.
 */
import type { NameAttribute } from './decode-name.js';
import { NAME_OIDS } from './decode-name.js';

const KNOWN_CAS: ReadonlyArray<{ ca: string; pattern: RegExp }> = [
  { ca: 'VGCA', pattern: /ban c[ơo] y[ếe]u ch[íi]nh ph[ủu]|government cipher committee|vgca|chuy[êe]n d[ùu]ng ch[íi]nh ph[ủu]|c[ụu]c ch[ứu]ng th[ựu]c s[ốo] v[àa] b[ảa]o m[ậa]t th[ôo]ng tin|government'?s? specialized|government'?s? specialised/i },
  { ca: 'VNPT-CA', pattern: /vnpt/i },
  { ca: 'Viettel-CA', pattern: /viettel/i },
  { ca: 'BKAV-CA', pattern: /bkav/i },
  { ca: 'FPT-CA', pattern: /\bfpt\b/i },
  { ca: 'MISA-CA', pattern: /misa/i },
  { ca: 'CA2', pattern: /nacencomm|\bca2\b/i },
  { ca: 'EFY-CA', pattern: /\befy\b/i },
  { ca: 'SmartSign', pattern: /smartsign|vina-?ca/i },
  { ca: 'NEWTEL-CA', pattern: /newtel/i },
  { ca: 'Root CA (MIC)', pattern: /national root|b[ộo] th[ôo]ng tin v[àa] truy[ềe]n th[ôo]ng|ministry of information and communications|neac|trung t[âa]m ch[ứu]ng th[ựu]c [đd]i[ệe]n t[ửu] qu[ốo]c gia/i },
];

export function recogniseIssuerCa(issuer: readonly NameAttribute[]): string | undefined {
  const wanted: readonly string[] = [NAME_OIDS.commonName, NAME_OIDS.organization, NAME_OIDS.organizationalUnit];
  const text = issuer.filter((a) => wanted.includes(a.oid)).map((a) => a.value).join(' | ');
  return KNOWN_CAS.find(({ pattern }) => pattern.test(text))?.ca;
}
