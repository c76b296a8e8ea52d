import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { HostReplySchema, HostRequestSchema } from '../../shared/protocol/host-messages.js';
import { PageReplySchema, PageRequestSchema } from '../../shared/protocol/page-messages.js';
import { newRequestId, parseOrThrow } from '../../shared/protocol/validate.js';
import { KysoError } from '../../shared/errors/kyso-error.js';

const digest256 = Buffer.alloc(32, 7).toString('base64');
const certId = 'A'.repeat(43);

describe('host protocol schemas', () => {
  it('accepts a well-formed signDigest request', () => {
    const req = { v: 1, id: newRequestId(), type: 'host.signDigest', payload: { certificateId: certId, digest: digest256, hashAlgorithm: 'SHA-256', pin: '123456' } };
    expect(v.safeParse(HostRequestSchema, req).success).toBe(true);
  });

  it.each([
    ['unknown type', { v: 1, id: 'a', type: 'host.format', payload: {} }],
    ['wrong version', { v: 2, id: 'a', type: 'host.listTokens', payload: {} }],
    ['extra field', { v: 1, id: 'a', type: 'host.listTokens', payload: {}, origin: 'https://x' }],
    ['extra payload field', { v: 1, id: 'a', type: 'host.listTokens', payload: { all: true } }],
    ['id with spaces', { v: 1, id: 'a b', type: 'host.listTokens', payload: {} }],
    ['id too long', { v: 1, id: 'a'.repeat(65), type: 'host.listTokens', payload: {} }],
    ['PIN with control char', { v: 1, id: 'a', type: 'host.signDigest', payload: { certificateId: certId, digest: digest256, hashAlgorithm: 'SHA-256', pin: '12\n3456' } }],
    ['PIN too short', { v: 1, id: 'a', type: 'host.signDigest', payload: { certificateId: certId, digest: digest256, hashAlgorithm: 'SHA-256', pin: '12' } }],
    ['unknown hash', { v: 1, id: 'a', type: 'host.signDigest', payload: { certificateId: certId, digest: digest256, hashAlgorithm: 'MD5' } }],
    ['digest not base64', { v: 1, id: 'a', type: 'host.signDigest', payload: { certificateId: certId, digest: '!!!!', hashAlgorithm: 'SHA-256' } }],
    ['null', null],
    ['array', []],
  ])('refuses %s', (_name, message) => {
    expect(v.safeParse(HostRequestSchema, message).success).toBe(false);
  });

  it('accepts error and chunk replies and refuses a chunk count of 1', () => {
    expect(v.safeParse(HostReplySchema, { v: 1, id: '', type: 'host.error', error: { code: 'PROTOCOL_ERROR', message: 'x', messageEn: 'x' } }).success).toBe(true);
    expect(v.safeParse(HostReplySchema, { v: 1, id: 'r1', type: 'host.chunk', index: 0, count: 2, data: '{' }).success).toBe(true);
    expect(v.safeParse(HostReplySchema, { v: 1, id: 'r1', type: 'host.chunk', index: 0, count: 1, data: '{' }).success).toBe(false);
    expect(v.safeParse(HostReplySchema, { v: 1, id: 'r1', type: 'host.error', error: { code: 'MADE_UP', message: 'x', messageEn: 'x' } }).success).toBe(false);
  });
});

describe('page protocol schemas', () => {
  it('accepts signHash and refuses an origin smuggled in the payload', () => {
    const ok = { v: 1, id: 'x1', type: 'kyso.signHash', payload: { hash: digest256, hashAlgorithm: 'SHA-256' } };
    expect(v.safeParse(PageRequestSchema, ok).success).toBe(true);
    const smuggled = { ...ok, payload: { ...ok.payload, origin: 'https://dichvucong.gov.vn' } };
    expect(v.safeParse(PageRequestSchema, smuggled).success).toBe(false);
  });

  it('accepts ack/result/error replies only', () => {
    expect(v.safeParse(PageReplySchema, { v: 1, id: 'x', type: 'kyso.ack' }).success).toBe(true);
    expect(v.safeParse(PageReplySchema, { v: 1, id: 'x', type: 'kyso.result', payload: {} }).success).toBe(true);
    expect(v.safeParse(PageReplySchema, { v: 1, id: 'x', type: 'kyso.done' }).success).toBe(false);
  });
});

describe('parseOrThrow and request ids', () => {
  it('throws a typed error naming the field, never echoing the value', () => {
    try {
      parseOrThrow(HostRequestSchema, { v: 1, id: 'a', type: 'host.signDigest', payload: { certificateId: certId, digest: digest256, hashAlgorithm: 'SHA-256', pin: '1\u00002345' } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(KysoError);
      expect((e as KysoError).code).toBe('BAD_REQUEST');
      expect(JSON.stringify((e as KysoError).details)).not.toContain('2345');
    }
  });

  it('makes unguessable, schema-valid ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newRequestId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
