/**
 * Issue 15 §2 "disk full while writing a signed file", on both paths that write one, with the real SoftHSM2 token
 * under a file-size limit (RLIMIT_FSIZE via util-linux `prlimit`, so every write past the limit fails with EFBIG
 * exactly as a full disk fails with ENOSPC; Node ignores SIGXFSZ, so the write error reaches Kyso):
 *  - the real `kyso` CLI process (sign-pdf, sign-cms, sign-xml) started under the limit: the input must stay
 *    byte-identical, no half file (nor a temp file) may remain beside the output, and the person reads a clear
 *    DISK_FULL message in Vietnamese and English;
 *  - the built host (the browser path: host.signDocuments over uploaded documents), its limit lowered while it
 *    runs, after the uploads and before the request, as a disk that fills up meanwhile: each document gets a typed
 *    DISK_FULL, nothing is left in the host's document folder, the uploaded file was never written to, and once
 *    there is room again the same host process signs.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../shared/errors/catalogue.js';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { kysoLauncher } from '../helpers/kyso-cli.js';
import { documentChunks, hostResult, readDocument } from '../helpers/host-documents.js';
import { buildTestHost, spawnHost, type HostProcess } from '../helpers/host-process.js';
import { nssDbWith, pdfsig } from '../fixtures/pdf/pdf-test-tools.js';
import { makePaddedPdf } from '../fixtures/pdf/generate-fixtures.js';

/** Big enough to write, small enough that the signed copy (≈ the input + a signature) cannot fit under it. */
const INPUT_BYTES = 3 * 1024 * 1024;
const FILE_SIZE_LIMIT_BYTES = 2 * 1024 * 1024;
/** Each upload of the host test (the limit is set after the uploads, just above the largest). */
const HOST_INPUT_BYTES = 1024 * 1024;
const XML_FIXTURE = resolve(import.meta.dirname, '../fixtures/xml/einvoice-tt78.xml');

let token: DemoToken;
let dir: string;

beforeAll(async () => {
  token = await createDemoToken();
  dir = await mkdtemp(join(tmpdir(), 'kyso-disk-full-'));
}, 120_000);

