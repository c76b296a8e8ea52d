/**
 * Page operations ⇄ the operation names an admin writes in policy (`operations` key of the managed schema).
 * One table, so adding a page operation without deciding its policy name, whether it may prompt and whether
 * it signs caller-chosen bytes raw is a type error (`satisfies Record<PageOperation, …>` below).
 *
 * THE RAW-SIGNING RULE (docs/security.md, "Forged sign-in through a raw-hash signature"): an operation that
 * has the token sign bytes the page chose WITHOUT signed attributes around them (`signHash`: a bare digest)
 * can sign anything the same key signs elsewhere — above all a `kyso.authenticate` digest
 * H(H(origin) ‖ H(challenge)) for another site's origin, i.e. a sign-in token for that site. Such an operation
 * is `rawSigning: true` and is opt-in per origin: an admin lists it in policy `operations` for that site, or
 * the person enables it for that exact origin on the options page. Being an allowed site is not enough, and
 * the consent window cannot enable it. Any future operation of that kind (a batch `signHashes`, raw
 * signing of caller bytes in another encoding…) MUST be marked here too.
 *
 * Not raw: PDF, XML and CMS signing (also CMS over a digest the portal computed) — the token signs
 * H(DER(signedAttrs)) or H(c14n(SignedInfo)), a structure Kyso builds whose bytes start with a fixed ASN.1
 * SET / `<ds:SignedInfo` prefix, never the 64 bytes H(origin) ‖ H(challenge) the sign-in digest is the hash of
 * (that would need a hash preimage) [RFC 5652 §5.4, XML-DSig §3.1.2]. `authenticate` signs a digest the
 * extension computes from the browser's origin, not the page's bytes.
 */
import type { PageOperation } from '../../../shared/protocol/page-messages.js';

/** Operation names in admin policy. `kyso.getStatus` has none: any allowed site may ask for status. */
export const POLICY_OPERATIONS = ['signHash', 'signPdf', 'signXml', 'signCms', 'authenticate', 'listCertificates', 'verify'] as const;
export type PolicyOperation = (typeof POLICY_OPERATIONS)[number];

export interface OperationAccess {
  /** Name in policy's `operations` lists; undefined = not restrictable (status only). */
  readonly policyName: PolicyOperation | undefined;
  /**
   * May an unlisted site trigger the "allow this site?" prompt with this operation? Only operations that
   * open the consent window anyway. Status and certificate listing from an unlisted site are refused
   * without a prompt, so a site cannot pop windows or learn which tokens are plugged in just by loading.
   */
  readonly mayAskPerson: boolean;
  /** Signs caller-chosen bytes without signed attributes: opt-in per origin (see the rule above). */
  readonly rawSigning: boolean;
}

const OPERATION_TABLE = {
  'kyso.getStatus': { policyName: undefined, mayAskPerson: false, rawSigning: false },
  'kyso.listCertificates': { policyName: 'listCertificates', mayAskPerson: false, rawSigning: false },
  'kyso.signHash': { policyName: 'signHash', mayAskPerson: true, rawSigning: true },
  // N bare digests under one consent: the same raw capability as signHash (a loop of signHash signs the same
  // digests), so the same policy name and exactly the same opt-in: a site opted in to signHash may batch, one
  // that is not gets OPERATION_NOT_ALLOWED for both (test/security/signhashes-opt-in.test.ts).
  'kyso.signHashes': { policyName: 'signHash', mayAskPerson: true, rawSigning: true },
  // Announced operations, ready before their handlers land.
  'kyso.signPdf': { policyName: 'signPdf', mayAskPerson: true, rawSigning: false },
  'kyso.signXml': { policyName: 'signXml', mayAskPerson: true, rawSigning: false },
  'kyso.signCms': { policyName: 'signCms', mayAskPerson: true, rawSigning: false },
  'kyso.authenticate': { policyName: 'authenticate', mayAskPerson: true, rawSigning: false },
  // Verification needs no token and no PIN, so no window; an unlisted site is refused, not asked (like listing).
  'kyso.verify': { policyName: 'verify', mayAskPerson: false, rawSigning: false },
  // Documents: decided as the signing operation they serve (kyso.signPdf/Xml/Cms), see background/documents/.
  'kyso.documentBegin': { policyName: undefined, mayAskPerson: false, rawSigning: false },
  'kyso.documentChunk': { policyName: undefined, mayAskPerson: false, rawSigning: false },
  'kyso.documentRead': { policyName: undefined, mayAskPerson: false, rawSigning: false },
  // The batch opens the consent window (one for all documents), so like every signing operation it may ask.
  'kyso.signDocuments': { policyName: undefined, mayAskPerson: true, rawSigning: false },
} as const satisfies Record<PageOperation, OperationAccess> & Record<string, OperationAccess>;

/** Policy names of the raw-signing operations (the ones a site must be opted in to). */
export const RAW_SIGNING_POLICY_OPERATIONS: readonly PolicyOperation[] = [...new Set(Object.values(OPERATION_TABLE as Record<string, OperationAccess>)
  .filter((a) => a.rawSigning && a.policyName !== undefined).map((a) => a.policyName!))];

/** Access facts for a page operation; undefined for a name we do not know (refused by the caller). */
export function operationAccess(operation: string): OperationAccess | undefined {
  return Object.hasOwn(OPERATION_TABLE, operation) ? (OPERATION_TABLE as Record<string, OperationAccess>)[operation] : undefined;
}

export function isPolicyOperation(value: unknown): value is PolicyOperation {
  return typeof value === 'string' && (POLICY_OPERATIONS as readonly string[]).includes(value);
}
