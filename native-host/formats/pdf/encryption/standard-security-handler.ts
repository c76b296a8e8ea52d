/**
 * The standard security handler of an encrypted PDF opened WITHOUT a password — the common "owner password
 * only" file that opens for everyone but restricts what may be done [ISO 32000-1 §7.6.3, ISO 32000-2 §7.6.4].
 * Computes the file key from the empty user password (Algorithm 2 for revisions 2–4, Algorithm 2.A/2.B for
 * revision 6), checks it against /U (Algorithms 6 and 11: a file that needs a user password is refused), reads
 * the permissions (/P, Table 22), and encrypts the strings and streams the signing update adds with the key of
 * the object they belong to (Algorithm 1; AES with a random IV, §7.6.2). Decrypts too, for the verifier's needs.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { PDFArray, PDFBool, PDFDict, PDFHexString, PDFName, PDFNumber, PDFString, type PDFContext, type PDFObject } from 'pdf-lib';
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import { rc4 } from './rc4.js';

export type PdfCipher = 'rc4' | 'aes-128' | 'aes-256' | 'none';

export interface PdfEncryption {
  readonly revision: number;
  /** The cipher for strings and for streams (crypt filters may differ, §7.6.5). */
  readonly strings: PdfCipher;
  readonly streams: PdfCipher;
  /** /P as a signed 32-bit integer. */
  readonly permissions: number;
  encryptString(bytes: Uint8Array, objectNumber: number, generation: number): Uint8Array;
  encryptStream(bytes: Uint8Array, objectNumber: number, generation: number): Uint8Array;
  decrypt(bytes: Uint8Array, cipher: PdfCipher, objectNumber: number, generation: number): Uint8Array;
}

/** Padding string of Algorithm 2 step a [§7.6.3.3]. */
const PASSWORD_PAD = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');
const AES_SALT = Buffer.from('sAlT', 'latin1');

const encryptedRefusal = (reason: string) => new KysoError('UNSUPPORTED_DOCUMENT', { reason: `encrypted PDF: ${reason}` });

