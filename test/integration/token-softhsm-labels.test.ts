/**
 * Token labels as CAs and people write them: Vietnamese in UTF-8, padded with spaces to the 32 bytes of
 * CK_TOKEN_INFO.label, or filling all 32 bytes. Real SoftHSM2 tokens (labels written by softhsm2-util), read
 * through the built host and CLI; SoftHSM2's free uninitialised slot is beside them and never listed, and a
 * SoftHSM2 with nothing but that slot is "no token", not an error.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestPki } from '../helpers/test-pki.js';
import { certificateId, createSoftHsmTokens, type SoftHsmTokens } from '../helpers/softhsm-tokens.js';
import { buildTestHost, spawnHost, type BuiltHost, type HostProcess } from '../helpers/host-process.js';
import { runKyso } from '../helpers/kyso-cli.js';

const run = promisify(execFile);
/** 23 bytes of UTF-8 written with three trailing spaces; the token pads it to 32 bytes with more. */
const PADDED = 'UBND Xã Đông Hòa   ';
/** Exactly 32 bytes of UTF-8: no padding at all. */
const FULL = 'Chi cục Thuế Đông Hòa, PY';

let tokens: SoftHsmTokens;
let built: BuiltHost;
let ids: { padded: string; full: string };
let host: HostProcess | undefined;

beforeAll(async () => {
  let pki: TestPki;
  [tokens, built, pki] = await Promise.all([createSoftHsmTokens(), buildTestHost(), TestPki.create({ label: 'Kyso Labels' })]);
  expect(Buffer.byteLength(FULL)).toBe(32);
  const a = await tokens.addToken(PADDED);
  const b = await tokens.addToken(FULL);
  const certA = await pki.issue({ subject: '/C=VN/ST=Phú Yên/O=UBND Xã Đông Hòa/CN=Lê Thị Hoà/UID=CCCD:054190000456' }, 'a');
  const certB = await pki.issue({ subject: '/C=VN/ST=Phú Yên/O=Chi cục Thuế Đông Hòa/CN=Võ Văn Ý/UID=MST:4400111222' }, 'b');
  await a.addKeyAndCertificate(certA, 'a1', 'Chữ ký số — Lê Thị Hoà');
  await b.addKeyAndCertificate(certB, 'b1', 'Chữ ký số — Võ Văn Ý');
  ids = { padded: certificateId(certA.certDer), full: certificateId(certB.certDer) };
}, 180_000);

afterEach(async () => {
  await host?.close();
  host = undefined;
});

describe('token labels padded with spaces or in UTF-8 (SoftHSM2)', () => {
  it('host.listTokens and host.listCertificates show the labels trimmed and intact; the free slot is not a token', async () => {
    const slots = (await run('softhsm2-util', ['--show-slots'], { env: { ...process.env, SOFTHSM2_CONF: tokens.env.SOFTHSM2_CONF } })).stdout;
    expect(slots).toContain('Initialized:      no'); // SoftHSM2's spare slot is there…
    host = spawnHost(built.hostPath, { env: tokens.env });
    const listed = await host.request('host.listTokens', {});
    // …and not listed: two tokens, labels without the padding, every diacritic kept.
    expect(listed.payload.tokens.map((t: any) => t.label).sort()).toEqual([FULL, PADDED.trimEnd()].sort());
    const certificates = await host.request('host.listCertificates', {});
    const labelOf = new Map(certificates.payload.certificates.map((c: any) => [c.id, c.token.label]));
    expect(labelOf.get(ids.padded)).toBe('UBND Xã Đông Hòa');
    expect(labelOf.get(ids.full)).toBe(FULL);
    // NFC, as typed: 'ò' is one code point, not 'o' + a combining grave accent.
    expect(labelOf.get(ids.padded)).toBe('UBND Xã Đông Hòa'.normalize('NFC'));
  }, 60_000);

  it('kyso list prints the labels trimmed and intact', async () => {
    const r = await runKyso(['list'], { env: tokens.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Thiết bị / Token: UBND Xã Đông Hòa (SoftHSM project SoftHSM v2, serial');
    expect(r.stdout).toContain(`Thiết bị / Token: ${FULL} (`);
    expect(r.stdout).not.toMatch(/Hòa {2,}/);
  }, 60_000);
});

describe('slots without a token (SoftHSM2)', () => {
  it('a SoftHSM2 with only its free slot: no token, no error — the list says so, the host answers empty lists', async () => {
    const empty = await createSoftHsmTokens();
    const r = await runKyso(['list'], { env: empty.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('Không tìm thấy thiết bị ký / No token found\n');
    host = spawnHost(built.hostPath, { env: empty.env });
    expect((await host.request('host.listTokens', {})).payload.tokens).toEqual([]);
    expect((await host.request('host.listCertificates', {})).payload.certificates).toEqual([]);
  }, 60_000);
});
