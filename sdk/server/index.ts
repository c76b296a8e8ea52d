/**
 * Kyso SDK, server side (`@kyso/sdk/server`; dist/sdk/server.js): verify what the page SDK produced. No DOM; WebCrypto only, so it
 * runs in Node ≥ 20, Deno, workers and browsers.
 *
 *   import { verifyAuthToken } from 'kyso/sdk/server.js';
 *   const { certificate } = await verifyAuthToken(tokenFromPage, { expectedOrigin: 'https://portal.gov.vn', expectedChallenge, trustedRoots });
 */
export { verifyAuthToken, type VerifyAuthTokenOptions, type VerifiedSignIn } from './verify-auth-token.js';
export { verify, type VerifySignatureOptions, type SignatureCheck, type SignatureRejection } from './verify-signature-result.js';
export { KysoError } from '../../shared/errors/kyso-error.js';
export { AUTH_TOKEN_FORMAT, AUTH_CHALLENGE_MIN_BYTES, AUTH_CHALLENGE_MAX_BYTES, type AuthToken } from '../../shared/protocol/auth-token.js';
