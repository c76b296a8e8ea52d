/**
 * Origins: who asks for a signature, and which sites an allowlist names.
 *
 * Two kinds of input, two parsers:
 * - `parseRequesterOrigin` takes what the BROWSER says about a frame (`sender.origin`, or the URL of
 *   `sender.url` / `sender.tab.url`). It keeps scheme + host + port and ignores path/query, because an
 *   origin is all that identifies a site [RFC 6454 §4, WHATWG URL "origin"].
 * - `parseOriginEntry` takes what a PERSON or ADMIN wrote in an allowlist. It is strict: anything
 *   beyond scheme://host[:port] (userinfo, path, query, fragment) is refused with a reason, so a typo
 *   cannot silently allow more (or less) than was meant.
 *
 * Normalisation (both parsers): lower case; IDN → punycode by the WHATWG URL parser (`new URL`, UTS #46);
 * default ports dropped (443 for https, 80 for http); IPv6 in brackets.
 *
 * Decisions, written down because each one is a trust question:
 * - Trailing dot: `example.gov.vn.` is the fully-qualified spelling of the same DNS name, served by the
 *   same operator with the same certificate, so it is NORMALISED to `example.gov.vn` (one dot only;
 *   `a..b` or `x..` is refused). Browsers treat the two as different origins for storage; for "may this
 *   DNS name ask for signatures" they are the same answer, and treating them as distinct would only
 *   make an admin's allowlist entry miss.
 * - `blob:` / `data:` / `file:` / `about:` / `javascript:` / the opaque origin `null` are REFUSED as
 *   requesters. A blob: document's real origin is its inner origin, but browsers already report that in
 *   `sender.origin`; a `blob:` string reaching us means a URL was passed where an origin belongs, and
 *   refusing is the safe reading. Portals sign from their real https page.
 * - Secure requesters: https; http only for loopback (localhost, 127.0.0.1, [::1]) and only when the
 *   caller says so (development builds) — shared/ does not import build flags.
 * - Patterns: `https://*.gov.vn` matches any subdomain at any depth (`a.gov.vn`, `x.y.gov.vn`) but NOT
 *   `gov.vn` itself (list it separately) and never `evil-gov.vn` or `gov.vn.evil.com`: the match is on
 *   whole labels. The wildcard is only the entire leftmost label; the rest must have ≥ 2 labels
 *   (`https://*.vn` would hand a whole country code to any registrant, so it is refused). A pattern
 *   without a port matches the default port only; `https://*.gov.vn:8443` matches port 8443 only.
 * - Hosts: LDH labels only (plus `_`), ≤ 253 octets; an `xn--` label must be valid punycode that maps back to
 *   itself through the platform's IDNA (Chromium accepts `xn--a`, Node refuses it; we refuse it everywhere).
 *   test/e2e/policy-origin-in-browser.test.ts checks that Chromium and Node give the same answers.
 *
 * Display: `describeOriginForDisplay` decodes punycode with our own RFC 3492 decoder (no dependency) and
 * splits off the registrable domain to highlight, using the .vn second-level list below.
 */
import { ORIGIN_MAX_CHARS } from '../limits.js';

/** Why an origin or allowlist entry was refused. Stable strings: the options page maps them to messages. */
export type OriginProblem =
  | 'empty'
  | 'too-long'
  | 'not-a-url'
  | 'opaque-origin'
  | 'unsupported-scheme'
  | 'insecure-scheme'
  | 'has-userinfo'
  | 'has-path'
  | 'has-query'
  | 'has-fragment'
  | 'bad-host'
  | 'bad-pattern'
  | 'pattern-too-broad';

export type OriginScheme = 'https' | 'http';

/** A normalised tuple origin. `serialized` is the canonical string form (`https://a.gov.vn:8443`). */
export interface Origin {
  readonly kind: 'origin';
  readonly scheme: OriginScheme;
  /** ASCII host: lower case, punycode, no trailing dot; IPv6 in brackets. */
  readonly host: string;
  /** Undefined when it is the scheme's default port. */
  readonly port: number | undefined;
  readonly serialized: string;
}

