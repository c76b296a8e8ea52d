/**
 * host.verifyDocument takes the caller's format hint and weak-algorithm policy like `kyso verify --format/--policy`
 * (issue 12 §3–4: one rule for every caller). Over the built host's stdio, with CMS signatures made by openssl
 * (an independent signer) with the demo PKI: a SHA-1 signature is indeterminate (WEAK_ALGORITHM) by default and
 * reported with WEAK_ALGORITHM_ACCEPTED, naming the stated use, when the caller accepts it; a named format is used
 * instead of detection; a policy without a use is refused at the boundary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { buildTestHost, spawnHost, type HostProcess } from '../helpers/host-process.js';

const run = promisify(execFile);
let token: DemoToken;
let host: HostProcess;
let sha1Cms: Buffer;
let rootDer: Buffer;

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const pemToDer = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
const codes = (payload: any): string[] => payload.signatures[0].reasons.map((r: { code: string }) => r.code);

beforeAll(async () => {
  let built;
  [token, built] = await Promise.all([createDemoToken(), buildTestHost()]);
  host = spawnHost(built.hostPath, { env: { ...token.env, KYSO_TRUST_DIR: '' } });
  const doc = join(token.dir, 'thong-bao-2022.txt');
  await writeFile(doc, 'Thông báo thuế năm 2022 (ký rsa-sha1).\n');
  const person = token.cert('person2-rsa');
  await run('openssl', ['cms', '-sign', '-binary', '-nodetach', '-outform', 'DER', '-in', doc, '-signer', person.certPem, '-inkey', person.keyPem,
    '-certfile', token.intermediatePem, '-md', 'sha1', '-out', `${doc}.p7m`]);
  sha1Cms = await readFile(`${doc}.p7m`);
  rootDer = pemToDer(await readFile(token.rootPem, 'utf8'));
}, 180_000);

afterAll(async () => { await host?.close(); });

describe('host.verifyDocument: the caller\'s weak-algorithm policy and format hint', () => {
  it('SHA-1 signature: indeterminate with WEAK_ALGORITHM by default; WEAK_ALGORITHM_ACCEPTED (naming the use) when the caller accepts it', async () => {
    const base = { document: b64(sha1Cms), trustRoots: [b64(rootDer)], checkRevocation: false };
    const strict = await host.request('host.verifyDocument', base);
    expect(strict.type, JSON.stringify(strict)).toBe('host.result');
    expect(strict.payload.status).toBe('indeterminate');
    expect(codes(strict.payload)).toContain('WEAK_ALGORITHM');

    const use = 'đọc lại thông báo thuế 2022 / archive reading';
    const accepted = await host.request('host.verifyDocument', { ...base, acceptWeakAlgorithms: { use } });
    expect(accepted.payload.status).toBe('valid');
    expect(codes(accepted.payload)).toContain('WEAK_ALGORITHM_ACCEPTED');
    expect(codes(accepted.payload)).not.toContain('WEAK_ALGORITHM');
    expect(JSON.stringify(accepted.payload)).toContain(use);
  });

  it('a named format is used instead of detection (a CMS verified as the PDF the caller says it is is not valid); the right hint verifies', async () => {
    const base = { document: b64(sha1Cms), trustRoots: [b64(rootDer)], checkRevocation: false, acceptWeakAlgorithms: { use: 'test' } };
    const asCms = await host.request('host.verifyDocument', { ...base, format: 'cms' });
    expect(asCms.payload).toMatchObject({ status: 'valid', format: 'cms' });
    const asPdf = await host.request('host.verifyDocument', { ...base, format: 'pdf' });
    // The PDF reader is asked, and finds no PDF: an error, or a report that is not valid.
    if (asPdf.type === 'host.result') expect(asPdf.payload.status).not.toBe('valid');
    else expect(asPdf.error.code).toMatch(/INVALID_DOCUMENT|UNSUPPORTED_DOCUMENT/);
  });

  it('refused at the boundary: an unknown format, an accepted weak algorithm without a stated use', async () => {
    for (const extra of [{ format: 'docx' }, { acceptWeakAlgorithms: { use: '' } }, { acceptWeakAlgorithms: {} }]) {
      const reply = await host.request('host.verifyDocument', { document: b64(sha1Cms), checkRevocation: false, ...extra });
      expect(reply.type, JSON.stringify(extra)).toBe('host.error');
      expect(reply.error.code).toBe('BAD_REQUEST');
    }
  });
});
