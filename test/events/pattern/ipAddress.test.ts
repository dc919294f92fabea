import { describe, expect, it } from 'vitest';
import { inAddressRange, parseCidr, parseIpAddress } from '../../../events/pattern/ipAddress.ts';

describe('ipAddress', () => {
  describe('parseIpAddress', () => {
    it.each([
      { case: 'IPv4', text: '10.0.0.33', bytes: [10, 0, 0, 33] },
      { case: 'IPv4 octets with leading zeros are decimal', text: '010.000.000.001', bytes: [10, 0, 0, 1] },
      { case: 'IPv6 in full', text: '2001:0db8:0000:0000:0000:0000:0000:0001', bytes: [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1] },
      { case: 'IPv6 compressed', text: '2001:db8::1', bytes: [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1] },
      { case: 'IPv6 loopback', text: '::1', bytes: [...Array(15).fill(0), 1] },
      { case: 'IPv6 unspecified', text: '::', bytes: Array(16).fill(0) },
      { case: 'IPv4-mapped IPv6 is IPv4', text: '::ffff:c0a8:101', bytes: [192, 168, 1, 1] },
    ])('reads $case', ({ text, bytes }) => {
      // Act
      const result = parseIpAddress(text);

      // Assess
      expect(result && [...result]).toEqual(bytes);
    });

    it.each([
      { case: 'an octet above 255', text: '10.0.0.256' },
      { case: 'three octets', text: '10.0.0' },
      { case: 'a hostname', text: 'localhost' },
      { case: 'two "::"', text: '1::2::3' },
      { case: 'nine IPv6 groups', text: '1:2:3:4:5:6:7:8:9' },
      { case: 'seven IPv6 groups without "::"', text: '1:2:3:4:5:6:7' },
      { case: 'a five-digit group', text: '12345::1' },
      { case: 'a leading single colon', text: ':1:2:3:4:5:6:7' },
      { case: 'dotted IPv4 inside IPv6', text: '::ffff:10.0.0.1' },
      { case: 'the empty string', text: '' },
    ])('refuses $case', ({ text }) => {
      // Act
      const result = parseIpAddress(text);

      // Assess
      expect(result).toBeUndefined();
    });
  });

  describe('parseCidr', () => {
    it.each([
      { case: '/24 lower edge', cidr: '10.0.0.0/24', address: '10.0.0.0', inside: true },
      { case: '/24 upper edge', cidr: '10.0.0.0/24', address: '10.0.0.255', inside: true },
      { case: '/24 next block', cidr: '10.0.0.0/24', address: '10.0.1.0', inside: false },
      { case: '/0 covers every IPv4 address', cidr: '0.0.0.0/0', address: '255.255.255.255', inside: true },
      { case: '/31 covers two addresses', cidr: '192.168.1.6/31', address: '192.168.1.7', inside: true },
      { case: '/31 and its neighbour', cidr: '192.168.1.6/31', address: '192.168.1.8', inside: false },
      { case: 'a mask that is not a multiple of 8', cidr: '172.16.0.0/12', address: '172.31.255.255', inside: true },
      { case: 'a mask that is not a multiple of 8, outside', cidr: '172.16.0.0/12', address: '172.32.0.0', inside: false },
      { case: 'host bits of the block are ignored', cidr: '10.0.0.200/24', address: '10.0.0.1', inside: true },
      { case: 'IPv6 /48', cidr: '2001:db8:1234::/48', address: '2001:db8:1234:ffff:ffff:ffff:ffff:ffff', inside: true },
      { case: 'IPv6 /48, next block', cidr: '2001:db8:1234::/48', address: '2001:db8:1235::', inside: false },
      { case: 'an IPv4 address against an IPv6 block', cidr: '::/0', address: '10.0.0.1', inside: false },
    ])('$case', ({ cidr, address, inside }) => {
      // Prepare
      const range = parseCidr(cidr);
      const bytes = parseIpAddress(address);
      if (typeof range === 'string' || !bytes) throw new Error(`test setup: ${cidr} or ${address} did not parse`);

      // Act
      const result = inAddressRange(bytes, range);

      // Assess
      expect(result).toBe(inside);
    });

    it.each([
      { case: 'no mask', cidr: '10.0.0.0', says: "one '/'" },
      { case: 'two slashes', cidr: '10.0.0.0/8/8', says: "one '/'" },
      { case: 'a negative mask', cidr: '10.0.0.0/-1', says: 'non-negative integer' },
      { case: 'IPv4 /32', cidr: '10.0.0.1/32', says: 'IPv4 mask bits between 0 and 31' },
      { case: 'IPv6 /128', cidr: '::1/128', says: 'IPv6 mask bits between 0 and 127' },
      { case: 'a bad address', cidr: 'ten/8', says: 'an IPv4 or IPv6 address before the \'/\' (got "ten")' },
    ])('refuses $case', ({ cidr, says }) => {
      // Act
      const result = parseCidr(cidr);

      // Assess
      expect(typeof result).toBe('string');
      expect(result).toContain(says);
    });
  });
});
