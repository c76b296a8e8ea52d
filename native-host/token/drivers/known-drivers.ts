/**
 * The PKCS#11 drivers (token middleware) that tokens sold by Vietnamese CAs install, per operating system.
 * The host looks for these file names in each OS's usual folders when nothing is configured
 * (see known-driver-candidates.ts); docs/tokens.md shows this table and a unit test keeps the two in step.
 *
 * `source` says where each name comes from. Names seen in a vendor's or portal's own code are "seen";
 * names only inferred (e.g. the macOS/Linux build of a driver whose Windows name is known) say so.
 * A CSP image (`X_s.dll`, a Windows CryptoAPI provider) is not a PKCS#11 module and is not listed: the
 * PKCS#11 module is `X.dll` beside it.
 */

export type DriverPlatform = 'win32' | 'darwin' | 'linux';

export interface KnownDriver {
  /** Who ships the driver (the CA, or the token maker for generic tokens). */
  readonly vendor: string;
  /** The tokens or CAs it serves, as a support person would name them. */
  readonly serves: string;
  /** File names per OS, tried in each of the OS's driver folders (known-driver-candidates.ts). */
  readonly files: Partial<Record<DriverPlatform, readonly string[]>>;
  /**
   * Extra folders this vendor installs into, per OS. `%NAME%` is a Windows environment variable
   * (%SystemRoot%, %ProgramFiles%, %ProgramFiles(x86)%); `{triplet}` is the Debian multiarch directory
   * for the host's CPU (x86_64-linux-gnu, aarch64-linux-gnu).
   */
  readonly folders?: Partial<Record<DriverPlatform, readonly string[]>>;
  /** Where the names come from, and how sure we are. */
  readonly source: string;
}

/** `name` + v`from`..v`to` + `suffix`, e.g. versions('nca_v', 4, 9, '.dll') → nca_v4.dll … nca_v9.dll. */
function versions(name: string, from: number, to: number, suffix: string): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `${name}${from + i}${suffix}`);
}

