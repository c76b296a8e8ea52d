/**
 * Who asks, as the consent window shows it: the REGISTRABLE domain (the part a registrant owns, "eTLD+1") big,
 * the full origin below it. A look-alike such as `https://dichvucong.gov.vn.example-login.com` then reads
 * "example-login.com" at a glance, not "dichvucong.gov.vn…". The registrable domain comes from the Public Suffix
 * List through the maintained `tldts` package (ICANN and private sections: `user.github.io` is its own site)
 * [publicsuffix.org; WHATWG URL "host public suffix" / "registrable domain"]. Hosts stay in ASCII (punycode), the
 * browser's own spelling, so a homograph cannot pass as its target.
 */
import { parse } from 'tldts';

export interface SiteIdentity {
  /** eTLD+1, or the whole host for an IP address, `localhost` or a host with no listed suffix. */
  readonly registrableDomain: string;
  /** The full origin, as the browser reported it. */
  readonly origin: string;
}

export function siteIdentity(origin: string): SiteIdentity {
  let host: string;
  try { host = new URL(origin).hostname; } catch { return { registrableDomain: origin, origin }; }
  const parsed = parse(host, { allowPrivateDomains: true });
  const registrableDomain = parsed.isIp || !parsed.domain ? host : parsed.domain;
  return { registrableDomain, origin };
}
