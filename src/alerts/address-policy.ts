/**
 * Which network addresses an alert may be sent to. A route's URL is written by whoever registers
 * the model, and a receiver's error answer is stored and shown, so a route aimed at the worker's
 * own network (a database admin page, the cloud metadata service) could read it back. Such
 * addresses are refused unless the route lists them (`allowPrivateHosts`).
 */
import { BlockList, isIP } from 'node:net';

export type RestrictedAddressKind = 'metadata' | 'unspecified' | 'loopback' | 'link-local' | 'private';

function familyOf(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

function blockList(entries: ReadonlyArray<readonly [address: string, prefix?: number]>): BlockList {
  const list = new BlockList();
  for (const [address, prefix] of entries) {
    if (prefix === undefined) list.addAddress(address, familyOf(address));
    else list.addSubnet(address, prefix, familyOf(address));
  }
  return list;
}

/**
 * Checked in this order (metadata addresses lie inside link-local and private ranges). BlockList
 * also matches IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) against the IPv4 ranges.
 */
const RESTRICTED_RANGES: ReadonlyArray<readonly [RestrictedAddressKind, BlockList]> = [
  // AWS, GCP, Azure (IPv4), AWS (IPv6), Alibaba Cloud.
  ['metadata', blockList([['169.254.169.254'], ['fd00:ec2::254'], ['100.100.100.200']])],
  // 0.0.0.0 reaches the local host on Linux.
  ['unspecified', blockList([['0.0.0.0', 8], ['::', 128]])],
  ['loopback', blockList([['127.0.0.0', 8], ['::1', 128]])],
  ['link-local', blockList([['169.254.0.0', 16], ['fe80::', 10]])],
  // RFC 1918, the shared carrier-grade NAT space (RFC 6598), and IPv6 unique local addresses.
  ['private', blockList([['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10], ['fc00::', 7]])],
];

/** null for an address on the public internet. */
export function restrictedAddressKind(address: string): RestrictedAddressKind | null {
  return RESTRICTED_RANGES.find(([, ranges]) => ranges.check(address, familyOf(address)))?.[0] ?? null;
}

export const RESTRICTED_KIND_TEXT: Record<RestrictedAddressKind, string> = {
  metadata: 'the cloud metadata service',
  unspecified: 'an unspecified address',
  loopback: 'a loopback address',
  'link-local': 'a link-local address',
  private: 'a private address',
};

const HOST_NAME = /^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?\.?$/i;

/** An allowlist entry: a host name, an IP address, or a CIDR range (`10.0.0.0/8`, `fd00::/8`). */
export function isHostPattern(entry: string): boolean {
  return parseEntry(entry) !== null;
}

type Entry = { kind: 'name'; name: string } | { kind: 'address'; address: string } | { kind: 'range'; address: string; prefix: number };

function parseEntry(entry: string): Entry | null {
  const text = bareHost(entry.trim());
  const [address, prefixText, ...rest] = text.split('/');
  if (prefixText !== undefined) {
    const prefix = Number(prefixText);
    const maxPrefix = familyOf(address!) === 'ipv6' ? 128 : 32;
    if (rest.length > 0 || !isIP(address!) || !/^\d+$/.test(prefixText) || prefix > maxPrefix) return null;
    return { kind: 'range', address: address!, prefix };
  }
  if (isIP(text)) return { kind: 'address', address: text };
  return HOST_NAME.test(text) ? { kind: 'name', name: normaliseHostName(text) } : null;
}

/** A URL's hostname writes IPv6 addresses in brackets; addresses are compared without them. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function normaliseHostName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * A route's list of hosts it may reach despite a policy: by the URL's host name as written, or by
 * address. A CIDR range never admits the cloud metadata service: that address must be listed itself.
 */
export class HostAllowlist {
  private readonly names = new Set<string>();
  private readonly addresses = new BlockList();
  private readonly ranges = new BlockList();

  constructor(entries: readonly string[]) {
    for (const entry of entries.map(parseEntry)) {
      if (entry === null) continue;
      if (entry.kind === 'name') this.names.add(entry.name);
      else if (entry.kind === 'address') this.addresses.addAddress(entry.address, familyOf(entry.address));
      else this.ranges.addSubnet(entry.address, entry.prefix, familyOf(entry.address));
    }
  }

  /** Whether the URL's host (a name or an address literal) is listed. */
  includesHost(host: string): boolean {
    const bare = bareHost(host);
    return isIP(bare) ? this.includesAddress(bare) : this.names.has(normaliseHostName(bare));
  }

  /** Whether a connection to `address`, which `host` resolved to, is allowed although the address is restricted. */
  admits(host: string, address: string): boolean {
    return this.names.has(normaliseHostName(bareHost(host))) || this.includesAddress(address);
  }

  private includesAddress(address: string): boolean {
    const family = familyOf(address);
    if (this.addresses.check(address, family)) return true;
    return restrictedAddressKind(address) !== 'metadata' && this.ranges.check(address, family);
  }
}

/** The first of a host's addresses that the route may not reach, with what it is; null when all are allowed. */
export function refusedAddress(
  host: string,
  addresses: readonly string[],
  allowlist: HostAllowlist,
): { address: string; kind: RestrictedAddressKind } | null {
  for (const address of addresses) {
    const kind = restrictedAddressKind(address);
    if (kind !== null && !allowlist.admits(host, address)) return { address, kind };
  }
  return null;
}
