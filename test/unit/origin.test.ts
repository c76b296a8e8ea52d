/**
 * Origin parsing, patterns and display. Oracles that are not ours: Node's `url.domainToASCII` /
 * `domainToUnicode` (ICU's UTS #46) for IDN, and RFC 3492 §7.1 sample strings for the punycode decoder.
 */
import { domainToASCII, domainToUnicode } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  decodePunycode, describeOriginForDisplay, entryMatchesOrigin, entrySpecificity, isSecureRequesterOrigin,
  parseOriginEntry, parseRequesterOrigin, type Origin, type OriginEntry, type OriginProblem,
} from '../../shared/domain/origin.js';
import { ORIGIN_MAX_CHARS } from '../../shared/limits.js';

function requester(input: string): Origin {
  const parsed = parseRequesterOrigin(input);
  if (!parsed.ok) throw new Error(`expected ${input} to parse, got ${parsed.problem}`);
  return parsed.value;
}
function entry(input: string): OriginEntry {
  const parsed = parseOriginEntry(input);
  if (!parsed.ok) throw new Error(`expected ${input} to parse, got ${parsed.problem}`);
  return parsed.value;
}
function entryProblem(input: string): OriginProblem | 'parsed' {
  const parsed = parseOriginEntry(input);
  return parsed.ok ? 'parsed' : parsed.problem;
}
function requesterProblem(input: unknown): OriginProblem | 'parsed' {
  const parsed = parseRequesterOrigin(input);
  return parsed.ok ? 'parsed' : parsed.problem;
}

describe('parseRequesterOrigin: normalisation', () => {
  it.each([
    ['https://DichVuCong.GOV.vn', 'https://dichvucong.gov.vn'],
    ['https://dichvucong.gov.vn:443', 'https://dichvucong.gov.vn'],
    ['http://localhost:80', 'http://localhost'],
    ['https://portal.gov.vn:8443', 'https://portal.gov.vn:8443'],
    ['https://portal.gov.vn/path/to/page?q=1#frag', 'https://portal.gov.vn'],
    ['https://portal.gov.vn.', 'https://portal.gov.vn'],
    ['https://portal.gov.vn.:8443/x', 'https://portal.gov.vn:8443'],
    ['https://[::1]:3000', 'https://[::1]:3000'],
    ['https://user:secret@portal.gov.vn/', 'https://portal.gov.vn'],
  ])('%s → %s', (input, expected) => {
    expect(requester(input).serialized).toBe(expected);
  });

  it('turns an IDN host into the punycode the browser uses (same as ICU UTS #46)', () => {
    const parsed = requester('https://Thuế.gov.vn');
    expect(parsed.host).toBe(domainToASCII('thuế.gov.vn'));
    expect(parsed.host.startsWith('xn--')).toBe(true);
  });

  it('keeps a non-default port as a number', () => {
    expect(requester('https://a.gov.vn:8443').port).toBe(8443);
    expect(requester('https://a.gov.vn').port).toBeUndefined();
    // 443 is the default for https only: on http it is a real port.
    expect(requester('http://localhost:443').port).toBe(443);
  });
});

describe('parseRequesterOrigin: refused requesters', () => {
  it.each([
    ['null', 'opaque-origin'],
    ['blob:https://portal.gov.vn/6a3c1f7e-0000-4000-8000-000000000000', 'opaque-origin'],
    ['data:text/html,<script>1</script>', 'opaque-origin'],
    ['file:///home/me/portal.html', 'opaque-origin'],
    ['about:blank', 'opaque-origin'],
    ['javascript:alert(1)', 'opaque-origin'],
    ['chrome-extension://abcdefghijklmnopabcdefghijklmnop/', 'unsupported-scheme'],
    ['ftp://portal.gov.vn', 'unsupported-scheme'],
    ['', 'empty'],
    ['portal.gov.vn', 'not-a-url'],
    ['https://', 'not-a-url'],
    ['https://a..b.gov.vn', 'bad-host'],
    ['https://portal.gov.vn..', 'bad-host'],
  ] as const)('%s → %s', (input, problem) => {
    expect(requesterProblem(input)).toBe(problem);
  });

  it('refuses non-strings', () => {
    expect(requesterProblem(undefined)).toBe('empty');
    expect(requesterProblem(42)).toBe('empty');
  });

  it(`refuses an origin longer than ORIGIN_MAX_CHARS (${ORIGIN_MAX_CHARS}) even when the host is a valid DNS name`, () => {
    const longHost = `${['c'.repeat(63), 'c'.repeat(63), 'c'.repeat(63), 'c'.repeat(50)].join('.')}.gov.vn`; // 249 octets
    expect(`https://${longHost}:65535`.length).toBeGreaterThan(ORIGIN_MAX_CHARS);
    expect(requesterProblem(`https://${longHost}:65535`)).toBe('too-long');
    const fits = `https://${Array.from({ length: 4 }, () => 'b'.repeat(50)).join('.')}.gov.vn:65535`;
    expect(fits.length).toBeLessThanOrEqual(ORIGIN_MAX_CHARS);
    expect(requesterProblem(fits)).toBe('parsed');
    // Over 253 octets is not a DNS name at all.
    expect(requesterProblem(`https://${Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.')}.vn`)).toBe('bad-host');
  });

  it('refuses a page URL of absurd length before parsing it', () => {
    expect(requesterProblem(`https://a.gov.vn/?${'x'.repeat(20_000)}`)).toBe('too-long');
  });
});

