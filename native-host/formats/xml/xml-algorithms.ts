/** Algorithm URIs of XML Signature [XMLDSig 1.1 §6; RFC 6931] and XAdES [ETSI EN 319 132-1]. */
import type { HashAlgorithm } from '../../../shared/domain/algorithms.js';
import type { C14nMethod } from './canonicalize.js';

export const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const XADES_NS = 'http://uri.etsi.org/01903/v1.3.2#';
/** Reference Type of the SignedProperties reference [ETSI EN 319 132-1 §4.3.1, §6.3]. */
export const XADES_SIGNED_PROPERTIES_TYPE = 'http://uri.etsi.org/01903#SignedProperties';
export const ENVELOPED_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

export const C14N_URI: Readonly<Record<C14nMethod, string>> = {
  exc: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  inc: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
};

export const DIGEST_METHOD_URI: Readonly<Record<HashAlgorithm, string>> = {
  'SHA-256': 'http://www.w3.org/2001/04/xmlenc#sha256',
  'SHA-384': 'http://www.w3.org/2001/04/xmldsig-more#sha384',
  'SHA-512': 'http://www.w3.org/2001/04/xmlenc#sha512',
};

export const RSA_SIGNATURE_METHOD_URI: Readonly<Record<HashAlgorithm, string>> = {
  'SHA-256': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'SHA-384': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
  'SHA-512': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
};

export const ECDSA_SIGNATURE_METHOD_URI: Readonly<Record<HashAlgorithm, string>> = {
  'SHA-256': 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  'SHA-384': 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384',
  'SHA-512': 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512',
};
