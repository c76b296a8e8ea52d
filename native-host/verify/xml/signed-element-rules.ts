/**
 * Where the signed element must be, so that what a signature covers is what applications read (signature
 * wrapping: McIntosh & Austel 2005; Somorovsky et al. 2012 XSW1–8). A digest proves that SOME element with the
 * referenced Id is unchanged; it does not prove that element is the one an application reads. So:
 *  - an Id a Reference names must occur once in the whole document (XML_DUPLICATE_ID);
 *  - for formats whose layout we know (XML_SIGNING_PROFILES), every element a Reference covers must be a direct
 *    child of the root whose name occurs there once, or a ds:/XAdES element of this Signature's own Objects
 *    (SigningTime, SignedProperties); and the data element must be covered (XML_SIGNATURE_WRAPPING, else
 *    XML_REQUIRED_ELEMENT_NOT_COVERED);
 *  - the caller may name the element that must be covered, by path ('/GiayTo/NoiDung': exactly one element there)
 *    or by Id ('#nd'): VerifyOptions.requireElement.
 * For other documents, with no requirement from the caller, the targets are reported and no rule is invented.
 */
import type { Document, Element } from '@xmldom/xmldom';
import { reason as fullReason, type Reason, type ReasonCode } from '../../trust/reasons.js';
import { DSIG_NS } from '../../formats/xml/xml-algorithms.js';
import { elementsInOrder } from '../../formats/xml/find-elements.js';
import { childElements, containsElement, elementPath, elementsAtPath, localNameOf, parentElement } from './element-path.js';
import { hasId, type ResolvedReference } from './reference-targets.js';

export interface XmlSigningProfile {
  readonly name: string;
  /** Local name of the root element that identifies the format. */
  readonly root: string;
  /** The element that holds the signed data, a direct child of the root. */
  readonly dataElement: string;
}

/** Formats whose signed element we know (/work/shared/research/vn-signing-domain.md §3). */
export const XML_SIGNING_PROFILES: readonly XmlSigningProfile[] = [
  // Hoá đơn điện tử, Thông tư 78/2021/TT-BTC, QĐ 1450/QĐ-TCT: HDon > DLHDon Id, MCCQT Id, DSCKS.
  { name: 'e-invoice TT78 (HDon)', root: 'HDon', dataElement: 'DLHDon' },
  // Tờ khai thuế điện tử (HTKK / thuedientu): HSoThueDTu > HSoKhaiThue id="_NODE_TO_SIGN", CKyDTu.
  { name: 'tax declaration (HSoThueDTu)', root: 'HSoThueDTu', dataElement: 'HSoKhaiThue' },
];

const XADES_NS_PREFIX = 'http://uri.etsi.org/01903/';
/** Findings per signature, at most (the report schema allows 64 reasons; a hostile file may have many References). */
const MAX_FINDINGS = 16;
/** Details name paths; a hostile file may nest deep. */
const reason = (code: ReasonCode, detail: string): Reason => fullReason(code, detail.length > 500 ? `${detail.slice(0, 499)}…` : detail);

export function profileFor(document: Document): XmlSigningProfile | undefined {
  const root = document.documentElement as Element;
  return XML_SIGNING_PROFILES.find((p) => p.root === localNameOf(root));
}

export function signedElementFindings(document: Document, signature: Element, references: readonly ResolvedReference[], requireElement?: string): Reason[] {
  const findings: Reason[] = [];
  for (const ref of references) {
    if (ref.id !== undefined && ref.sameId.length > 1) {
      findings.push(reason('XML_DUPLICATE_ID', `Id "${ref.id}" occurs ${ref.sameId.length} times: ${ref.sameId.slice(0, 4).map(elementPath).join(', ')}`));
    }
  }
  const profile = profileFor(document);
  if (profile) findings.push(...profileFindings(document, signature, references, profile));
  if (requireElement !== undefined) findings.push(...requirementFindings(document, references, requireElement));
  return dedupe(findings).slice(0, MAX_FINDINGS);
}

function profileFindings(document: Document, signature: Element, references: readonly ResolvedReference[], profile: XmlSigningProfile): Reason[] {
  const root = document.documentElement as Element;
  const out: Reason[] = [];
  for (const ref of references) {
    const element = ref.element;
    if (!element || element === root) continue;
    if (containsElement(signature, element)) {
      const ns = element.namespaceURI ?? '';
      if (ns !== DSIG_NS && !ns.startsWith(XADES_NS_PREFIX)) {
        out.push(reason('XML_SIGNATURE_WRAPPING', `${ref.uri} covers ${ref.target}, inside the signature, not the ${profile.name} data`));
      }
      continue;
    }
    const name = localNameOf(element);
    if (parentElement(element) !== root) {
      out.push(reason('XML_SIGNATURE_WRAPPING', `${ref.uri} covers ${ref.target}; a ${profile.name} signs a direct child of /${profile.root}`));
    } else if (childElements(root).filter((c) => localNameOf(c) === name).length > 1) {
      out.push(reason('XML_SIGNATURE_WRAPPING', `${ref.uri} covers ${ref.target}, but /${profile.root}/${name} occurs more than once`));
    }
  }
  const data = childElements(root).filter((c) => localNameOf(c) === profile.dataElement);
  const dataPath = `/${profile.root}/${profile.dataElement}`;
  if (data.length > 1) out.push(reason('XML_SIGNATURE_WRAPPING', `${dataPath} occurs ${data.length} times`));
  else if (out.length === 0 && (data.length === 0 || !covers(references, data[0]!))) out.push(reason('XML_REQUIRED_ELEMENT_NOT_COVERED', dataPath));
  return out;
}

function requirementFindings(document: Document, references: readonly ResolvedReference[], required: string): Reason[] {
  if (required.startsWith('#')) {
    const id = required.slice(1);
    const matches = elementsInOrder(document).filter((e) => hasId(e, id));
    if (matches.length > 1) return [reason('XML_DUPLICATE_ID', `Id "${id}" occurs ${matches.length} times: ${matches.slice(0, 4).map(elementPath).join(', ')}`)];
    if (matches.length === 0) return [reason('XML_REQUIRED_ELEMENT_NOT_COVERED', `no element has Id "${id}"`)];
    return covers(references, matches[0]!) ? [] : [reason('XML_REQUIRED_ELEMENT_NOT_COVERED', `${required} (${elementPath(matches[0]!)})`)];
  }
  const matches = elementsAtPath(document.documentElement as Element, required);
  if (matches.length > 1) return [reason('XML_SIGNATURE_WRAPPING', `${required} occurs ${matches.length} times`)];
  if (matches.length === 1 && covers(references, matches[0]!)) return [];
  const wanted = required.split('/').pop() ?? '';
  // The signature covers an element of the required name, but not the one at the required place: it was moved.
  const moved = references.find((r) => r.element && localNameOf(r.element) === wanted);
  return moved
    ? [reason('XML_SIGNATURE_WRAPPING', `${moved.uri} covers ${moved.target}, not ${required}`)]
    : [reason('XML_REQUIRED_ELEMENT_NOT_COVERED', matches.length === 0 ? `${required} is not in the document` : required)];
}

/** Whether some Reference covers `element`: the whole document, the element itself, or an ancestor of it. */
function covers(references: readonly ResolvedReference[], element: Element): boolean {
  return references.some((r) => r.wholeDocument || (r.element !== undefined && containsElement(r.element, element)));
}

function dedupe(reasons: Reason[]): Reason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    const key = `${r.code}|${r.detail ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
