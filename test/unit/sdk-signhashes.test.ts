/**
 * signHashes on the page side: the SDK checks EVERY signature against the returned certificate and its own digest
 * (a wrong, missing or swapped one fails the call with PROTOCOL_ERROR), and the consent text states the count.
 * The extension is a stand-in on a real MessageChannel; keys/certificates by openssl, signatures by node:crypto.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, sign as nodeSign } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, KysoError } from '../../sdk/kyso.js';
import { PROTOCOL_VERSION, SIGN_HASHES_MAX } from '../../shared/limits.js';
import { consentDescription, listFingerprintHex } from '../../extension/background/sign-hashes/sign-hashes-handler.js';

interface Identity { keyPem: string; b64: string; id: string }
let rsa: Identity;
let ec: Identity;

function makeIdentity(dir: string, name: string, keyArgs: string[]): Identity {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.der`);
  execFileSync('openssl', ['req', '-x509', '-newkey', ...keyArgs, '-nodes', '-keyout', key, '-outform', 'DER', '-out', cert, '-days', '2', '-subj', `/CN=${name}`], { stdio: 'pipe' });
  const der = readFileSync(cert);
  return { keyPem: readFileSync(key, 'utf8'), b64: der.toString('base64'), id: createHash('sha256').update(der).digest('base64url') };
}

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-sdk-many-'));
  rsa = makeIdentity(dir, 'rsa', ['rsa:2048']);
  ec = makeIdentity(dir, 'p256', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
});

const origin = 'https://hoadondientu.example.vn';
const invoices = Array.from({ length: 25 }, (_, i) => Buffer.from(`HĐ ${String(i + 1).padStart(7, '0')}`));
const hashes = invoices.map((data, i) => ({ hash: createHash('sha256').update(data).digest('base64'), description: `HĐ ${i + 1}` }));

/** The extension stand-in: acknowledges, then answers with `payload` (or nothing when undefined). */
function extensionAnswering(payload: unknown) {
  const posted: unknown[] = [];
  const target = {
    postMessage(message: { request: { id: string; type: string } }, _origin: string, transfer: Transferable[]) {
      posted.push(message.request);
      const port = transfer[0] as MessagePort;
      port.postMessage({ v: PROTOCOL_VERSION, id: message.request.id, type: 'kyso.ack' });
      port.postMessage({ v: PROTOCOL_VERSION, id: message.request.id, type: 'kyso.result', payload });
    },
  };
  return { target, posted };
}

function signAll(identity: Identity, data: readonly Buffer[]): string[] {
  const key = createPrivateKey(identity.keyPem);
  return data.map((d) => nodeSign('sha256', d, key).toString('base64'));
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(KysoError);
    return (error as KysoError).code;
  }
  return 'resolved';
}

const answer = (identity: Identity, signatures: string[], scheme = 'RSASSA-PKCS1-v1_5') =>
  ({ signatures, signatureAlgorithm: scheme, hashAlgorithm: 'SHA-256', certificate: identity.b64, chain: [] });

describe('SDK signHashes', () => {
  it('resolves when every signature verifies (RSA and ECDSA), in order', async () => {
    const good = answer(rsa, signAll(rsa, invoices));
    const result = await createClient({ target: extensionAnswering(good).target, origin }).signHashes({ hashes, hashAlgorithm: 'SHA-256', description: 'Hóa đơn 11/2026' });
    expect(result.signatures).toHaveLength(25);
    const ecResult = await createClient({ target: extensionAnswering(answer(ec, signAll(ec, invoices), 'ECDSA')).target, origin })
      .signHashes({ hashes, hashAlgorithm: 'SHA-256' });
    expect(ecResult.signatureAlgorithm).toBe('ECDSA');
  });

  it('refuses the whole result when one signature is wrong, two are swapped, or one is missing (PROTOCOL_ERROR)', async () => {
    const signatures = signAll(rsa, invoices);
    const tampered = [...signatures];
    const bytes = Buffer.from(tampered[17]!, 'base64');
    bytes[100]! ^= 1;
    tampered[17] = bytes.toString('base64');
    expect(await codeOf(createClient({ target: extensionAnswering(answer(rsa, tampered)).target, origin }).signHashes({ hashes, hashAlgorithm: 'SHA-256' }))).toBe('PROTOCOL_ERROR');
    const swapped = [...signatures];
    [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
    expect(await codeOf(createClient({ target: extensionAnswering(answer(rsa, swapped)).target, origin }).signHashes({ hashes, hashAlgorithm: 'SHA-256' }))).toBe('PROTOCOL_ERROR');
    expect(await codeOf(createClient({ target: extensionAnswering(answer(rsa, signatures.slice(1))).target, origin }).signHashes({ hashes, hashAlgorithm: 'SHA-256' }))).toBe('PROTOCOL_ERROR');
  });

  it('refuses signatures by another certificate than the one asked for', async () => {
    const byEc = answer(ec, signAll(ec, invoices), 'ECDSA');
    const code = await codeOf(createClient({ target: extensionAnswering(byEc).target, origin }).signHashes({ hashes, hashAlgorithm: 'SHA-256', certificateId: rsa.id }));
    expect(code).toBe('PROTOCOL_ERROR');
  });

  it(`refuses an empty list and more than ${SIGN_HASHES_MAX} hashes before sending anything (BAD_REQUEST)`, async () => {
    const { target, posted } = extensionAnswering(undefined);
    expect(await codeOf(createClient({ target, origin }).signHashes({ hashes: [], hashAlgorithm: 'SHA-256' }))).toBe('BAD_REQUEST');
    const tooMany = Array(SIGN_HASHES_MAX + 1).fill(hashes[0]);
    expect(await codeOf(createClient({ target, origin }).signHashes({ hashes: tooMany, hashAlgorithm: 'SHA-256' }))).toBe('BAD_REQUEST');
    expect(posted).toHaveLength(0);
  });
});

describe('what the consent window is given for signHashes', () => {
  it('states the count and quotes at most 10 descriptions, bounded whatever N is', () => {
    const many = Array.from({ length: SIGN_HASHES_MAX }, (_, i) => ({ hash: hashes[0]!.hash, description: `${'x'.repeat(190)} ${i}` }));
    const text = consentDescription({ hashes: many, hashAlgorithm: 'SHA-256', description: 'Hóa đơn tháng 11/2026' });
    expect(text.startsWith('Hóa đơn tháng 11/2026 — 10000 mã băm / 10000 digests: ')).toBe(true);
    expect(text.endsWith('(+ 9990)')).toBe(true);
    expect(text.length).toBeLessThan(2_500);
    expect(consentDescription({ hashes: hashes.slice(0, 2), hashAlgorithm: 'SHA-256' })).toBe('2 mã băm / 2 digests: HĐ 1; HĐ 2');
  });

  it('the digest shown is H(hash1 ‖ … ‖ hashN): any change or reordering of the list changes it', async () => {
    const digests = hashes.map((h) => new Uint8Array(Buffer.from(h.hash, 'base64')));
    const shown = await listFingerprintHex(digests, 'SHA-256');
    expect(shown).toBe(createHash('sha256').update(Buffer.concat(digests)).digest('hex'));
    expect(await listFingerprintHex([digests[1]!, digests[0]!, ...digests.slice(2)], 'SHA-256')).not.toBe(shown);
  });
});
