/**
 * The host's own check of the portal's expected signer (`host.signDigest` `expectedSigner`), before any login.
 * The extension checks the same thing first; checking again here means a compromised extension page (or any
 * other caller of the host) cannot sign as someone the portal did not ask for.
 */
import type { ExpectedSigner } from '../../../shared/protocol/common.js';
import { checkExpectedSigner } from '../../../shared/certificates/choose-certificates.js';
import type { HandlerContext } from '../handler-context.js';

/** Throws UNEXPECTED_SIGNER (or CERTIFICATE_NOT_FOUND) without touching the PIN; no-op without an expectation. */
export async function verifyExpectedSigner(context: HandlerContext, certificateId: string, expected: ExpectedSigner | undefined): Promise<void> {
  if (!expected) return;
  checkExpectedSigner(await context.tokens().findCertificate(certificateId), expected);
}