/** `kyso ARGS` with the PIN on stdin, its files limited to `limit` bytes. */
async function kysoWithFileSizeLimit(args: string[], limit: number): Promise<{ code: number | null; stderr: string }> {
  const launcher = await kysoLauncher();
  return new Promise((resolve, reject) => {
    const child = spawn('prlimit', [`--fsize=${limit}`, '--', process.execPath, launcher, ...args], {
      env: { ...process.env, ...token.env }, stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.end(`${token.userPin}\n`);
  });
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** An e-invoice grown to `bytes` by a comment inside its root element (sign-xml reads it on the text fast path). */
async function invoiceOf(bytes: number): Promise<Uint8Array> {
  const xml = await readFile(XML_FIXTURE, 'utf8');
  const end = xml.lastIndexOf('</');
  const padded = `${xml.slice(0, end)}<!--${'x'.repeat(Math.max(0, bytes - xml.length - 7))}-->${xml.slice(end)}`;
  return new TextEncoder().encode(padded);
}

const INPUTS = {
  'sign-pdf': { name: 'to-khai.pdf', make: makePaddedPdf, extra: ['--invisible'] },
  'sign-cms': { name: 'to-khai.bin', make: async (n: number) => new Uint8Array(randomBytes(n)), extra: ['--attached'] },
  'sign-xml': { name: 'hoa-don.xml', make: invoiceOf, extra: [] },
} as const;

describe('disk full while writing a signed file (RLIMIT_FSIZE on the real CLI)', () => {
  for (const command of ['sign-pdf', 'sign-cms', 'sign-xml'] as const) {
    it(`kyso ${command}: input intact, nothing left in the output folder, DISK_FULL in Vietnamese and English`, async () => {
      const input = join(dir, INPUTS[command].name);
      const original = await INPUTS[command].make(INPUT_BYTES);
      await writeFile(input, original);
      const out = join(dir, `out-${command}`);
      await mkdir(out);
      const extra = INPUTS[command].extra;
      const { code, stderr } = await kysoWithFileSizeLimit([command, input, '-o', out, '--cert', 'MST:0101234567', '--pin-stdin', ...extra], FILE_SIZE_LIMIT_BYTES);
      expect(code, stderr).not.toBe(0);
      expect(stderr).toContain('DISK_FULL');
      expect(stderr).toContain(ERROR_CATALOGUE.DISK_FULL.vi);
      expect(stderr).toContain(ERROR_CATALOGUE.DISK_FULL.en);
      expect(stderr).toContain(ERROR_CATALOGUE.DISK_FULL.hintEn);
      // No half file and no temp file: the folder is as empty as before.
      expect(await readdir(out)).toEqual([]);
      expect(sha256(await readFile(input))).toBe(sha256(original));
      // The same command without the limit signs: the fault, not the input, was the problem.
      const retry = await kysoWithFileSizeLimit([command, input, '-o', out, '--cert', 'MST:0101234567', '--pin-stdin', ...extra], 1024 * 1024 * 1024);
      expect(retry.code, retry.stderr).toBe(0);
      expect((await readdir(out)).filter((n) => !n.startsWith('.'))).toHaveLength(1);
    }, 120_000);
  }
});

/** Set the soft RLIMIT_FSIZE of a running process (the hard limit stays unlimited, so it can be raised again). */
function setFileSizeLimit(pid: number, limit: number | 'unlimited'): void {
  execFileSync('prlimit', ['--pid', String(pid), `--fsize=${limit}:unlimited`]);
}

async function upload(h: HostProcess, kind: string, bytes: Uint8Array): Promise<string> {
  const { handle } = await hostResult(h, 'host.documentBegin', { kind, size: bytes.length, sha256: sha256(bytes) });
  for (const chunk of documentChunks(handle, bytes)) await hostResult(h, 'host.documentChunk', chunk);
  return handle as string;
}

async function filesIn(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('disk full while the host writes a signed result (host.signDocuments, RLIMIT_FSIZE on the running host)', () => {
  it('PDF, XML and enveloping CMS in one batch: each DISK_FULL, nothing left in the host folder, the uploads never written to; then the same host signs', async () => {
    const built = await buildTestHost();
    const hostTmp = await mkdtemp(join(dir, 'host-tmp-'));
    const h = spawnHost(built.hostPath, { env: { ...token.env, TMPDIR: hostTmp, XDG_RUNTIME_DIR: '' } });
    try {
      const inputs = [
        { kind: 'pdf', bytes: await makePaddedPdf(HOST_INPUT_BYTES), options: { invisible: true } },
        { kind: 'xml', bytes: await invoiceOf(HOST_INPUT_BYTES), options: {} },
        { kind: 'cms', bytes: new Uint8Array(randomBytes(HOST_INPUT_BYTES)), options: { attached: true } },
      ];
      const request = async () => {
        const handles: string[] = [];
        for (const { kind, bytes } of inputs) handles.push(await upload(h, kind, bytes));
        return { handles, payload: {
          certificateId: token.cert('org-rsa').certificateId, pin: token.userPin,
          documents: inputs.map(({ kind, options }, k) => ({ kind, handle: handles[k], options })),
        } };
      };

      const first = await request();
      // Hard links to the uploaded files: they still show the file's bytes after the request discards the upload.
      const uploaded = await filesIn(hostTmp);
      expect(uploaded).toHaveLength(3);
      const links = await Promise.all(uploaded.map(async (file, k) => { const l = join(dir, `uploaded-${k}`); await link(file, l); return l; }));
      const uploadedHashes = (await Promise.all(links.map((l) => readFile(l)))).map(sha256).sort();
      expect(uploadedHashes).toEqual(inputs.map(({ bytes }) => sha256(bytes)).sort());

      // The disk fills up: in the running host, every write past a little more than the largest input fails, so
      // the PDF's copy of its input fits and its signed update does not (a half-written temp file to clean up).
      setFileSizeLimit(h.child.pid!, Math.max(...inputs.map(({ bytes }) => bytes.length)) + 1024);
      const failed = await hostResult(h, 'host.signDocuments', first.payload);
      expect(failed.results).toEqual(inputs.map(() => expect.objectContaining({
        ok: false, error: expect.objectContaining({ code: 'DISK_FULL', message: ERROR_CATALOGUE.DISK_FULL.vi, messageEn: ERROR_CATALOGUE.DISK_FULL.en }),
      })));
      // No half result and no temp file; the uploads are discarded after a request, as after any signing.
      expect(await filesIn(hostTmp)).toEqual([]);
      // The uploaded files were only read.
      expect((await Promise.all(links.map((l) => readFile(l)))).map(sha256).sort()).toEqual(uploadedHashes);

      // Room again: the same host process signs the same documents, and the signed PDF verifies.
      setFileSizeLimit(h.child.pid!, 'unlimited');
      const second = await request();
      const signed = await hostResult(h, 'host.signDocuments', second.payload);
      expect(signed.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, true, true]);
      const pdfPath = join(dir, 'host-signed.pdf');
      await writeFile(pdfPath, await readDocument(h, signed.results[0].handle));
      const report = await pdfsig(pdfPath, await nssDbWith([token.rootPem, token.intermediatePem]));
      expect(report.signatures.map((sig) => sig.valid)).toEqual([true]);
      expect(h.stderrText()).not.toContain(token.userPin);
    } finally {
      await h.close();
    }
  }, 180_000);
});
