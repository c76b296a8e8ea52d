/**
 * Record a signing attempt around the code that signs: run it, then append its record (success or error code)
 * and only then hand back the result. If the record cannot be written, the signature is NOT returned
 * (HISTORY_WRITE_FAILED): "every signature has its record" outranks "this one signature got through".
 */
import type { CertificateInfo } from '../../shared/protocol/common.js';
import type { SigningRecordBody, SigningRecordItem, SigningRequester } from '../../shared/protocol/signing-history.js';
import { parseRequesterOrigin } from '../../shared/domain/origin.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { appendSigningRecord } from './history-writer.js';
import { kysoDataDir } from './data-dir.js';

export type SigningOperation = SigningRecordBody['operation'];

/** Where the attempt came from, checked: the origins are the browser's and must be real requester origins. */
export interface RequesterFields {
  readonly origin: string;
  readonly topOrigin?: string;
  readonly pageOperation?: string;
  readonly description?: string;
}

/**
 * The requester the background sent, validated again here (shared/domain/origin.ts): a non-origin in these
 * fields is a bug or a forged message, refused (BAD_REQUEST) before anything is signed. Absent: `unknown`.
 */
export function checkedRequester(requester: SigningRequester | undefined): RequesterFields {
  if (requester === undefined) return { origin: 'unknown' };
  const origin = parseRequesterOrigin(requester.origin);
  const top = requester.topOrigin === undefined ? undefined : parseRequesterOrigin(requester.topOrigin);
  if (!origin.ok || (top !== undefined && !top.ok)) {
    throw new KysoError('BAD_REQUEST', { reason: 'requester origin is not an origin', problem: !origin.ok ? origin.problem : top && !top.ok ? top.problem : '' });
  }
  return {
    origin: origin.value.serialized,
    ...(top?.ok && top.value.serialized !== origin.value.serialized ? { topOrigin: top.value.serialized } : {}),
    ...(requester.pageOperation ? { pageOperation: requester.pageOperation } : {}),
    ...(requester.description ? { description: requester.description } : {}),
  };
}

export const CLI_REQUESTER: RequesterFields = { origin: 'cli' };

export interface AttemptOutcome {
  readonly items: readonly SigningRecordItem[];
  readonly result: SigningRecordBody['result'];
  readonly error?: string;
}

export interface SigningAttempt<R> {
  readonly operation: SigningOperation;
  readonly requester: RequesterFields;
  /** What is to be signed, known before signing (names, SHA-256 values). */
  readonly items: readonly SigningRecordItem[];
  /** The certificate used or asked for; undefined when it cannot be found (token pulled out). */
  certificate(result: R | undefined): Promise<CertificateInfo | undefined>;
  /** Per-item outcome of a successful call (batches); default: every item signed. */
  outcome?(result: R): AttemptOutcome;
}

/** Run `sign`, record the attempt durably, then return (or rethrow). */
export async function recordedAttempt<R>(attempt: SigningAttempt<R>, sign: () => Promise<R>, dir: string = kysoDataDir()): Promise<R> {
  let result: R;
  try {
    result = await sign();
  } catch (error) {
    const code = error instanceof KysoError ? error.code : 'INTERNAL_ERROR';
    await writeRecord(dir, attempt, undefined, { items: attempt.items, result: 'error', error: code });
    throw error;
  }
  await writeRecord(dir, attempt, result, attempt.outcome?.(result) ?? { items: attempt.items, result: 'ok' });
  return result;
}

async function writeRecord<R>(dir: string, attempt: SigningAttempt<R>, result: R | undefined, outcome: AttemptOutcome): Promise<void> {
  const certificate = await attempt.certificate(result).catch(() => undefined);
  const body: SigningRecordBody = {
    v: 1,
    time: new Date().toISOString(),
    ...attempt.requester,
    operation: attempt.operation,
    items: [...outcome.items],
    ...(certificate ? certificateFields(certificate) : {}),
    result: outcome.result,
    ...(outcome.error ? { error: outcome.error } : {}),
  };
  try {
    await appendSigningRecord(dir, body);
  } catch (cause) {
    throw new KysoError('HISTORY_WRITE_FAILED', { errno: (cause as NodeJS.ErrnoException).code ?? 'EIO' }, { cause });
  }
}

/** Holder, identifiers ("MST:…"), fingerprint and token of a certificate — what a person recognises. */
export function certificateFields(info: CertificateInfo): Pick<SigningRecordBody, 'certificate' | 'token'> {
  const identifiers = info.subject.identifiers.all.slice(0, 20);
  const issuer = info.issuer.ca ?? info.issuer.commonName;
  return {
    certificate: {
      ...(info.subject.commonName ? { holder: info.subject.commonName } : {}),
      identifiers,
      fingerprintSha256: info.fingerprintSha256,
      serialNumber: info.serialNumber,
      ...(issuer ? { issuer } : {}),
    },
    ...(info.token ? { token: { label: info.token.label, serialNumber: info.token.serialNumber } } : {}),
  };
}
