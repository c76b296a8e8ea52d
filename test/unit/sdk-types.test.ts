/**
 * The SDK's hand-written declarations (sdk/kyso-public.d.ts → dist/sdk/kyso.d.ts) must describe the code:
 * everything the code returns fits the declared types, and everything the declarations let a portal pass is
 * accepted by the code. Checked by the type checker (`npm run typecheck`); the runtime part checks the exports.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as Declared from '../../sdk/kyso-public.js';
import * as sdk from '../../sdk/kyso.js';

describe('SDK declarations match the code', () => {
  it('outputs of the code fit the declared types', () => {
    expectTypeOf<Awaited<ReturnType<typeof sdk.getStatus>>>().toExtend<Declared.KysoStatus>();
    expectTypeOf<Awaited<ReturnType<typeof sdk.listCertificates>>>().toExtend<Declared.CertificateInfo[]>();
    expectTypeOf<Awaited<ReturnType<typeof sdk.signHash>>>().toExtend<Declared.SignatureResult>();
    expectTypeOf<Awaited<ReturnType<typeof sdk.authenticate>>>().toExtend<Declared.AuthToken>();
    expectTypeOf<sdk.KysoError['code']>().toExtend<Declared.KysoErrorCode>();
    expectTypeOf<sdk.KysoError['details']>().toExtend<Declared.KysoError['details']>();
    expectTypeOf<ReturnType<typeof sdk.createClient>>().toExtend<Declared.KysoClient>();
    expectTypeOf<Awaited<ReturnType<typeof sdk.verify>>>().toExtend<Declared.VerificationReport>();
  });

  it('inputs the declarations allow are accepted by the code', () => {
    expectTypeOf<Declared.SignHashParams>().toExtend<Parameters<typeof sdk.signHash>[0]>();
    expectTypeOf<Declared.CertificateFilter>().toExtend<NonNullable<Parameters<typeof sdk.listCertificates>[0]>>();
    expectTypeOf<Declared.TransportOptions>().toExtend<Parameters<typeof sdk.createClient>[0]>();
    // And nothing the code requires is missing from the declarations.
    expectTypeOf<Parameters<typeof sdk.signHash>[0]>().toExtend<Declared.SignHashParams>();
    expectTypeOf<Declared.AuthenticateParams>().toExtend<Parameters<typeof sdk.authenticate>[0]>();
    expectTypeOf<Parameters<typeof sdk.authenticate>[0]>().toExtend<Declared.AuthenticateParams>();
    expectTypeOf<Declared.VerifyOptions>().toExtend<NonNullable<Parameters<typeof sdk.verify>[1]>>();
    expectTypeOf<NonNullable<Parameters<typeof sdk.verify>[1]>>().toExtend<Declared.VerifyOptions>();
  });

  it('document signing: declarations and code agree both ways', () => {
    expectTypeOf<Awaited<ReturnType<typeof sdk.signPdf>>>().toExtend<Declared.SignedDocument>();
    expectTypeOf<Awaited<ReturnType<typeof sdk.signXml>>>().toExtend<Declared.SignedDocument>();
    expectTypeOf<Awaited<ReturnType<typeof sdk.signCms>>>().toExtend<Declared.SignedCms>();
    expectTypeOf<Awaited<ReturnType<typeof sdk.signBatch>>>().toExtend<Declared.SignBatchResult>();
    expectTypeOf<Declared.SignPdfParams>().toExtend<Parameters<typeof sdk.signPdf>[0]>();
    expectTypeOf<Parameters<typeof sdk.signPdf>[0]>().toExtend<Declared.SignPdfParams>();
    expectTypeOf<Declared.SignXmlParams>().toExtend<Parameters<typeof sdk.signXml>[0]>();
    expectTypeOf<Parameters<typeof sdk.signXml>[0]>().toExtend<Declared.SignXmlParams>();
    expectTypeOf<Declared.SignCmsParams>().toExtend<Parameters<typeof sdk.signCms>[0]>();
    expectTypeOf<Parameters<typeof sdk.signCms>[0]>().toExtend<Declared.SignCmsParams>();
    expectTypeOf<Declared.SignBatchParams>().toExtend<Parameters<typeof sdk.signBatch>[0]>();
    expectTypeOf<Parameters<typeof sdk.signBatch>[0]>().toExtend<Declared.SignBatchParams>();
  });

  it('signHashes: declarations and code agree both ways', () => {
    expectTypeOf<Declared.SignHashesParams>().toExtend<Parameters<typeof sdk.signHashes>[0]>();
    expectTypeOf<Parameters<typeof sdk.signHashes>[0]>().toExtend<Declared.SignHashesParams>();
    expectTypeOf<Awaited<ReturnType<typeof sdk.signHashes>>>().toExtend<Declared.SignaturesResult>();
  });

  it('declares exactly the runtime exports', () => {
    expect(Object.keys(sdk).sort()).toEqual(
      ['KysoError', 'SIGNATURE_SCHEMES_FOR_KEY', 'authenticate', 'createClient', 'fromBase64', 'getStatus', 'listCertificates', 'signBatch', 'signCms', 'signHash', 'signHashes', 'signPdf', 'signXml', 'toBase64', 'verify'],
    );
  });
});
