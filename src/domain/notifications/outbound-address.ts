/**
 * Which network addresses an outbound call set by a user (a webhook
 * endpoint, a connector account's base_url) may reach. Pure: no DNS, no
 * sockets. The flows check a URL with it when it is saved; the shared HTTP
 * exchange (connectors/http-exchange.ts) checks every address it is about to
 * connect to, after resolution, so a name that changes its answer later
 * (DNS rebinding) is caught where it matters.
 *
 * Only globally routable unicast addresses are public. Everything else
 * (loopback, RFC 1918 and unique-local, link-local, cloud metadata, CGNAT,
 * multicast, unspecified, documentation and other reserved ranges) is
 * refused in live mode, and allowed in test mode only when the operator says
 * so (PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST), because local simulators live on
 * 127.0.0.1.
 */

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'metadata'
  | 'shared'
  | 'multicast'
  | 'unspecified'
  | 'reserved'
  | 'not_an_address';

export type OutboundMode = 'test' | 'live';

export interface OutboundAddressPolicy {
  /** Test mode may reach addresses that are not public (the operator's PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST). */
  allowPrivateInTest: boolean;
  /**
   * Addresses counted as public although they are not. Set by tests only,
   * for receivers on 127.0.0.1 in tests that are not about this policy;
   * never read from the environment.
   */
  treatedAsPublic?: readonly string[];
}

export const strictOutboundPolicy: OutboundAddressPolicy = Object.freeze({ allowPrivateInTest: false });

/** The class of an IP address given as text (dotted quad, or IPv6 with or without brackets). */
export function classifyAddress(text: string): AddressClass {
  const address = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const v4 = parseIpv4(address);
  if (v4 !== null) return classifyIpv4(v4);
  const v6 = parseIpv6(address);
  if (v6 !== null) return classifyIpv6(v6);
  return 'not_an_address';
}

export function isIpAddress(text: string): boolean {
  return classifyAddress(text) !== 'not_an_address';
}

/** Whether a connection to this address may be made in this mode. */
export function addressAllowed(address: string, mode: OutboundMode, policy: OutboundAddressPolicy): boolean {
  return countsAsPublic(address, policy) || (mode === 'test' && policy.allowPrivateInTest);
}

/** Public, or named public by a test's policy. */
export function countsAsPublic(address: string, policy: OutboundAddressPolicy): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  return classifyAddress(bare) === 'public' || (policy.treatedAsPublic?.includes(bare) ?? false);
}

export type UrlVerdict =
  | { kind: 'allowed' }
  /** A name: only its resolved addresses can tell. */
  | { kind: 'resolve'; hostname: string }
  | { kind: 'refused'; host: string; addressClass: Exclude<AddressClass, 'public'> };

/**
 * The verdict on a URL's host before any lookup: an IP literal (and
 * `localhost`, which is loopback by definition, RFC 6761) is judged here;
 * any other name must be resolved and each of its addresses judged with
 * `addressAllowed`. The URL must already parse.
 */
export function judgeUrlHost(url: URL, mode: OutboundMode, policy: OutboundAddressPolicy): UrlVerdict {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) {
    return mode === 'test' && policy.allowPrivateInTest ? { kind: 'allowed' } : { kind: 'refused', host, addressClass: 'loopback' };
  }
  const addressClass = classifyAddress(host);
  if (addressClass === 'not_an_address') return { kind: 'resolve', hostname: host };
  if (addressAllowed(host, mode, policy)) return { kind: 'allowed' };
  return { kind: 'refused', host, addressClass: addressClass === 'public' ? 'reserved' : addressClass };
}

// ---------------------------------------------------------------------------
// IPv4: four octets as one unsigned 32-bit number.

interface Ipv4Range {
  base: number;
  prefixLength: number;
  addressClass: Exclude<AddressClass, 'public' | 'not_an_address'>;
}

const v4 = (text: string, prefixLength: number, addressClass: Ipv4Range['addressClass']): Ipv4Range => {
  const base = parseIpv4(text);
  if (base === null) throw new Error(`bad IPv4 range ${text}`);
  return { base, prefixLength, addressClass };
};

