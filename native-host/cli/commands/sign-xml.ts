/**
 * `kyso sign-xml IN... -o OUT` — enveloped XML Signature, optionally XAdES-BES.
 *
 *   --parent ELEMENT      where the Signature goes: a local name or a path like DSCKS/NBan (default: the root)
 *   --ref ID              sign the element with this Id/id/ID (URI="#ID"); default the whole document
 *   --xades               XAdES-BES (SigningTime, SigningCertificateV2)
 *   --tsa URL             with --xades: XAdES-T, an RFC 3161 time-stamp over the SignatureValue
 *   --signing-time        Object/SignatureProperties/SignatureProperty/SigningTime, as Vietnamese e-invoices carry
 *   --signature-id ID     Id of the Signature element (e.g. "seller"); default random
 *   --c14n exc|inc        exclusive (default) or inclusive canonicalisation
 *   --hash-alg ALG        SHA-256 (default), SHA-384, SHA-512
 *   --cert SELECTOR, --pin-stdin   as for every sign-* command
 * Several inputs and -o DIR write DIR/<same name> for each (never over an input).
 */
import { signDocument } from '../../formats/document-signer.js';
import { timestampHook } from '../../formats/timestamp/request-timestamp.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { parseSignArgs, planOutputs } from '../sign-options.js';
import { runSignBatch } from '../sign-batch.js';

const FLAGS = ['xades', 'signing-time'] as const;
const VALUES = ['parent', 'ref', 'c14n', 'signature-id', 'tsa'] as const;
const USAGE = 'Usage: kyso sign-xml IN... -o OUT [--cert SELECTOR] [--parent ELEMENT] [--ref ID] [--xades [--tsa URL]] [--signing-time] [--signature-id ID] [--c14n exc|inc] [--hash-alg SHA-256] [--pin-stdin]\n';

export async function run(argv: string[]): Promise<number> {
  const args = parseSignArgs(argv, { flags: FLAGS, values: VALUES });
  if (args.help) {
    process.stderr.write(USAGE);
    return 0;
  }
  const c14n = args.values.get('c14n') ?? 'exc';
  if (c14n !== 'exc' && c14n !== 'inc') throw new KysoError('BAD_REQUEST', { reason: '--c14n must be exc or inc' });
  const parent = args.values.get('parent');
  const ref = args.values.get('ref');
  const signatureId = args.values.get('signature-id');
  const tsa = args.values.get('tsa');
  if (tsa && !args.flags.has('xades')) throw new KysoError('BAD_REQUEST', { reason: '--tsa needs --xades (XAdES-T)' });
  const timestamp = tsa ? timestampHook({ url: tsa, hashAlgorithm: args.hashAlgorithm, allowPrivateAddresses: true /* the person's own command line */ }) : undefined;
  const plan = planOutputs(args, (name) => name);
  return runSignBatch({
    operation: 'sign-xml',
    args,
    plan,
    signDocument: (bytes, signer) => signDocument(bytes, signer, {
      format: 'xml',
      hashAlgorithm: args.hashAlgorithm,
      canonicalization: c14n,
      xades: args.flags.has('xades'),
      signingTimeProperty: args.flags.has('signing-time'),
      ...(parent ? { parent } : {}),
      ...(ref ? { referenceId: ref } : {}),
      ...(signatureId ? { signatureId } : {}),
      ...(timestamp ? { timestamp } : {}),
    }),
  });
}
