/** A PKCS#11 module the host may load, and how it was found (shown by `kyso doctor` and `host.hello`). */

/**
 * - `environment`: KYSO_PKCS11_MODULE; `config-file`: pkcs11Modules in a Kyso config file;
 * - `p11-kit`: registered in a p11-kit `*.module` file (how Linux desktops register token drivers);
 * - `known-path`: a documented driver file name found in the OS's usual folders (docs/tokens.md);
 * - `caller`: named by the code that made the TokenService (tests, tools).
 */
export type DriverFoundBy = 'environment' | 'config-file' | 'p11-kit' | 'known-path' | 'caller';

export const DRIVER_FOUND_BY: readonly DriverFoundBy[] = ['environment', 'config-file', 'p11-kit', 'known-path', 'caller'];

export interface DriverCandidate {
  readonly path: string;
  readonly foundBy: DriverFoundBy;
  /** The driver's maker when the file name is in the known-drivers table (or the p11-kit registration name). */
  readonly vendor?: string;
  /** The file that registered it (a p11-kit `.module` file, a Kyso config file). */
  readonly registeredIn?: string;
  /**
   * Initialisation parameters handed to C_Initialize in pReserved (CK_C_INITIALIZE_ARGS), for the drivers that
   * need them: NSS's softoken takes its database folder there (`configdir='sql:/path' …`). From
   * KYSO_PKCS11_INIT_ARGS, a config file entry's `initArgs`, or p11-kit's `x-init-reserved:`. Never shown to
   * pages (it may hold a folder path with the person's user name).
   */
  readonly initArgs?: string;
}
