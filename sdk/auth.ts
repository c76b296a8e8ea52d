/**
 * The page side of `authenticate()`: ask Kyso for a sign-in token, then check it before the portal sends it to
 * its server (origin is ours, challenge is the one we sent, signature verifies with the certificate). The
 * server MUST still verify it with `verifyAuthToken` (dist/sdk/server.js): this check only catches a broken
 * or tampered extension early, it proves nothing to the server.
 */
import { KysoError } from '../shared/errors/kyso-error.js';
import { base64ToBytes } from '../shared/domain/base64.js';
import { authDigestToSign, type AuthToken } from '../shared/protocol/auth-token.js';
import type { PageRequestPayload } from '../shared/protocol/page-messages.js';
import type { Call } from './transport.js';
import { verifyDigestSignature } from './verify/verify-signature.js';

export type AuthenticateParams = PageRequestPayload<'kyso.authenticate'>;
export type { AuthToken };

export async function authenticateAndCheck(call: Call, params: AuthenticateParams, pageOrigin: string): Promise<AuthToken> {
  const token = await call('kyso.authenticate', params);
  if (token.origin !== pageOrigin) throw new KysoError('PROTOCOL_ERROR', { reason: 'token names another origin' });
  if (token.challenge !== params.challenge) throw new KysoError('PROTOCOL_ERROR', { reason: 'token carries another challenge' });
  const valid = await verifyDigestSignature({
    certificate: base64ToBytes(token.certificate, 'PROTOCOL_ERROR'),
    digest: await authDigestToSign(token.origin, token.challenge, token.hashAlgorithm),
    hashAlgorithm: token.hashAlgorithm,
    scheme: token.signatureAlgorithm,
    signature: base64ToBytes(token.signature, 'PROTOCOL_ERROR'),
  });
  if (!valid) throw new KysoError('PROTOCOL_ERROR', { reason: 'signature does not verify' });
  return token;
}
