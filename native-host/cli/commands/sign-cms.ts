/**
 * `kyso sign-cms IN... -o OUT` — CMS / CAdES-BES signatures (.p7s, DER).
 *
 *   --attached        enveloping: the content goes inside the signature (default: detached)
 *   --digest-input    IN holds a digest the portal computed (raw, hex or base64), not the document
 *   --hash-alg ALG    SHA-256 (default), SHA-384, SHA-512
 *   --pss             RSA-PSS instead of PKCS#1 v1.5 (RSA keys)
 *   --tsa URL         add an RFC 3161 time-stamp over the signature (CAdES-T) [ETSI EN 319 122-1 §5.3]
 *   --cert SELECTOR   certificate id, MST:… or CCCD:… (default: the token's only usable certificate)
 *   --pin-stdin       read the PIN from the first line of stdin (default: asked on the terminal)
 * Several inputs and -o DIR write DIR/<name>.p7s for each.
 */
import { signDocument } from '../../formats/document-signer.js';
import { timestampHook } from '../../formats/timestamp/request-timestamp.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { parseSignArgs, planOutputs } from '../sign-options.js';
import { runSignBatch } from '../sign-batch.js';
import { hashFile } from '../../formats/cms/hash-file.js';

const FLAGS = ['attached', 'digest-input', 'pss'] as const;
const VALUES = ['tsa'] as const;
const USAGE = 'Usage: kyso sign-cms IN... -o OUT [--cert SELECTOR] [--attached] [--digest-input] [--hash-alg SHA-256|SHA-384|SHA-512] [--pss] [--tsa URL] [--pin-stdin]\n';

export async function run(argv: string[]): Promise<number> {
  const args = parseSignArgs(argv, { flags: FLAGS, values: VALUES });
  if (args.help) {
    process.stderr.write(USAGE);
    return 0;
  }
  const attached = args.flags.has('attached');
  const digestInput = args.flags.has('digest-input');
  if (attached && digestInput) {
    throw new KysoError('BAD_REQUEST', { reason: '--attached needs the document; a digest can only be signed detached' });
  }
  const tsa = args.values.get('tsa');
  const timestamp = tsa ? timestampHook({ url: tsa, hashAlgorithm: args.hashAlgorithm, allowPrivateAddresses: true /* the person's own command line */ }) : undefined;
  const plan = planOutputs(args, (name) => `${name}.p7s`);
  // Detached over a file: only its digest is needed, so hash it as a stream (any size, little memory).
  const streamDigest = !attached && !digestInput;
  return runSignBatch({
    operation: 'sign-cms',
    args,
    plan,
    ...(streamDigest ? { readInput: (path: string) => hashFile(path, args.hashAlgorithm) } : {}),
    signDocument: (bytes, signer) => signDocument(bytes, signer, {
      format: 'cms',
      hashAlgorithm: args.hashAlgorithm,
      attached,
      digestInput: digestInput || streamDigest,
      ...(args.flags.has('pss') ? { signatureScheme: 'RSA-PSS' as const } : {}),
      ...(timestamp ? { timestamp } : {}),
    }),
  });
}
