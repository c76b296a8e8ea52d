#!/usr/bin/env node
/**
 * `npm run bench [-- --n 200] [--json]`: what signing costs through the native host, next to the bare
 * pkcs11js loop on the same SoftHSM2 token (the physical floor on this machine).
 *
 *   bare        one session, one login, C_Sign in a loop (pkcs11js, no Kyso code)
 *   host seq    host.signDigest one after another over stdio: each request logs in, signs, logs out
 *   host par8   the same with 8 requests in flight (signing is serialised per token by design)
 *
 * Uses a fresh demo token in a temp dir and the built host (dist/host/kyso-host.mjs; built if missing).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const CHROME_CALLER = 'chrome-extension://abddkodjbciaefbbillgfgplhpgfcokp/';

const { values } = parseArgs({ options: { n: { type: 'string', default: '200' }, json: { type: 'boolean' } } });
const N = Math.max(10, Number(values.n) || 200);

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function summary(label, key, times, wallMs) {
  const sorted = [...times].sort((a, b) => a - b);
  return { label, key, n: times.length, p50Ms: +percentile(sorted, 0.5).toFixed(2), p95Ms: +percentile(sorted, 0.95).toFixed(2), perSecond: Math.round((times.length * 1000) / wallMs) };
}

function bareLoop(token, certName) {
  const pkcs11js = require('pkcs11js');
  const cert = token.certificates.find((c) => c.name === certName);
  const lib = new pkcs11js.PKCS11();
  lib.load(token.module);
  lib.C_Initialize();
  try {
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === token.tokenLabel);
    const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    lib.C_Login(session, pkcs11js.CKU_USER, token.userPin);
    lib.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, { type: pkcs11js.CKA_ID, value: Buffer.from(cert.ckaId, 'hex') }]);
    const [key] = lib.C_FindObjects(session, 1);
    lib.C_FindObjectsFinal(session);
    const digest = createHash('sha256').update('bench').digest();
    const data = cert.keyType === 'EC' ? digest : Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), digest]);
    const mechanism = { mechanism: cert.keyType === 'EC' ? pkcs11js.CKM_ECDSA : pkcs11js.CKM_RSA_PKCS };
    const times = [];
    const start = performance.now();
    for (let i = 0; i < N; i++) {
      const t = performance.now();
      lib.C_SignInit(session, mechanism, key);
      lib.C_Sign(session, data, Buffer.alloc(512));
      times.push(performance.now() - t);
    }
    const wall = performance.now() - start;
    lib.C_Logout(session);
    lib.C_CloseSession(session);
    return summary(`bare pkcs11js ${cert.keyType}`, `bare-${certName}`, times, wall);
  } finally {
    lib.C_Finalize();
  }
}

function startHost(hostPath, env) {
  const child = spawn(process.execPath, [hostPath, CHROME_CALLER], { env: { ...process.env, ...env, KYSO_LOG_LEVEL: 'warn' }, stdio: ['pipe', 'pipe', 'ignore'] });
  const waiting = new Map();
  let buf = Buffer.alloc(0);
  let counter = 0;
  child.stdout.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 4) {
      const n = buf.readUInt32LE(0);
      if (buf.length < 4 + n) break;
      const reply = JSON.parse(buf.subarray(4, 4 + n).toString('utf8'));
      buf = buf.subarray(4 + n);
      waiting.get(reply.id)?.(reply);
      waiting.delete(reply.id);
    }
  });
  const request = (type, payload) => new Promise((resolveReply) => {
    const id = `b${++counter}`;
    waiting.set(id, resolveReply);
    const body = Buffer.from(JSON.stringify({ v: 1, id, type, payload }));
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length, 0);
    child.stdin.write(Buffer.concat([head, body]));
  });
  return { request, close: () => new Promise((r) => { child.on('exit', r); child.stdin.end(); }) };
}

async function hostRuns(hostPath, token, certName) {
  const cert = token.certificates.find((c) => c.name === certName);
  const host = startHost(hostPath, { SOFTHSM2_CONF: token.softhsm2Conf, KYSO_PKCS11_MODULE: token.module });
  const digest = createHash('sha256').update('bench').digest('base64');
  const payload = { certificateId: cert.certificateId, digest, hashAlgorithm: 'SHA-256', pin: token.userPin };
  const sign = async () => {
    const t = performance.now();
    const reply = await host.request('host.signDigest', payload);
    if (reply.type !== 'host.result') throw new Error(`host: ${JSON.stringify(reply.error)}`);
    return performance.now() - t;
  };
  try {
    for (let i = 0; i < 5; i++) await sign(); // warm-up: module load, first describe
    const seq = [];
    let start = performance.now();
    for (let i = 0; i < N; i++) seq.push(await sign());
    const seqWall = performance.now() - start;
    const par = [];
    start = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next++ < N) par.push(await sign());
    }));
    const parWall = performance.now() - start;
    return [
      summary(`host seq ${cert.keyType}`, `host-seq-${certName}`, seq, seqWall),
      summary(`host par8 ${cert.keyType}`, `host-par8-${certName}`, par, parWall),
    ];
  } finally {
    await host.close();
  }
}

async function main() {
  const hostPath = join(ROOT, 'dist/host/kyso-host.mjs');
  if (!existsSync(hostPath)) {
    const { buildHost } = await import(pathToFileURL(join(ROOT, 'scripts/build-host.mjs')).href);
    await buildHost();
  }
  const dir = mkdtempSync(join(tmpdir(), 'kyso-bench-'));
  try {
    const { createDemoTokenSync } = await import(pathToFileURL(join(ROOT, 'scripts/token-demo.mjs')).href);
    const token = createDemoTokenSync(dir);
    process.env.SOFTHSM2_CONF = token.softhsm2Conf;
    const rows = [];
    for (const name of ['org-rsa', 'person-ec']) {
      rows.push(bareLoop(token, name));
      rows.push(...await hostRuns(hostPath, token, name));
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ n: N, node: process.versions.node, rows }, null, 2)}\n`);
      return;
    }
    process.stdout.write(`Kyso signing benchmark, ${N} signatures each (SoftHSM2, RSA-2048 / P-256)\n`);
    process.stdout.write(`${'run'.padEnd(20)}${'p50 ms'.padStart(9)}${'p95 ms'.padStart(9)}${'sign/s'.padStart(9)}\n`);
    for (const r of rows) process.stdout.write(`${r.label.padEnd(20)}${String(r.p50Ms).padStart(9)}${String(r.p95Ms).padStart(9)}${String(r.perSecond).padStart(9)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