/** `scheme://*.suffix[:port]` — matches every host that ends with `.suffix` (whole labels). */
export interface OriginPattern {
  readonly kind: 'pattern';
  readonly scheme: OriginScheme;
  /** ASCII suffix without the leading `*.`, e.g. `gov.vn`. */
  readonly hostSuffix: string;
  readonly port: number | undefined;
  readonly serialized: string;
}

export type OriginEntry = Origin | OriginPattern;

export type OriginParse<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: OriginProblem };

/** Browser-supplied URLs can be long (tab URLs with big queries); anything beyond this is not a real page URL. */
const REQUESTER_INPUT_MAX_CHARS = 16 * 1024;
/** Stands in for the `*` label while a pattern goes through the URL parser (any plain LDH label works). */
const WILDCARD_PLACEHOLDER = 'kyso-wildcard-label';
const SCHEME_PREFIX = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
/** LDH labels after IDNA (punycode is LDH too); 63 octets per label [RFC 1035 §2.3.4]. */
const DNS_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

const ok = <T>(value: T): OriginParse<T> => ({ ok: true, value });
const fail = <T>(problem: OriginProblem): OriginParse<T> => ({ ok: false, problem });

/**
 * Origin of a requesting frame, from what the browser reports (`sender.origin` or a page URL).
 * Path, query and fragment of a URL are ignored (they do not change the origin); userinfo too.
 */
export function parseRequesterOrigin(input: unknown): OriginParse<Origin> {
  if (typeof input !== 'string' || input.length === 0) return fail('empty');
  if (input === 'null') return fail('opaque-origin');
  const scheme = SCHEME_PREFIX.exec(input)?.[1]?.toLowerCase();
  if (scheme === undefined) return fail('not-a-url');
  if (scheme !== 'https' && scheme !== 'http') return fail(OPAQUE_SCHEMES.has(scheme) ? 'opaque-origin' : 'unsupported-scheme');
  if (input.length > REQUESTER_INPUT_MAX_CHARS) return fail('too-long');
  let url: URL;
  try { url = new URL(input); } catch { return fail('not-a-url'); }
  return originFromUrl(url);
}

/**
 * An allowlist entry typed by a person or written by an admin: an exact origin or a `*.` pattern.
 * Strict: userinfo, path (other than a lone `/`), query and fragment are refused; http only for loopback.
 */
