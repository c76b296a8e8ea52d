/**
 * RFC 3161 Time-Stamp Protocol client over HTTP [RFC 3161 §3.4]: POST a TimeStampReq
 * (application/timestamp-query), read a TimeStampResp (application/timestamp-reply), check it answers OUR
 * request (status granted, same message imprint, same nonce) and return the TimeStampToken (a CMS ContentInfo).
 * For PAdES B-T the imprint is the hash of the SignerInfo's signature value [ETSI EN 319 122-1 §5.3; RFC 3161 App. A].
 * The request goes through trust/http-fetch.ts: bounded, and to no loopback / private / link-local address unless
 * allowed — a page's `tsaUrl` must not make the host probe the person's network (docs/security.md, SSRF); the
 * person's own command line (`kyso sign-* --tsa`) may name a local TSA.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { HASH_OID, type HashAlgorithm } from '../../../shared/domain/algorithms.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { FetchError, fetchHttp } from '../../trust/http-fetch.js';

export interface TimestampOptions {
  readonly url: string;
  readonly hashAlgorithm?: HashAlgorithm;
  readonly timeoutMs?: number;
  /** Policy OID to ask for; default the TSA's own. */
  readonly policy?: string;
  /**
   * May the TSA be on loopback or a private network? `true` for the person's own command line; default (a page's
   * tsaUrl): the admin setting (config.ts allowPrivateRevocationUrls).
   */
  readonly allowPrivateAddresses?: boolean;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_REPLY_BYTES = 256 * 1024;

/** A `timestamp` hook for buildCmsSignature / signPdf. */
export function timestampHook(options: TimestampOptions): (signatureValue: Uint8Array) => Promise<Uint8Array> {
  return (signatureValue) => requestTimestamp(signatureValue, options);
}

export async function requestTimestamp(data: Uint8Array, options: TimestampOptions): Promise<Uint8Array> {
  const hashAlgorithm = options.hashAlgorithm ?? 'SHA-256';
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new KysoError('BAD_REQUEST', { reason: 'the timestamp server URL is not a URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new KysoError('BAD_REQUEST', { reason: 'the timestamp server URL must be http(s)' });

  const imprint = new Uint8Array(createHash(hashAlgorithm.replace('-', '').toLowerCase()).update(data).digest());
  const nonce = randomBytes(8);
  nonce[0] = (nonce[0]! & 0x7f) | 0x01; // positive INTEGER, no leading zero byte
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: HASH_OID[hashAlgorithm] }),
      hashedMessage: new asn1js.OctetString({ valueHex: imprint }),
    }),
    nonce: new asn1js.Integer({ valueHex: nonce }),
    certReq: true, // the token then carries the TSA certificate, so validators can check it offline
    ...(options.policy ? { reqPolicy: options.policy } : {}),
  });
  const body = new Uint8Array(request.toSchema().toBER());

  let reply: Uint8Array;
  try {
    reply = await fetchHttp(url.href, {
      method: 'POST', body, contentType: 'application/timestamp-query', accept: 'application/timestamp-reply',
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBytes: MAX_REPLY_BYTES, allowHttps: true,
      ...(options.allowPrivateAddresses !== undefined ? { allowPrivateAddresses: options.allowPrivateAddresses } : {}),
    });
  } catch (cause) {
    // The reason is generic on purpose: a page must not learn what answered where on the person's network.
    const refused = cause instanceof FetchError && cause.message.startsWith('address not allowed');
    const timedOut = cause instanceof FetchError && cause.message.startsWith('timed out');
    const httpStatus = cause instanceof FetchError ? /^HTTP (\d{3})$/.exec(cause.message)?.[1] : undefined;
    const reason = refused ? 'the timestamp server address is not allowed (loopback or private network)'
      : timedOut ? 'the timestamp server did not answer in time'
        : httpStatus ? 'the timestamp server answered with an HTTP error' : 'the timestamp server could not be reached';
    throw new KysoError('TIMESTAMP_FAILED', { reason, host: url.host, ...(httpStatus ? { status: Number(httpStatus) } : {}) }, { cause });
  }
  if (reply.length > MAX_REPLY_BYTES) throw new KysoError('TIMESTAMP_FAILED', { reason: 'the timestamp reply is too large' });
  return checkReply(reply, imprint, HASH_OID[hashAlgorithm], nonce);
}

/** Status granted(0) or grantedWithMods(1) [RFC 3161 §2.4.2]; the token's TSTInfo must echo imprint and nonce. */
function checkReply(reply: Uint8Array, imprint: Uint8Array, hashOid: string, nonce: Uint8Array): Uint8Array {
  try {
    const resp = pkijs.TimeStampResp.fromBER(reply.slice().buffer);
    const status = resp.status.status;
    if ((status !== 0 && status !== 1) || !resp.timeStampToken) {
      throw new KysoError('TIMESTAMP_FAILED', { reason: 'the timestamp server refused the request', status });
    }
    const signed = new pkijs.SignedData({ schema: resp.timeStampToken.content });
    const eContent = signed.encapContentInfo.eContent;
    if (!eContent) throw new KysoError('TIMESTAMP_FAILED', { reason: 'the timestamp token has no TSTInfo' });
    const tst = pkijs.TSTInfo.fromBER(eContent.getValue());
    const sameImprint = tst.messageImprint.hashAlgorithm.algorithmId === hashOid
      && Buffer.from(tst.messageImprint.hashedMessage.getValue()).equals(Buffer.from(imprint));
    const sameNonce = tst.nonce !== undefined && Buffer.from(tst.nonce.valueBlock.valueHexView).equals(Buffer.from(nonce));
    if (!sameImprint || !sameNonce) throw new KysoError('TIMESTAMP_FAILED', { reason: 'the timestamp does not answer this request (imprint or nonce differs)' });
    return new Uint8Array(resp.timeStampToken.toSchema().toBER());
  } catch (cause) {
    if (cause instanceof KysoError) throw cause;
    throw new KysoError('TIMESTAMP_FAILED', { reason: 'the timestamp reply is not a valid RFC 3161 response' }, { cause });
  }
}
