/**
 * "Internal" address classification for the SSRF guard: private, loopback,
 * link-local, CGNAT, documentation, benchmarking, multicast, reserved, unspecified, and the IPv6
 * special blocks Python's `ipaddress` flags. IPv4-mapped IPv6 addresses are judged by their IPv4.
 */
import { isIP } from 'node:net';

type Cidr4 = readonly [number, number];

function v4(text: string): number {
  const p = text.split('.').map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

const INTERNAL_V4: readonly Cidr4[] = (
  [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.88.99.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
    ['255.255.255.255', 32],
  ] as const
).map(([a, bits]) => [v4(a), bits] as const);

function inV4(addr: number, [base, bits]: Cidr4): boolean {
  if (bits === 0) return true;
  const mask = bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
  return (addr & mask) >>> 0 === (base & mask) >>> 0;
}

export function isInternalIPv4(text: string): boolean {
  const addr = v4(text);
  return INTERNAL_V4.some((c) => inV4(addr, c));
}

/** Eight 16-bit groups of an IPv6 address (zone id ignored, embedded IPv4 tail supported). */
export function parseIPv6(text: string): number[] {
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const n = v4(s.slice(lastColon + 1));
    tail = [n >>> 16, n & 0xffff];
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const h = parse(head);
  const r = rest === undefined ? [] : parse(rest);
  const groups = rest === undefined ? h : [...h, ...new Array(8 - h.length - r.length).fill(0), ...r];
  if (tail.length) {
    groups[6] = tail[0];
    groups[7] = tail[1];
  }
  return groups;
}

type Cidr6 = readonly [readonly number[], number];

function cidr6(text: string): Cidr6 {
  const [a, bits] = text.split('/');
  return [parseIPv6(a), Number(bits)];
}

function inV6(g: readonly number[], [base, bits]: Cidr6): boolean {
  let left = bits;
  for (let i = 0; i < 8 && left > 0; i++) {
    const take = Math.min(16, left);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if ((g[i] & mask) !== (base[i] & mask)) return false;
    left -= take;
  }
  return true;
}

/** Inside global unicast 2000::/3 but still special-purpose (Python `is_private`). */
const SPECIAL_IN_GLOBAL: readonly Cidr6[] = ['2001::/23', '2001:db8::/32', '2002::/16'].map(cidr6);
/** Allocated for global use inside 2001::/23 (Python's exceptions to `is_private`). */
const GLOBAL_EXCEPTIONS: readonly Cidr6[] = [
  '2001:1::1/128',
  '2001:1::2/128',
  '2001:3::/32',
  '2001:4:112::/48',
  '2001:20::/28',
  '2001:30::/28',
].map(cidr6);
const GLOBAL_UNICAST = cidr6('2000::/3');
const V4_MAPPED = cidr6('::ffff:0:0/96');

export function isInternalIPv6(text: string): boolean {
  const g = parseIPv6(text);
  if (inV6(g, V4_MAPPED)) {
    return isInternalIPv4(`${g[6] >>> 8}.${g[6] & 0xff}.${g[7] >>> 8}.${g[7] & 0xff}`);
  }
  // Everything outside 2000::/3 is reserved, unspecified, loopback, ULA, link-local or multicast.
  if (!inV6(g, GLOBAL_UNICAST)) return true;
  if (GLOBAL_EXCEPTIONS.some((c) => inV6(g, c))) return false;
  return SPECIAL_IN_GLOBAL.some((c) => inV6(g, c));
}

/** True for any address a fetch must not reach without the private-network opt-in. */
export function isInternalAddress(ip: string): boolean {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const family = isIP(bare.split('%')[0]);
  if (family === 4) return isInternalIPv4(bare);
  if (family === 6) return isInternalIPv6(bare);
  // Not an address at all: treat as internal so callers fail closed.
  return true;
}