export function parseOriginEntry(input: unknown): OriginParse<OriginEntry> {
  if (typeof input !== 'string') return fail('empty');
  const text = input.trim();
  if (text.length === 0) return fail('empty');
  if (text.length > ORIGIN_MAX_CHARS) return fail('too-long');
  if (text === 'null') return fail('opaque-origin');
  const scheme = SCHEME_PREFIX.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return fail('not-a-url');
  if (scheme !== 'https' && scheme !== 'http') return fail(OPAQUE_SCHEMES.has(scheme) ? 'opaque-origin' : 'unsupported-scheme');
  if (!text.slice(scheme.length + 1).startsWith('//')) return fail('not-a-url');

  // Look at the raw text after "scheme://": the URL parser would quietly drop an empty "?" or "#".
  const afterScheme = text.slice(scheme.length + 3);
  const authorityEnd = afterScheme.search(/[/?#\\]/);
  const authority = authorityEnd === -1 ? afterScheme : afterScheme.slice(0, authorityEnd);
  const rest = authorityEnd === -1 ? '' : afterScheme.slice(authorityEnd);
  if (authority.includes('@')) return fail('has-userinfo');
  if (rest.includes('?')) return fail('has-query');
  if (rest.includes('#')) return fail('has-fragment');
  if (rest !== '' && rest !== '/') return fail('has-path');

  const isPattern = authority.startsWith('*.');
  if (authority.slice(isPattern ? 2 : 0).includes('*')) return fail('bad-pattern');
  // URL parsers disagree on "*" in a host (Node keeps it, Chromium escapes it to %2A), so the wildcard
  // label is swapped for a plain placeholder label before parsing and taken off again after.
  const parseable = isPattern ? `${scheme}://${WILDCARD_PLACEHOLDER}.${afterScheme.slice(2)}` : text;
  let url: URL;
  try { url = new URL(parseable); } catch { return fail('not-a-url'); }
  if (url.username !== '' || url.password !== '') return fail('has-userinfo');

  if (!isPattern) {
    const parsed = originFromUrl(url);
    if (!parsed.ok) return parsed;
    if (parsed.value.scheme === 'http' && !isLoopbackHost(parsed.value.host)) return fail('insecure-scheme');
    return parsed;
  }

  if (!url.hostname.startsWith(`${WILDCARD_PLACEHOLDER}.`)) return fail('bad-pattern');
  const suffix = normaliseHost(url.hostname.slice(WILDCARD_PLACEHOLDER.length + 1));
  if (suffix === undefined) return fail('bad-host');
  if (suffix.startsWith('[') || IPV4.test(suffix)) return fail('bad-pattern');
  if (suffix.split('.').length < 2) return fail('pattern-too-broad');
  if (scheme === 'http' && suffix !== 'localhost') return fail('insecure-scheme');
  const port = url.port === '' ? undefined : Number(url.port);
  const serialized = `${scheme}://*.${suffix}${port === undefined ? '' : `:${port}`}`;
  if (serialized.length > ORIGIN_MAX_CHARS) return fail('too-long');
  return ok({ kind: 'pattern', scheme, hostSuffix: suffix, port, serialized });
}

/** localhost, 127.0.0.1 or [::1] (after normalisation). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host);
}

/**
 * May this origin ask at all? https always; http only for loopback hosts, and only when
 * `allowLoopbackHttp` (development builds) — production portals must use TLS.
 */
export function isSecureRequesterOrigin(origin: Origin, options: { readonly allowLoopbackHttp: boolean }): boolean {
  if (origin.scheme === 'https') return true;
  return options.allowLoopbackHttp && isLoopbackHost(origin.host);
}

/** Does an allowlist entry cover this origin? Exact entries compare canonical forms; patterns whole labels. */
export function entryMatchesOrigin(entry: OriginEntry, origin: Origin): boolean {
  if (entry.kind === 'origin') return entry.serialized === origin.serialized;
  if (entry.scheme !== origin.scheme || entry.port !== origin.port) return false;
  return origin.host.endsWith(`.${entry.hostSuffix}`) && origin.host.length > entry.hostSuffix.length + 1;
}

/**
 * How specific an entry is, so "the most specific rule wins" can be applied (e.g. per-origin operations):
 * an exact origin beats any pattern; a longer pattern suffix beats a shorter one.
 */
export function entrySpecificity(entry: OriginEntry): number {
  return entry.kind === 'origin' ? Number.MAX_SAFE_INTEGER : entry.hostSuffix.split('.').length;
}

function originFromUrl(url: URL): OriginParse<Origin> {
  const scheme = url.protocol === 'https:' ? 'https' : url.protocol === 'http:' ? 'http' : undefined;
  if (scheme === undefined) return fail('unsupported-scheme');
  const host = normaliseHost(url.hostname);
  if (host === undefined) return fail('bad-host');
  const port = url.port === '' ? undefined : Number(url.port);
  const serialized = `${scheme}://${host}${port === undefined ? '' : `:${port}`}`;
  if (serialized.length > ORIGIN_MAX_CHARS) return fail('too-long');
  return ok({ kind: 'origin', scheme, host, port, serialized });
}

/** Lower-case ASCII host with one trailing dot removed; undefined when any label is empty or not LDH. */
function normaliseHost(hostname: string): string | undefined {
  if (hostname.startsWith('[')) return /^\[[0-9a-f:.]+\]$/.test(hostname) ? hostname : undefined;
  const host = (hostname.endsWith('.') ? hostname.slice(0, -1) : hostname).toLowerCase();
  if (host.length === 0 || host.length > 253) return undefined;
  // An `xn--` label must be real punycode that maps back to itself: parsers differ here (Chromium accepts
  // `xn--a`, Node refuses it), and a name no registry could issue has no business asking for signatures.
  return host.split('.').every((label) => DNS_LABEL.test(label) && (!label.startsWith('xn--') || labelToUnicode(label) !== label)) ? host : undefined;
}

/** Schemes whose documents have an opaque (or borrowed) origin. */
const OPAQUE_SCHEMES: ReadonlySet<string> = new Set(['blob', 'data', 'file', 'about', 'javascript', 'filesystem']);

// ── display ─────────────────────────────────────────────────────────────────────────────────────────

/**
 * Second-level public suffixes under .vn, from the Public Suffix List (publicsuffix.org, ICANN section,
 * `vn` block: generic second levels, then the province names VNNIC registers under). A registrable
 * domain under these is three labels (`thuedientu.gdt.gov.vn` → `gdt.gov.vn`); elsewhere two. Good enough
 * to highlight the part a person must read; not a full PSL (other ccTLDs fall back to two labels).
 */
export const VN_SECOND_LEVEL_SUFFIXES: ReadonlySet<string> = new Set([
  'ac', 'ai', 'biz', 'com', 'edu', 'gov', 'health', 'id', 'info', 'int', 'io', 'name', 'net', 'org', 'pro',
  'angiang', 'bacgiang', 'backan', 'baclieu', 'bacninh', 'baria-vungtau', 'bentre', 'binhdinh', 'binhduong',
  'binhphuoc', 'binhthuan', 'camau', 'cantho', 'caobang', 'daklak', 'daknong', 'danang', 'dienbien',
  'dongnai', 'dongthap', 'gialai', 'hagiang', 'haiduong', 'haiphong', 'hanam', 'hanoi', 'hatinh',
  'haugiang', 'hoabinh', 'hue', 'hungyen', 'khanhhoa', 'kiengiang', 'kontum', 'laichau', 'lamdong',
  'langson', 'laocai', 'longan', 'namdinh', 'nghean', 'ninhbinh', 'ninhthuan', 'phutho', 'phuyen',
  'quangbinh', 'quangnam', 'quangngai', 'quangninh', 'quangtri', 'soctrang', 'sonla', 'tayninh',
  'thaibinh', 'thainguyen', 'thanhhoa', 'thanhphohochiminh', 'thuathienhue', 'tiengiang', 'travinh',
  'tuyenquang', 'vinhlong', 'vinhphuc', 'yenbai',
].map((label) => `${label}.vn`));

export interface OriginDisplay {
  readonly scheme: OriginScheme;
  /** Host as a person reads it (punycode labels decoded); equals `asciiHost` when nothing to decode. */
  readonly unicodeHost: string;
  readonly asciiHost: string;
  /** True when some label was punycode — show `asciiHost` too, look-alike letters are an attack. */
  readonly isInternationalized: boolean;
  /** Leading labels before the registrable domain, with their trailing dot (`thuedientu.`), or ''. */
  readonly subdomainPrefix: string;
  /** The part to highlight (`gdt.gov.vn`), in Unicode. */
  readonly registrableDomain: string;
  /** `:8443`, or '' for the default port. */
  readonly portSuffix: string;
}

/** Parts of an origin for a consent window or options page: decoded host, registrable domain to highlight. */
export function describeOriginForDisplay(origin: Origin): OriginDisplay {
  const portSuffix = origin.port === undefined ? '' : `:${origin.port}`;
  const base = { scheme: origin.scheme, asciiHost: origin.host, portSuffix };
  if (origin.host.startsWith('[') || IPV4.test(origin.host)) {
    return { ...base, unicodeHost: origin.host, isInternationalized: false, subdomainPrefix: '', registrableDomain: origin.host };
  }
  const asciiLabels = origin.host.split('.');
  const unicodeLabels = asciiLabels.map(labelToUnicode);
  const lastTwo = asciiLabels.slice(-2).join('.');
  const registrableCount = Math.min(asciiLabels.length, VN_SECOND_LEVEL_SUFFIXES.has(lastTwo) ? 3 : 2);
  const prefixLabels = unicodeLabels.slice(0, unicodeLabels.length - registrableCount);
  return {
    ...base,
    unicodeHost: unicodeLabels.join('.'),
    isInternationalized: unicodeLabels.some((label, i) => label !== asciiLabels[i]),
    subdomainPrefix: prefixLabels.length === 0 ? '' : `${prefixLabels.join('.')}.`,
    registrableDomain: unicodeLabels.slice(-registrableCount).join('.'),
  };
}

/** Decode one `xn--` label; keep it ASCII when it does not decode or does not round-trip through IDNA. */
function labelToUnicode(label: string): string {
  if (!label.startsWith('xn--')) return label;
  let decoded: string;
  try { decoded = decodePunycode(label.slice(4)); } catch { return label; }
  // Round trip through the platform's IDNA: a label that does not map back to itself is not what the
  // browser would show, so showing our decoding could mislead.
  try {
    return new URL(`https://${decoded}.invalid/`).hostname === `${label}.invalid` ? decoded : label;
  } catch {
    return label;
  }
}

// RFC 3492 §5 parameter values for Punycode.
const BASE = 36;
const T_MIN = 1;
const T_MAX = 26;
const SKEW = 38;
const DAMP = 700;
const INITIAL_BIAS = 72;
const INITIAL_N = 0x80;
const MAX_INT = 0x7fffffff;

/**
 * Decode a Punycode string (the part after `xn--`) to Unicode [RFC 3492 §6.2].
 * Throws RangeError on malformed input or overflow.
 */
export function decodePunycode(input: string): string {
  const output: number[] = [];
  const lastDelimiter = input.lastIndexOf('-');
  const basicLength = lastDelimiter < 0 ? 0 : lastDelimiter;
  for (let j = 0; j < basicLength; j += 1) {
    const code = input.charCodeAt(j);
    if (code >= 0x80) throw new RangeError('punycode: non-basic code point before the delimiter');
    output.push(code);
  }
  let n = INITIAL_N;
  let i = 0;
  let bias = INITIAL_BIAS;
  for (let index = basicLength > 0 ? basicLength + 1 : 0; index < input.length;) {
    const oldI = i;
    let w = 1;
    for (let k = BASE; ; k += BASE) {
      if (index >= input.length) throw new RangeError('punycode: truncated input');
      const digit = basicToDigit(input.charCodeAt(index));
      index += 1;
      if (digit >= BASE || digit > Math.floor((MAX_INT - i) / w)) throw new RangeError('punycode: bad digit or overflow');
      i += digit * w;
      const t = k <= bias ? T_MIN : k >= bias + T_MAX ? T_MAX : k - bias;
      if (digit < t) break;
      if (w > Math.floor(MAX_INT / (BASE - t))) throw new RangeError('punycode: overflow');
      w *= BASE - t;
    }
    const length = output.length + 1;
    bias = adaptBias(i - oldI, length, oldI === 0);
    if (Math.floor(i / length) > MAX_INT - n) throw new RangeError('punycode: overflow');
    n += Math.floor(i / length);
    i %= length;
    if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) throw new RangeError('punycode: not a Unicode scalar value');
    output.splice(i, 0, n);
    i += 1;
  }
  return String.fromCodePoint(...output);
}

/** RFC 3492 §6.1 bias adaptation. */
function adaptBias(delta: number, numPoints: number, firstTime: boolean): number {
  let d = firstTime ? Math.floor(delta / DAMP) : delta >> 1;
  d += Math.floor(d / numPoints);
  let k = 0;
  while (d > ((BASE - T_MIN) * T_MAX) >> 1) {
    d = Math.floor(d / (BASE - T_MIN));
    k += BASE;
  }
  return k + Math.floor(((BASE - T_MIN + 1) * d) / (d + SKEW));
}

/** RFC 3492 §5: a–z / A–Z → 0–25, 0–9 → 26–35; anything else is out of range. */
function basicToDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 22;
  if (code >= 0x41 && code <= 0x5a) return code - 0x41;
  if (code >= 0x61 && code <= 0x7a) return code - 0x61;
  return BASE;
}
