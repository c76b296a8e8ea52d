/**
 * Page operations ⇄ the operation names an admin writes in policy (`operations` key of the managed schema).
 * One table, so adding a page operation without deciding its policy name and whether it may prompt is a
 * type error (`satisfies Record<PageOperation, …>` below).
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
}

const OPERATION_TABLE = {
  'kyso.getStatus': { policyName: undefined, mayAskPerson: false },
  'kyso.listCertificates': { policyName: 'listCertificates', mayAskPerson: false },
  'kyso.signHash': { policyName: 'signHash', mayAskPerson: true },
  // Announced operations, ready before their handlers land.
  'kyso.signPdf': { policyName: 'signPdf', mayAskPerson: true },
  'kyso.signXml': { policyName: 'signXml', mayAskPerson: true },
  'kyso.signCms': { policyName: 'signCms', mayAskPerson: true },
  'kyso.authenticate': { policyName: 'authenticate', mayAskPerson: true },
  // Verification needs no token and no PIN, so no window; an unlisted site is refused, not asked (like listing).
  'kyso.verify': { policyName: 'verify', mayAskPerson: false },
  // Documents: decided as the signing operation they serve (kyso.signPdf/Xml/Cms), see background/documents/.
  'kyso.documentBegin': { policyName: undefined, mayAskPerson: false },
  'kyso.documentChunk': { policyName: undefined, mayAskPerson: false },
  'kyso.documentRead': { policyName: undefined, mayAskPerson: false },
  // The batch opens the consent window (one for all documents), so like every signing operation it may ask.
  'kyso.signDocuments': { policyName: undefined, mayAskPerson: true },
} as const satisfies Record<PageOperation, OperationAccess> & Record<string, OperationAccess>;

/** Access facts for a page operation; undefined for a name we do not know (refused by the caller). */
export function operationAccess(operation: string): OperationAccess | undefined {
  return Object.hasOwn(OPERATION_TABLE, operation) ? (OPERATION_TABLE as Record<string, OperationAccess>)[operation] : undefined;
}

export function isPolicyOperation(value: unknown): value is PolicyOperation {
  return typeof value === 'string' && (POLICY_OPERATIONS as readonly string[]).includes(value);
}
