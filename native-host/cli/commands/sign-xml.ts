/**
 * `kyso sign-xml IN... -o OUT` — enveloped XML Signature, optionally XAdES-BES.
 *
 *   --parent ELEMENT      where the Signature goes: a local name or a path like DSCKS/NBan (default: the root)
 *   --ref ID              sign the element with this Id/id/ID (URI="#ID"); default the whole document
 *   --xades               XAdES-BES (SigningTime, SigningCertificateV2)
 *   --tsa URL             with --xades: XAdES-T, an RFC 3161 time-stamp over the SignatureValue
 *   --level B-B|B-T|B-LT  default B-T with --tsa, else B-B; B-LT (with --xades --tsa) adds CertificateValues and
 *                         RevocationValues (formats/xml/xades-long-term.ts)
 *   --signing-time        Object/SignatureProperties/SignatureProperty/SigningTime, as Vietnamese e-invoices carry
 *   --signature-id ID     Id of the Signature element (e.g. "seller"); default random
 *   --c14n exc|inc        exclusive (default) or inclusive canonicalisation
 *   --hash-alg ALG        SHA-256 (default), SHA-384, SHA-512
 *   --cert SELECTOR, --pin-stdin   as for every sign-* command
 * Several inputs and -o DIR write DIR/<same name> for each (never over an input).
 */
import { signDocument } from '../../formats/document-signer.js';
import { lazyTimestampHook, longTermSources } from '../lazy-signing-extras.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { parseSignArgs, planOutputs } from '../sign-options.js';
import { runSignBatch } from '../sign-batch.js';
import { parseLevel } from '../level-option.js';
import { xadesValidationValues } from '../../formats/xml/xades-long-term.js';

/** How long one AIA download may take while the signature is being completed. */
const AIA_TIMEOUT_MS = 5_000;

const FLAGS = ['xades', 'signing-time'] as const;
const VALUES = ['parent', 'ref', 'c14n', 'signature-id', 'tsa', 'level'] as const;
const USAGE = 'Usage: kyso sign-xml IN... -o OUT [--cert SELECTOR] [--parent ELEMENT] [--ref ID] [--xades [--tsa URL] [--level B-B|B-T|B-LT]] [--signing-time] [--signature-id ID] [--c14n exc|inc] [--hash-alg SHA-256] [--pin-stdin]\n';

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
  const timestamp = tsa ? lazyTimestampHook({ url: tsa, hashAlgorithm: args.hashAlgorithm, allowPrivateAddresses: true /* the person's own command line */ }) : undefined;
  const level = parseLevel(args.values.get('level'), tsa !== undefined, ['B-B', 'B-T', 'B-LT']);
  const longTerm = level === 'B-LT' ? await longTermSources(AIA_TIMEOUT_MS) : undefined;
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
      ...(longTerm ? { validationValues: xadesValidationValues(signer, longTerm) } : {}),
    }),
  });
}