/** Open the file's encryption with the empty user password, or refuse with a reason a person can act on. */
export function openStandardEncryption(context: PDFContext): PdfEncryption {
  const dict = context.lookup(context.trailerInfo.Encrypt);
  if (!(dict instanceof PDFDict)) throw encryptedRefusal('the encryption dictionary is missing or damaged');
  const name = (key: string) => { const v = context.lookup(dict.get(PDFName.of(key))); return v instanceof PDFName ? v.decodeText() : undefined; };
  const num = (key: string) => { const v = context.lookup(dict.get(PDFName.of(key))); return v instanceof PDFNumber ? v.asNumber() : undefined; };
  const bytes = (key: string) => { const v = context.lookup(dict.get(PDFName.of(key))); return v instanceof PDFString || v instanceof PDFHexString ? v.asBytes() : undefined; };
  if (name('Filter') !== 'Standard') throw encryptedRefusal(`security handler ${name('Filter') ?? '?'} (certificate or custom encryption) is not supported; it needs its own software to open`);
  const v = num('V') ?? 0;
  const r = num('R') ?? 0;
  const p = num('P');
  const o = bytes('O');
  const u = bytes('U');
  if (p === undefined || !o || !u) throw encryptedRefusal('the encryption dictionary lacks /P, /O or /U');
  const encryptMetadata = context.lookup(dict.get(PDFName.of('EncryptMetadata'))) !== PDFBool.False;

  let strings: PdfCipher;
  let streams: PdfCipher;
  if (v === 1 || v === 2) {
    strings = streams = 'rc4';
  } else if (v === 4 || v === 5) {
    const filterCipher = (which: 'StrF' | 'StmF'): PdfCipher => {
      const filterName = name(which) ?? 'Identity';
      if (filterName === 'Identity') return 'none';
      const cf = context.lookup(dict.get(PDFName.of('CF')));
      const filter = cf instanceof PDFDict ? context.lookup(cf.get(PDFName.of(filterName))) : undefined;
      const cfm = filter instanceof PDFDict ? context.lookup(filter.get(PDFName.of('CFM'))) : undefined;
      const method = cfm instanceof PDFName ? cfm.decodeText() : 'None';
      if (method === 'V2') return 'rc4';
      if (method === 'AESV2') return 'aes-128';
      if (method === 'AESV3') return 'aes-256';
      if (method === 'None') return 'none';
      throw encryptedRefusal(`crypt filter method ${method} is not supported`);
    };
    strings = filterCipher('StrF');
    streams = filterCipher('StmF');
  } else {
    throw encryptedRefusal(`encryption version /V ${v} is not supported`);
  }

  let fileKey: Uint8Array;
  if (r >= 2 && r <= 4) {
    const length = r === 2 ? 5 : (num('Length') ?? 40) / 8;
    if (!Number.isInteger(length) || length < 5 || length > 16) throw encryptedRefusal('the key length is invalid');
    const id = firstId(context);
    fileKey = keyR2to4(o, p, id, r, length, encryptMetadata);
    if (!userPasswordMatches(fileKey, u, id, r)) throw needsPassword();
  } else if (r === 6) {
    const ue = bytes('UE');
    if (!ue || u.length < 48) throw encryptedRefusal('the encryption dictionary lacks /UE or a full /U');
    fileKey = keyR6(u, ue);
  } else {
    throw encryptedRefusal(`security handler revision /R ${r} is not supported`);
  }

  const objectKey = (cipher: PdfCipher, objectNumber: number, generation: number): Uint8Array => {
    if (cipher === 'aes-256') return fileKey;
    // Algorithm 1 [§7.6.2]: the file key, the object number (3 bytes) and generation (2 bytes), low byte first.
    const extra = Buffer.from([objectNumber & 0xff, (objectNumber >> 8) & 0xff, (objectNumber >> 16) & 0xff, generation & 0xff, (generation >> 8) & 0xff]);
    const digest = createHash('md5').update(fileKey).update(extra).update(cipher === 'aes-128' ? AES_SALT : Buffer.alloc(0)).digest();
    return digest.subarray(0, Math.min(fileKey.length + 5, 16));
  };
  const encrypt = (cipher: PdfCipher, data: Uint8Array, objectNumber: number, generation: number): Uint8Array => {
    if (cipher === 'none') return data;
    const key = objectKey(cipher, objectNumber, generation);
    if (cipher === 'rc4') return rc4(key, data);
    const iv = randomBytes(16);
    const c = createCipheriv(cipher === 'aes-128' ? 'aes-128-cbc' : 'aes-256-cbc', key, iv);
    return new Uint8Array(Buffer.concat([iv, c.update(data), c.final()]));
  };
  return {
    revision: r, strings, streams, permissions: p | 0,
    encryptString: (data, n, g) => encrypt(strings, data, n, g),
    encryptStream: (data, n, g) => encrypt(streams, data, n, g),
    decrypt: (data, cipher, n, g) => {
      if (cipher === 'none') return data;
      const key = objectKey(cipher, n, g);
      if (cipher === 'rc4') return rc4(key, data);
      if (data.length < 32 || data.length % 16 !== 0) return new Uint8Array(0);
      const d = createDecipheriv(cipher === 'aes-128' ? 'aes-128-cbc' : 'aes-256-cbc', key, data.subarray(0, 16));
      return new Uint8Array(Buffer.concat([d.update(data.subarray(16)), d.final()]));
    },
  };
}

/**
 * Whether the permissions let a person sign [§7.6.3.2 Table 22]: bit 9 "fill in existing form fields (including
 * signature fields)" for revision 3 and later, or bit 6 "modify annotations, fill in form fields", which grants it
 * too. A refusal names the permission the file lacks.
 */