export const KNOWN_DRIVERS: readonly KnownDriver[] = [
  {
    vendor: 'VGCA (Ban Cơ yếu Chính phủ) — SafeNet eToken',
    serves: 'VGCA tokens for state agencies (SafeNet eToken 5110)',
    files: { win32: ['eTPKCS11.dll'], darwin: ['libeTPkcs11.dylib'], linux: ['libeTPkcs11.so'] },
    source: 'Windows: seen (VGCA Token Manager installs "VGCA Client (SafeNet)", eTPKCS11.dll in System32; BKAV and TPBank driver lists). macOS/Linux: SafeNet Authentication Client library names, inferred.',
  },
  {
    vendor: 'VGCA (Ban Cơ yếu Chính phủ) — bit4id',
    serves: 'newer "VGCA Token" (NXP JCOP4 with the bit4id applet)',
    files: { win32: ['bit4xpki.dll'], darwin: ['libbit4xpki.dylib'], linux: ['libbit4xpki.so'] },
    source: 'Windows: seen (generic token driver lists). macOS/Linux: bit4id library names, inferred for the VGCA token.',
  },
  {
    vendor: 'VNPT-CA',
    serves: 'VNPT-CA tokens',
    files: {
      win32: ['vnpt-ca_csp11.dll', 'VNPT-CA_v34.dll', ...versions('vnptca_p11_v', 6, 10, '.dll'), 'vnpt-ca_cl_v1.dll', 'vnptcav2_p11_v8.dll', 'VNPTCACardv8csp11.dll'],
    },
    source: 'Windows: seen (BKAV sample SetDLLName list; TPBank list; VNPT plugin code). macOS/Linux: no driver name found; use OpenSC or set the path.',
  },
  {
    vendor: 'Viettel-CA',
    serves: 'Viettel-CA tokens (Feitian ePass2003-based, inferred)',
    files: {
      win32: ['viettel-ca.dll', ...versions('viettel-ca_v', 1, 6, '.dll')],
      darwin: [...versions('viettel-ca_v', 4, 6, '.dylib')],
    },
    source: 'Windows and macOS: seen (Viettel sign plugin LibList_WIN / LibList_MACOS; BKAV list). Linux: the plugin says "Not Support".',
  },
  {
    vendor: 'BKAV-CA',
    serves: 'BkavCA tokens (SecureMetric-based, inferred)',
    files: { win32: ['BkavCA.dll', 'BkavCAv2S.dll', 'BkavCAv25.dll', 'BkavCAv2T.dll', 'bkavcaetoken.dll', 'bkavcaetoken_p11.dll', 'bkavcsp.dll', 'st3csp11.dll'] },
    folders: { win32: ['%ProgramFiles%\\Bkav Corporation\\BkavCA Token Manager', '%ProgramFiles(x86)%\\Bkav Corporation\\BkavCA Token Manager'] },
    source: 'Windows: seen (BKAV sample SetDLLName list; TPBank list; st3csp11.dll also under the BkavCA Token Manager folder). macOS/Linux: not found.',
  },
  {
    vendor: 'FPT-CA',
    serves: 'FPT-CA tokens',
    files: { win32: ['fpt-ca.dll', 'fpt-ca-stx.dll', 'fpt_ca.dll', ...versions('fptca_v', 3, 6, '.dll')] },
    source: 'Windows: seen (BKAV list; TPBank list). macOS/Linux: not found.',
  },
  {
    vendor: 'Nacencomm (CA2 / NCCA)',
    serves: 'CA2 and NCCA tokens',
    files: {
      win32: ['CA2_csp11.dll', 'CA2_v34.dll', 'ca2_ace_csp11.dll', 'CA2CSP11_v2.dll', ...versions('nca_v', 4, 9, '.dll'), 'ncca_csp11_v1.dll', 'nca_eps2k2a.dll', 'nca_eps2k3a.dll'],
      darwin: ['nca_v6.dylib'],
    },
    source: 'Windows: seen (BKAV list; TPBank list; eContract portal lists). macOS: nca_v6.dylib seen in a portal\'s macOS list. Linux: not found.',
  },
  {
    vendor: 'MISA-CA',
    serves: 'MISA-CA tokens',
    files: { win32: ['misaca_csp11_v2.dll'] },
    source: 'Windows: seen (portal driver lists). macOS/Linux: not found.',
  },
  {
    vendor: 'EFY-CA, Newtel-CA, SafeCA, Vina-CA, CK-CA',
    serves: 'smaller CAs\' tokens',
    files: { win32: ['efy-ca_v1.dll', 'NEWTEL-CA.dll', 'newca_v4.dll', 'safe-ca.dll', 'safe-ca_v2.dll', 'Vina-CA.dll', ...versions('Vina-CAv', 2, 10, '.dll'), 'CKCA.dll'] },
    source: 'Windows: seen, one source each (BKAV list; TPBank list). macOS/Linux: not found.',
  },
  {
    vendor: 'Feitian ePass2003',
    serves: 'tokens of several CAs built on the ePass2003 (also handled by OpenSC)',
    files: { win32: ['eps2003csp11.dll'] },
    source: 'Windows: seen (eContract lists, manufacturer mapping). Linux/macOS: OpenSC supports the ePass2003 (see the OpenSC row).',
  },
  {
    vendor: 'Feitian ePass3003 (Shuttle)',
    serves: 'tokens built on the ePass3003',
    files: { win32: ['ShuttleCsp11_3003.dll'], linux: ['libshuttle_p11v220.so', 'libshuttle_p11v220.so.1.0.0'] },
    folders: { linux: ['/opt/SecurityData_Linux/redist/x86_64'] },
    source: 'Windows: seen (BKAV list). Linux: seen at /opt/SecurityData_Linux/redist/x86_64/libshuttle_p11v220.so.1.0.0; /usr/lib/libshuttle_p11v220.so kept from earlier Kyso versions.',
  },
  {
    vendor: 'Feitian ePass2000/3000 and ePassNG',
    serves: 'older Feitian tokens',
    files: { win32: ['ngp11v211.dll'], linux: ['libepsng_p11.so'] },
    source: 'Windows: seen (BKAV list). Linux: /usr/lib/libepsng_p11.so seen.',
  },
  {
    vendor: 'Gemplus / WatchData',
    serves: 'Gemplus and WatchData tokens',
    files: { win32: ['gclib.dll', 'pk2priv.dll', 'wdpkcs.dll', 'wdsafe3.dll'] },
    source: 'Windows: seen (BKAV list; manufacturer mapping). macOS/Linux: not found.',
  },
  {
    vendor: 'OpenSC',
    serves: 'many smart cards and tokens, including the Feitian ePass2003',
    files: { win32: ['opensc-pkcs11.dll'], darwin: ['opensc-pkcs11.so'], linux: ['opensc-pkcs11.so'] },
    folders: {
      win32: ['%ProgramFiles%\\OpenSC Project\\OpenSC\\pkcs11'],
      darwin: ['/Library/OpenSC/lib'],
    },
    source: 'Linux: Debian\'s opensc-pkcs11 package (checked on this machine: /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so). Windows/macOS: OpenSC installer folders.',
  },
  {
    vendor: 'SoftHSM2',
    serves: 'the Kyso demo token (a software token for tests and demos, not a real token)',
    files: { darwin: ['libsofthsm2.so'], linux: ['libsofthsm2.so'] },
    folders: { darwin: ['/usr/local/lib/softhsm', '/opt/homebrew/lib/softhsm'], linux: ['/usr/lib/softhsm', '/usr/lib/{triplet}/softhsm'] },
    source: 'Debian\'s softhsm2 package (checked on this machine); Homebrew\'s softhsm formula.',
  },
];
