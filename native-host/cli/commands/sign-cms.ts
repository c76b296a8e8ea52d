/**
 * `kyso sign-cms IN... -o OUT` — CMS / CAdES-BES signatures (.p7s, DER).
 *
 *   --attached        enveloping: the content goes inside the signature (default: detached)
 *   --digest-input    IN holds a digest the portal computed (raw, hex or base64), not the document
 *   --hash-alg ALG    SHA-256 (default), SHA-384, SHA-512
 *   --pss             RSA-PSS instead of PKCS#1 v1.5 (RSA keys)
 *   --tsa URL         add an RFC 3161 time-stamp over the signature (CAdES-T) [ETSI EN 319 122-1 §5.3]
 *   --level B-B|B-T|B-LT   default B-T with --tsa, else B-B; B-LT also puts the certificates, OCSP responses and
 *                     CRLs of the signer's and the TSA's paths in the SignedData (cms/cades-long-term.ts)
 *   --cert SELECTOR   certificate id, MST:… or CCCD:… (default: the token's only usable certificate)
 *   --pin-stdin       read the PIN from the first line of stdin (default: asked on the terminal)
 * Several inputs and -o DIR write DIR/<name>.p7s for each.
 */
import { signDocument } from '../../formats/document-signer.js';
import { lazyTimestampHook, longTermSources } from '../lazy-signing-extras.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { parseSignArgs, planOutputs } from '../sign-options.js';
import { runSignBatch } from '../sign-batch.js';
import { hashFileWithSha256 } from '../../formats/cms/hash-file.js';
import type { CollectOptions } from '../../formats/cms/collect-validation-data.js';
import { parseLevel } from '../level-option.js';

/** How long one AIA download may take while the signature is being completed. */
const AIA_TIMEOUT_MS = 5_000;

const FLAGS = ['attached', 'digest-input', 'pss'] as const;
const VALUES = ['tsa', 'level'] as const;
const USAGE = 'Usage: kyso sign-cms IN... -o OUT [--cert SELECTOR] [--attached] [--digest-input] [--hash-alg SHA-256|SHA-384|SHA-512] [--pss] [--tsa URL] [--level B-B|B-T|B-LT] [--pin-stdin]\n';

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
  const timestamp = tsa ? lazyTimestampHook({ url: tsa, hashAlgorithm: args.hashAlgorithm, allowPrivateAddresses: true /* the person's own command line */ }) : undefined;
  const level = parseLevel(args.values.get('level'), tsa !== undefined, ['B-B', 'B-T', 'B-LT']);
  const longTerm = level === 'B-LT' ? await longTermSources(AIA_TIMEOUT_MS) : undefined;
  const plan = planOutputs(args, (name) => `${name}.p7s`);
  // Detached over a file: only its digest is needed, so hash it as a stream (any size, little memory).
  const streamDigest = !attached && !digestInput;
  return runSignBatch({
    operation: 'sign-cms',
    args,
    plan,
    // The history's SHA-256 of the file comes from the same read (one hash when signing with SHA-256).
    ...(streamDigest ? { readInput: async (path: string) => {
      const { digest, sha256 } = await hashFileWithSha256(path, args.hashAlgorithm);
      return { bytes: digest, sha256 };
    } } : {}),
    signDocument: async (bytes, signer) => atLevel(await signDocument(bytes, signer, {
      format: 'cms',
      hashAlgorithm: args.hashAlgorithm,
      attached,
      digestInput: digestInput || streamDigest,
      ...(args.flags.has('pss') ? { signatureScheme: 'RSA-PSS' as const } : {}),
      ...(timestamp ? { timestamp } : {}),
    }), longTerm),
  });
}

/** B-LT: the signature with its validation data; lower levels as signed. */
async function atLevel(cms: Uint8Array, longTerm: CollectOptions | undefined): Promise<Uint8Array> {
  if (!longTerm) return cms;
  const { cadesLongTerm } = await import('../../formats/cms/cades-long-term.js'); // x509 and pkijs: B-LT only
  return cadesLongTerm(cms, longTerm);
}
