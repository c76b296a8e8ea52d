/**
 * The signer's name and organisation for the stamp and the signature's /Name, read from the certificate once per
 * certificate: describing a certificate (@peculiar/x509) costs several ms, and every document of a batch is
 * signed with the same certificate bytes. Only the subject's names are kept — nothing that depends on the time
 * (validity is checked where the certificate is chosen, not here).
 */
import { describeCertificate } from '../../../../shared/certificates/describe-certificate.js';

export interface SignerNames {
  readonly commonName?: string | undefined;
  readonly organization?: string | undefined;
}

const known = new WeakMap<Uint8Array, Promise<SignerNames | undefined>>();

/** undefined when the certificate cannot be read (the stamp then shows no name, as before). */
export function signerNamesOf(certificate: Uint8Array): Promise<SignerNames | undefined> {
  let names = known.get(certificate);
  if (!names) {
    names = describeCertificate(certificate).then(
      (info) => ({ commonName: info.subject.commonName, organization: info.subject.organization }),
      () => undefined,
    );
    known.set(certificate, names);
  }
  return names;
}