export function refuseUnlessSigningAllowed(encryption: PdfEncryption): void {
  const bit = (n: number) => (encryption.permissions & (1 << (n - 1))) !== 0;
  const allowed = bit(6) || (encryption.revision >= 3 && bit(9));
  if (!allowed) {
    throw new KysoError('UNSUPPORTED_DOCUMENT', {
      reason: 'encrypted PDF whose permissions do not allow "filling in form fields, including signature fields" (permission bits 6 and 9 are off): ask its author for a copy that allows signing',
    });
  }
}

function needsPassword(): KysoError {
  return encryptedRefusal('it needs a password to open (user password); Kyso signs files that open without one — ask the sender for an unprotected copy');
}

function firstId(context: PDFContext): Uint8Array {
  const id = context.lookup(context.trailerInfo.ID);
  const first = id instanceof PDFArray ? context.lookup(id.get(0)) : undefined;
  return first instanceof PDFString || first instanceof PDFHexString ? first.asBytes() : new Uint8Array(0);
}

/** Algorithm 2 [ISO 32000-1 §7.6.3.3] with the empty user password. */
function keyR2to4(o: Uint8Array, p: number, id: Uint8Array, r: number, length: number, encryptMetadata: boolean): Uint8Array {
  const pBytes = Buffer.alloc(4);
  pBytes.writeInt32LE(p | 0);
  const h = createHash('md5').update(PASSWORD_PAD).update(o.subarray(0, 32)).update(pBytes).update(id);
  if (r >= 4 && !encryptMetadata) h.update(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  let digest = h.digest();
  if (r >= 3) for (let i = 0; i < 50; i++) digest = createHash('md5').update(digest.subarray(0, length)).digest();
  return new Uint8Array(digest.subarray(0, length));
}

/** Algorithms 4 and 5 [§7.6.3.4]: does the empty password reproduce /U? */
function userPasswordMatches(key: Uint8Array, u: Uint8Array, id: Uint8Array, r: number): boolean {
  if (r === 2) return Buffer.compare(Buffer.from(rc4(key, PASSWORD_PAD)), Buffer.from(u.subarray(0, 32))) === 0;
  let value: Uint8Array = rc4(key, createHash('md5').update(PASSWORD_PAD).update(id).digest());
  for (let i = 1; i <= 19; i++) value = rc4(key.map((b) => b ^ i), value);
  return Buffer.compare(Buffer.from(value.subarray(0, 16)), Buffer.from(u.subarray(0, 16))) === 0;
}

/** Algorithm 2.A [ISO 32000-2 §7.6.4.3.3] with the empty user password: check /U, then unwrap /UE. */
function keyR6(u: Uint8Array, ue: Uint8Array): Uint8Array {
  const empty = new Uint8Array(0);
  const check = hash2B(empty, u.subarray(32, 40), empty);
  if (Buffer.compare(Buffer.from(check), Buffer.from(u.subarray(0, 32))) !== 0) throw needsPassword();
  const intermediate = hash2B(empty, u.subarray(40, 48), empty);
  const d = createDecipheriv('aes-256-cbc', intermediate, Buffer.alloc(16));
  d.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([d.update(ue.subarray(0, 32)), d.final()]));
}

/** Algorithm 2.B [ISO 32000-2 §7.6.4.3.4]: the revision 6 password hash. */
function hash2B(password: Uint8Array, salt: Uint8Array, userKey: Uint8Array): Uint8Array {
  let k: Buffer = createHash('sha256').update(password).update(salt).update(userKey).digest();
  let e: Buffer = Buffer.alloc(0);
  for (let round = 0; round < 64 || e[e.length - 1]! > round - 32; round++) {
    const block = Buffer.concat([password, k, userKey]);
    const k1 = Buffer.concat(Array.from({ length: 64 }, () => block));
    const c = createCipheriv('aes-128-cbc', k.subarray(0, 16), k.subarray(16, 32));
    c.setAutoPadding(false);
    e = Buffer.concat([c.update(k1), c.final()]);
    let sum = 0;
    for (let i = 0; i < 16; i++) sum += e[i]!;
    k = createHash(['sha256', 'sha384', 'sha512'][sum % 3]!).update(e).digest();
  }
  return new Uint8Array(k.subarray(0, 32));
}
