/**
 * The built native host as a child process, spoken to over stdin/stdout with native-messaging frames (4-byte
 * little-endian length, UTF-8 JSON), as the browser does. Joins `host.chunk` frames of large replies.
 */
import { spawn } from 'node:child_process';

export const CHROME_CALLER = 'chrome-extension://abddkodjbciaefbbillgfgplhpgfcokp/';

export function frame(message) {
  const body = Buffer.from(JSON.stringify(message));
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  return Buffer.concat([head, body]);
}

export function startHost(hostPath, env) {
  const child = spawn(process.execPath, [hostPath, CHROME_CALLER], { env: { ...process.env, ...env, KYSO_LOG_LEVEL: 'warn' }, stdio: ['pipe', 'pipe', 'ignore'] });
  const waiting = new Map();
  const pieces = new Map();
  let buf = Buffer.alloc(0);
  let counter = 0;
  const deliver = (reply) => {
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  };
  child.stdout.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 4) {
      const n = buf.readUInt32LE(0);
      if (buf.length < 4 + n) break;
      const reply = JSON.parse(buf.subarray(4, 4 + n).toString('utf8'));
      buf = buf.subarray(4 + n);
      if (reply.type !== 'host.chunk') {
        deliver(reply);
        continue;
      }
      const list = pieces.get(reply.id) ?? [];
      list[reply.index] = reply.data;
      pieces.set(reply.id, list);
      if (list.filter((x) => x !== undefined).length === reply.count) {
        pieces.delete(reply.id);
        deliver(JSON.parse(list.join('')));
      }
    }
  });
  const request = (type, payload) => new Promise((resolveReply) => {
    const id = `b${++counter}`;
    waiting.set(id, resolveReply);
    child.stdin.write(frame({ v: 1, id, type, payload }));
  });
  const close = () => new Promise((r) => {
    if (child.exitCode !== null) return r();
    child.on('exit', r);
    child.stdin.end();
  });
  return { child, request, close };
}

/** The reply's payload, or an Error naming the host's error code. */
export function resultOf(reply) {
  if (reply.type !== 'host.result') throw new Error(`host: ${JSON.stringify(reply.error ?? reply)}`);
  return reply.payload;
}
