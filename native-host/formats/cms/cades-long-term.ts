/**
 * CAdES-B-LT from a CAdES-B-T signature [ETSI EN 319 122-1 §6.3]: collect the validation data of the signer's and
 * the TSA's paths (collect-validation-data.ts) and add it to the SignedData (revocation-values.ts). CAdES-B-LTA
 * (archive-time-stamp-v3, EN 319 122-1 §5.5.3) is not made: renewing a .p7s is left to a later change.
 */
import { ValidationDataCollector, type CollectOptions } from './collect-validation-data.js';
import { addRevocationValues } from './revocation-values.js';

export async function cadesLongTerm(cmsDer: Uint8Array, options: CollectOptions): Promise<Uint8Array> {
  const material = await new ValidationDataCollector(options).forCms(cmsDer);
  return addRevocationValues(cmsDer, material);
}
