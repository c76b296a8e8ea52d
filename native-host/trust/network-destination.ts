/**
 * Which addresses the host may connect to for OCSP, CRL and AIA. The URLs come from certificates, and through
 * kyso.verify from certificates a PAGE made: without a rule, a page could make the host probe the person's LAN
 * (router admin pages, printers at 10.x), the cloud metadata service (169.254.169.254) or services on loopback,
 * and read the answer off the error text [OWASP SSRF Prevention Cheat Sheet]. So: loopback, private, link-local,
 * shared (CGNAT), unspecified, multicast and reserved ranges are refused unless the admin allows them
 * (config.ts allowPrivateRevocationUrls). The check runs on the RESOLVED addresses, and the connection is made
 * to exactly the address that was checked (see checkedLookup), so a DNS answer cannot change in between.
 */
import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';

/** [RFC 6890] special-purpose ranges a revocation responder has no business being in. */
const FORBIDDEN = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) FORBIDDEN.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) FORBIDDEN.addSubnet(net, prefix, 'ipv6');

/** True for an address the host must not connect to without the admin's opt-in (IPv4-mapped IPv6 included). */
export function isForbiddenRevocationAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true; // not an address at all: refuse rather than guess
  return FORBIDDEN.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

export interface ResolvedAddress { readonly address: string; readonly family: number }
/** Name → addresses. Default: the system resolver (getaddrinfo, as http would use). Tests inject their own. */
export type Resolve = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolve: Resolve = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** Why a destination was refused; the text never reaches a page (see protocol/handlers/verify-document.ts). */
export class DestinationRefused extends Error {
  override readonly name = 'DestinationRefused';
}

/**
 * A `lookup` for node:http that resolves ONCE, refuses the whole answer if any address is forbidden (a mixed
 * answer is what a rebinding attacker sends), and hands http exactly the checked addresses to connect to.
 * Handles both call shapes (`all: true` is used by Node's happy-eyeballs connect).
 */
export function checkedLookup(resolve: Resolve, allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean }, callback: (...args: any[]) => void): void => {
    resolve(hostname).then((addresses) => {
      if (addresses.length === 0) throw new DestinationRefused('no address');
      if (!allowPrivate && addresses.some((a) => isForbiddenRevocationAddress(a.address))) {
        throw new DestinationRefused('address not allowed (loopback, private or link-local)');
      }
      if (options.all) callback(null, addresses.map((a) => ({ address: a.address, family: a.family })));
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    }).catch((error: unknown) => callback(error));
  };
}
