/**
 * dist/sdk/server.d.ts (hand-written, sdk/server/server-public.d.ts) must describe sdk/server/index.ts, like
 * test/unit/sdk-types.test.ts does for the page SDK.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as Declared from '../../sdk/server/server-public.js';
import * as server from '../../sdk/server/index.js';

describe('server SDK declarations match the code', () => {
  it('types', () => {
    expectTypeOf<Awaited<ReturnType<typeof server.verifyAuthToken>>>().toExtend<Declared.VerifiedSignIn>();
    expectTypeOf<Declared.VerifyAuthTokenOptions>().toExtend<Parameters<typeof server.verifyAuthToken>[1]>();
    expectTypeOf<Parameters<typeof server.verifyAuthToken>[1]>().toExtend<Declared.VerifyAuthTokenOptions>();
    expectTypeOf<server.AuthToken>().toExtend<Declared.AuthToken>();
    expectTypeOf<Awaited<ReturnType<typeof server.verify>>>().toExtend<Declared.SignatureCheck>();
    expectTypeOf<Declared.VerifySignatureOptions>().toExtend<Parameters<typeof server.verify>[1]>();
    expectTypeOf<Parameters<typeof server.verify>[1]>().toExtend<Declared.VerifySignatureOptions>();
  });

  it('declares exactly the runtime exports', () => {
    expect(Object.keys(server).sort()).toEqual(['AUTH_CHALLENGE_MAX_BYTES', 'AUTH_CHALLENGE_MIN_BYTES', 'AUTH_TOKEN_FORMAT', 'KysoError', 'verify', 'verifyAuthToken']);
  });
});
