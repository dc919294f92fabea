/**
 * IP address and CIDR parsing for the `cidr` operator and for exact matches on IP literals.
 *
 * Mirrors what EventBridge's matching engine (aws/event-ruler, `CIDR.java`) accepts: dotted-quad
 * IPv4 whose octets are read as decimal, hex-and-colon IPv6 with at most one `::`, IPv4-mapped
 * IPv6 (`::ffff:a00:1`) treated as the IPv4 address, and masks below 32 (IPv4) or 128 (IPv6).
 * @internal
 */

/** An inclusive range of addresses of one family (4 or 16 bytes). */
export interface AddressRange {
  readonly low: Uint8Array;
  readonly high: Uint8Array;
}

const IPV4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/;
const IPV6_CHARS = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** The address bytes of an IPv4 or IPv6 literal, or undefined when `text` is not one. */
export function parseIpAddress(text: string): Uint8Array | undefined {
  const v4 = IPV4.exec(text);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    return octets.every((octet) => octet <= 255) ? Uint8Array.from(octets) : undefined;
  }
  return IPV6_CHARS.test(text) ? parseIpv6(text) : undefined;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const gap = text.indexOf('::');
  if (gap !== text.lastIndexOf('::')) return undefined;
  const head = gap >= 0 ? text.slice(0, gap) : text;
  const tail = gap >= 0 ? text.slice(gap + 2) : '';
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const groups = [...headGroups, ...tailGroups];
  if (!groups.every((group) => IPV6_GROUP.test(group))) return undefined;
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) return undefined;

  const bytes = new Uint8Array(16);
  const write = (group: string, index: number): void => {
    const value = Number.parseInt(group, 16);
    bytes[index * 2] = value >> 8;
    bytes[index * 2 + 1] = value & 0xff;
  };
  headGroups.forEach((group, i) => write(group, i));
  tailGroups.forEach((group, i) => write(group, 8 - tailGroups.length + i));

  // Java's InetAddress (and so EventBridge) turns IPv4-mapped IPv6 literals into IPv4 addresses.
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

/**
 * The addresses a CIDR block covers, or a sentence saying what is wrong with it.
 * Host bits in the address are ignored: `10.0.0.7/24` covers `10.0.0.0`–`10.0.0.255`.
 */
export function parseCidr(text: string): AddressRange | string {
  const parts = text.split('/');
  if (parts.length !== 2) return 'an address, one \'/\' and the mask bits, such as "10.0.0.0/24"';
  const [address = '', bits = ''] = parts;
  if (!/^\d+$/.test(bits)) return "the mask bits after the '/' to be a non-negative integer";
  const base = parseIpAddress(address);
  if (!base) return `an IPv4 or IPv6 address before the '/' (got ${JSON.stringify(address)})`;
  const maskBits = Number(bits);
  const maxBits = base.length * 8 - 1;
  if (maskBits > maxBits) {
    const family = base.length === 4 ? 'IPv4' : 'IPv6';
    return `${family} mask bits between 0 and ${maxBits} (EventBridge refuses /${maxBits + 1}; match one address with an exact string instead)`;
  }
  const low = new Uint8Array(base.length);
  const high = new Uint8Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const keep = Math.max(0, Math.min(8, maskBits - i * 8));
    const hostMask = 0xff >> keep;
    low[i] = (base[i] ?? 0) & ~hostMask & 0xff;
    high[i] = (base[i] ?? 0) | hostMask;
  }
  return { low, high };
}

/** True when `address` is in `range` (addresses of another family never are). */
export function inAddressRange(address: Uint8Array, range: AddressRange): boolean {
  return address.length === range.low.length && compareBytes(address, range.low) >= 0 && compareBytes(address, range.high) <= 0;
}

/** True when both are the same address. */
export function sameAddress(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