describe('isSecureRequesterOrigin', () => {
  const dev = { allowLoopbackHttp: true };
  const prod = { allowLoopbackHttp: false };
  it('https is secure in every build', () => {
    expect(isSecureRequesterOrigin(requester('https://a.gov.vn'), prod)).toBe(true);
    expect(isSecureRequesterOrigin(requester('https://localhost:8443'), prod)).toBe(true);
  });
  it.each(['http://localhost:5173', 'http://127.0.0.1:8080', 'http://[::1]:8080'])('%s only in development builds', (o) => {
    expect(isSecureRequesterOrigin(requester(o), dev)).toBe(true);
    expect(isSecureRequesterOrigin(requester(o), prod)).toBe(false);
  });
  it.each(['http://a.gov.vn', 'http://localhost.evil.com', 'http://127.0.0.2', 'http://10.0.0.1'])('%s never', (o) => {
    expect(isSecureRequesterOrigin(requester(o), dev)).toBe(false);
  });
});

describe('parseOriginEntry: strict allowlist entries', () => {
  it.each([
    ['https://dichvucong.gov.vn', 'https://dichvucong.gov.vn'],
    ['  https://DichVuCong.gov.vn/  ', 'https://dichvucong.gov.vn'],
    ['https://dichvucong.gov.vn:443', 'https://dichvucong.gov.vn'],
    ['https://dichvucong.gov.vn.', 'https://dichvucong.gov.vn'],
    ['https://*.gov.vn', 'https://*.gov.vn'],
    ['https://*.GOV.vn:443/', 'https://*.gov.vn'],
    ['https://*.gov.vn:8443', 'https://*.gov.vn:8443'],
    ['http://localhost:5173', 'http://localhost:5173'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
  ])('%s → %s', (input, expected) => {
    expect(entry(input).serialized).toBe(expected);
  });

  it('punycodes an IDN pattern suffix', () => {
    const parsed = entry('https://*.thuế.gov.vn');
    expect(parsed.kind).toBe('pattern');
    expect(parsed.serialized).toBe(`https://*.${domainToASCII('thuế.gov.vn')}`);
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['null', 'opaque-origin'],
    ['dichvucong.gov.vn', 'not-a-url'],
    ['https:dichvucong.gov.vn', 'not-a-url'],
    ['https://user@dichvucong.gov.vn', 'has-userinfo'],
    ['https://user:pw@dichvucong.gov.vn', 'has-userinfo'],
    ['https://dichvucong.gov.vn/ky-so', 'has-path'],
    ['https://dichvucong.gov.vn//', 'has-path'],
    ['https://dichvucong.gov.vn\\x', 'has-path'],
    ['https://dichvucong.gov.vn?', 'has-query'],
    ['https://dichvucong.gov.vn/?a=1', 'has-query'],
    ['https://dichvucong.gov.vn#', 'has-fragment'],
    ['http://dichvucong.gov.vn', 'insecure-scheme'],
    ['http://*.gov.vn', 'insecure-scheme'],
    ['ftp://dichvucong.gov.vn', 'unsupported-scheme'],
    ['blob:https://dichvucong.gov.vn/x', 'opaque-origin'],
    ['file:///etc/passwd', 'opaque-origin'],
    ['https://*.vn', 'pattern-too-broad'],
    ['https://*', 'bad-pattern'],
    ['https://*.*.gov.vn', 'bad-pattern'],
    ['https://a.*.gov.vn', 'bad-pattern'],
    ['https://*gov.vn', 'bad-pattern'],
    ['https://*.1.2.3.4', 'not-a-url'], // the URL parser refuses it as a broken IPv4 address
    ['https://*.[::1]', 'not-a-url'],
    ['*://dichvucong.gov.vn', 'not-a-url'],
    ['https://a..gov.vn', 'bad-host'],
    [`https://${'a'.repeat(250)}.vn`, 'too-long'],
  ] as const)('%j → %s', (input, problem) => {
    expect(entryProblem(input)).toBe(problem);
  });
});

describe('entryMatchesOrigin', () => {
  const star = entry('https://*.gov.vn');
  it.each([
    ['https://dichvucong.gov.vn', true],
    ['https://thuedientu.gdt.gov.vn', true],
    ['https://a.b.c.gov.vn', true],
    ['https://DICHVUCONG.GOV.VN.', true],
    ['https://gov.vn', false], // the suffix itself is not a subdomain: list it separately
    ['https://evil-gov.vn', false],
    ['https://evilgov.vn', false],
    ['https://gov.vn.evil.com', false],
    ['https://dichvucong.gov.vn.evil.com', false],
    ['https://dichvucong.gov.vn:8443', false], // a pattern without port means the default port only
    ['http://dichvucong.gov.vn', false],
  ])('https://*.gov.vn vs %s → %s', (origin, expected) => {
    expect(entryMatchesOrigin(star, requester(origin))).toBe(expected);
  });

  it('a pattern with a port matches that port only', () => {
    const withPort = entry('https://*.gov.vn:8443');
    expect(entryMatchesOrigin(withPort, requester('https://a.gov.vn:8443'))).toBe(true);
    expect(entryMatchesOrigin(withPort, requester('https://a.gov.vn'))).toBe(false);
  });

  it('an exact entry matches only the same origin', () => {
    const exact = entry('https://dichvucong.gov.vn');
    expect(entryMatchesOrigin(exact, requester('https://dichvucong.gov.vn/any/page'))).toBe(true);
    expect(entryMatchesOrigin(exact, requester('https://x.dichvucong.gov.vn'))).toBe(false);
    expect(entryMatchesOrigin(exact, requester('https://dichvucong.gov.vn:444'))).toBe(false);
  });

  it('exact beats pattern, longer suffix beats shorter', () => {
    expect(entrySpecificity(entry('https://a.gdt.gov.vn'))).toBeGreaterThan(entrySpecificity(entry('https://*.gdt.gov.vn')));
    expect(entrySpecificity(entry('https://*.gdt.gov.vn'))).toBeGreaterThan(entrySpecificity(entry('https://*.gov.vn')));
  });
});

describe('decodePunycode (RFC 3492)', () => {
  it('decodes the RFC 3492 §7.1 samples', () => {
    // (A) Arabic (Egyptian), (L) Japanese "3年B組金八先生", (S) "-> $1.00 <-" (all basic).
    expect(decodePunycode('egbpdaj6bu4bxfgehfvwxn')).toBe('\u0644\u064A\u0647\u0645\u0627\u0628\u062A\u0643\u0644\u0645\u0648\u0634\u0639\u0631\u0628\u064A\u061F');
    expect(decodePunycode('3B-ww4c5e180e575a65lsy2b')).toBe('3\u5E74B\u7D44\u91D1\u516B\u5148\u751F');
    expect(decodePunycode('-> $1.00 <--')).toBe('-> $1.00 <-');
  });
  it('agrees with ICU on Vietnamese labels', () => {
    for (const name of ['thuế', 'việtnam', 'dịchvụcông', 'hảiphòng']) {
      const ascii = domainToASCII(`${name}.vn`).split('.')[0] ?? '';
      expect(decodePunycode(ascii.slice(4))).toBe(domainToUnicode(`${ascii}.vn`).split('.')[0]);
    }
  });
  it.each(['99999999999', 'ab!', 'a-zzzzzzzzzzzzzzzz', 'é-ab'])('throws RangeError on malformed %j', (bad) => {
    expect(() => decodePunycode(bad)).toThrow(RangeError);
  });
});

describe('describeOriginForDisplay', () => {
  it('highlights the three-label registrable domain under gov.vn, decoded', () => {
    const d = describeOriginForDisplay(requester('https://thuedientu.gdt.gov.vn'));
    expect(d).toMatchObject({ subdomainPrefix: 'thuedientu.', registrableDomain: 'gdt.gov.vn', isInternationalized: false, portSuffix: '' });
  });
  it('decodes IDN labels and says so', () => {
    const d = describeOriginForDisplay(requester('https://cổng.thuế.gov.vn:8443'));
    expect(d.unicodeHost).toBe('cổng.thuế.gov.vn');
    expect(d.asciiHost).toBe(domainToASCII('cổng.thuế.gov.vn'));
    expect(d.isInternationalized).toBe(true);
    expect(d.registrableDomain).toBe('thuế.gov.vn');
    expect(d.subdomainPrefix).toBe('cổng.');
    expect(d.portSuffix).toBe(':8443');
  });
  it.each([
    ['https://portal.hanoi.vn', '', 'portal.hanoi.vn'], // hanoi.vn is itself a public suffix
    ['https://mot-cua.portal.hanoi.vn', 'mot-cua.', 'portal.hanoi.vn'],
    ['https://dichvucong.vn', '', 'dichvucong.vn'],
    ['https://a.b.example.com', 'a.b.', 'example.com'],
    ['https://gov.vn', '', 'gov.vn'],
    ['https://127.0.0.1:8080', '', '127.0.0.1'],
    ['https://localhost', '', 'localhost'],
  ])('%s → prefix %j, registrable %j', (origin, prefix, registrable) => {
    const d = describeOriginForDisplay(requester(origin));
    expect(d.subdomainPrefix).toBe(prefix);
    expect(d.registrableDomain).toBe(registrable);
  });
  it('a host with a label that is not valid punycode never gets this far: the URL parser refuses it', () => {
    expect(requesterProblem('https://xn--a.gov.vn')).toBe('not-a-url');
  });
});