/** Most specific first: the metadata addresses sit inside link-local and CGNAT. */
const ipv4Ranges: readonly Ipv4Range[] = [
  v4('169.254.169.254', 32, 'metadata'), // AWS, GCP, Azure, OpenStack, Tencent Cloud
  v4('169.254.170.2', 32, 'metadata'), // AWS ECS task metadata
  v4('100.100.100.200', 32, 'metadata'), // Alibaba Cloud
  v4('192.0.0.192', 32, 'metadata'), // Oracle Cloud
  v4('0.0.0.0', 8, 'unspecified'), // "this network"; 0.0.0.0 reaches the local host on Linux
  v4('10.0.0.0', 8, 'private'),
  v4('100.64.0.0', 10, 'shared'), // carrier-grade NAT, RFC 6598
  v4('127.0.0.0', 8, 'loopback'),
  v4('169.254.0.0', 16, 'link_local'),
  v4('172.16.0.0', 12, 'private'),
  v4('192.0.0.0', 24, 'reserved'), // IETF protocol assignments
  v4('192.0.2.0', 24, 'reserved'), // documentation
  v4('192.88.99.0', 24, 'reserved'), // 6to4 relay anycast, deprecated
  v4('192.168.0.0', 16, 'private'),
  v4('198.18.0.0', 15, 'reserved'), // benchmarking
  v4('198.51.100.0', 24, 'reserved'), // documentation
  v4('203.0.113.0', 24, 'reserved'), // documentation
  v4('224.0.0.0', 4, 'multicast'),
  v4('240.0.0.0', 4, 'reserved'), // future use, and 255.255.255.255 broadcast
];

function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    // Canonical decimal only: URL parsing has already turned 0x7f.1 or 2130706433 into 127.0.0.1.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

function inIpv4Range(address: number, range: Ipv4Range): boolean {
  const size = 2 ** (32 - range.prefixLength);
  return Math.floor(address / size) === Math.floor(range.base / size);
}

function classifyIpv4(address: number): AddressClass {
  return ipv4Ranges.find((range) => inIpv4Range(address, range))?.addressClass ?? 'public';
}

// ---------------------------------------------------------------------------
// IPv6: eight 16-bit groups.

type Groups = readonly number[];

function parseIpv6(text: string): Groups | null {
  const withoutZone = text.includes('%') ? text.slice(0, text.indexOf('%')) : text;
  if (!/^[0-9a-fA-F:.]+$/.test(withoutZone) || !withoutZone.includes(':')) return null;
  let body = withoutZone;
  const lastColon = body.lastIndexOf(':');
  if (body.slice(lastColon + 1).includes('.')) {
    // An IPv4 tail (::ffff:10.0.0.1) stands for the last two groups.
    const embedded = parseIpv4(body.slice(lastColon + 1));
    if (embedded === null) return null;
    body = `${body.slice(0, lastColon + 1)}${Math.floor(embedded / 65536).toString(16)}:${(embedded % 65536).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    if (groups.some((group) => !/^[0-9a-fA-F]{1,4}$/.test(group))) return null;
    return groups.map((group) => parseInt(group, 16));
  };
  const head = groupsOf(halves[0] ?? '');
  const rest = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (head === null || rest === null) return null;
  const written = head.length + rest.length;
  if (halves.length === 2 ? written > 7 : written !== 8) return null;
  return [...head, ...new Array<number>(8 - written).fill(0), ...rest];
}

function embeddedIpv4(groups: Groups): number {
  return (groups[6] ?? 0) * 65536 + (groups[7] ?? 0);
}

function startsWith(groups: Groups, prefix: readonly number[]): boolean {
  return prefix.every((value, index) => groups[index] === value);
}

function classifyIpv6(groups: Groups): AddressClass {
  const [first = 0] = groups;
  const zeroUpTo = (count: number) => groups.slice(0, count).every((group) => group === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && groups[7] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the IPv4 address they carry.
  if (zeroUpTo(5) && groups[5] === 0xffff) return classifyIpv4(embeddedIpv4(groups));
  if (startsWith(groups, [0x64, 0xff9b, 0, 0, 0, 0])) return classifyIpv4(embeddedIpv4(groups));
  if (zeroUpTo(6)) return 'reserved'; // IPv4-compatible, deprecated
  if (startsWith(groups, [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254])) return 'metadata'; // AWS IPv6 metadata
  if ((first & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((first & 0xffc0) === 0xfe80) return 'link_local';
  if ((first & 0xffc0) === 0xfec0) return 'private'; // site-local, deprecated
  if ((first & 0xff00) === 0xff00) return 'multicast';
  if ((first & 0xe000) !== 0x2000) return 'reserved'; // outside global unicast 2000::/3
  if (first === 0x2001 && (groups[1] ?? 0) < 0x0200) return 'reserved'; // 2001::/23 IETF protocol assignments, Teredo
  if (startsWith(groups, [0x2001, 0x0db8])) return 'reserved'; // documentation
  if (first === 0x2002) return 'reserved'; // 6to4: reaches whatever IPv4 it carries, through a relay
  if (first === 0x3fff && (groups[1] ?? 0) < 0x1000) return 'reserved'; // documentation 3fff::/20
  return 'public';
}
