/**
 * Seeing tokens plugged in or pulled out while the host runs (hot-plug).
 *
 * Hardware token drivers report slot changes through C_GetSlotList(tokenPresent) [PKCS#11 2.40 §5.5]. SoftHSM2
 * does not: it reads its token directory only in C_Initialize. Checked with SoftHSM 2.6.1 here: a token made
 * by `softhsm2-util --init-token` after C_Initialize is not listed, and one removed with `--delete-token` still
 * is (C_GetTokenInfo then fails with CKR_GENERAL_ERROR); after C_Finalize + C_Initialize both are right.
 * So for such modules the adapter re-initialises before listing — only when no session is open in this process
 * (no login, no signature in flight: a re-initialise would end them) and at most once per RESCAN_MIN_INTERVAL_MS.
 */

/** Listing twice within this time (listTokens then listCertificates) re-initialises once. */
export const RESCAN_MIN_INTERVAL_MS = 1000;

/**
 * Modules known to need a re-initialise to see slot changes: SoftHSM2 by its library name, or any module when
 * KYSO_PKCS11_REINITIALISE_TO_RESCAN=1 (for another driver found to behave the same).
 */
export function needsReinitialiseToRescan(modulePath: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['KYSO_PKCS11_REINITIALISE_TO_RESCAN'] === '1') return true;
  if (env['KYSO_PKCS11_REINITIALISE_TO_RESCAN'] === '0') return false;
  return /softhsm/i.test(modulePath.split(/[\\/]/).pop() ?? '');
}
