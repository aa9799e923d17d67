import { describe, expect, it } from 'vitest';
import { addressAllowed, classifyAddress, countsAsPublic, judgeUrlHost, strictOutboundPolicy, type AddressClass } from './outbound-address.ts';

const cases: [string, AddressClass][] = [
  // loopback
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  // private: RFC 1918 and unique local
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['fc00::1', 'private'],
  ['fd12:3456:789a::1', 'private'],
  ['fec0::1', 'private'],
  // link-local
  ['169.254.1.1', 'link_local'],
  ['fe80::1', 'link_local'],
  ['fe80::1%eth0', 'link_local'],
  ['febf::1', 'link_local'],
  // cloud metadata
  ['169.254.169.254', 'metadata'],
  ['169.254.170.2', 'metadata'],
  ['100.100.100.200', 'metadata'],
  ['fd00:ec2::254', 'metadata'],
  // CGNAT
  ['100.64.0.1', 'shared'],
  ['100.127.255.255', 'shared'],
  // multicast
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['ff02::1', 'multicast'],
  // unspecified
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['::', 'unspecified'],
  // IPv4-mapped and NAT64 forms carry their IPv4 address's class
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:10.0.0.1', 'private'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['::ffff:a9fe:a9fe', 'metadata'],
  ['64:ff9b::169.254.169.254', 'metadata'],
  ['::ffff:8.8.8.8', 'public'],
  // other ranges that are not globally routable
  ['255.255.255.255', 'reserved'],
  ['240.0.0.1', 'reserved'],
  ['192.0.2.10', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['203.0.113.5', 'reserved'],
  ['192.0.0.8', 'reserved'],
  ['2001:db8::1', 'reserved'],
  ['2001::1', 'reserved'],
  ['2002:a00:1::1', 'reserved'],
  ['::10.0.0.1', 'reserved'],
  ['100::1', 'reserved'],
  ['3fff::1', 'reserved'],
  // public
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['172.32.0.1', 'public'],
  ['100.128.0.1', 'public'],
  ['169.253.1.1', 'public'],
  ['2606:4700:4700::1111', 'public'],
  ['2400:3200::1', 'public'],
  // not addresses
  ['example.com', 'not_an_address'],
  ['256.1.1.1', 'not_an_address'],
  ['1.2.3', 'not_an_address'],
  ['01.2.3.4', 'not_an_address'],
  ['1::2::3', 'not_an_address'],
  ['1:2:3:4:5:6:7:8:9', 'not_an_address'],
  ['::ffff:1.2.3.256', 'not_an_address'],
];

describe('classifyAddress', () => {
  it.each(cases)('classifies %s as %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
});

describe('addressAllowed', () => {
  const permissive = { allowPrivateInTest: true };
  it('refuses every address that is not public in live mode, whatever the test flag says', () => {
    for (const [address, addressClass] of cases) {
      if (addressClass === 'public') continue;
      expect(addressAllowed(address, 'live', permissive), address).toBe(false);
      expect(addressAllowed(address, 'live', strictOutboundPolicy), address).toBe(false);
    }
  });

  it('refuses them in test mode unless the operator allows it, and then allows them', () => {
    expect(addressAllowed('127.0.0.1', 'test', strictOutboundPolicy)).toBe(false);
    expect(addressAllowed('169.254.169.254', 'test', strictOutboundPolicy)).toBe(false);
    expect(addressAllowed('127.0.0.1', 'test', permissive)).toBe(true);
    expect(addressAllowed('fd00:ec2::254', 'test', permissive)).toBe(true);
  });

  it('allows public addresses in both modes', () => {
    for (const mode of ['test', 'live'] as const) {
      expect(addressAllowed('8.8.8.8', mode, strictOutboundPolicy)).toBe(true);
      expect(addressAllowed('2606:4700:4700::1111', mode, strictOutboundPolicy)).toBe(true);
    }
  });

  it('counts an address a test names as public, and no other', () => {
    const policy = { allowPrivateInTest: false, treatedAsPublic: ['127.0.0.1'] };
    expect(countsAsPublic('127.0.0.1', policy)).toBe(true);
    expect(countsAsPublic('127.0.0.2', policy)).toBe(false);
    expect(addressAllowed('127.0.0.1', 'live', policy)).toBe(true);
  });
});

describe('judgeUrlHost', () => {
  const judge = (url: string, mode: 'test' | 'live', allowPrivateInTest = false) => judgeUrlHost(new URL(url), mode, { allowPrivateInTest });

  it('judges IP literals, in every spelling the URL parser accepts, without a lookup', () => {
    expect(judge('https://169.254.169.254/latest/meta-data', 'live')).toMatchObject({ kind: 'refused', addressClass: 'metadata' });
    expect(judge('https://10.0.0.1:6443', 'live')).toMatchObject({ kind: 'refused', addressClass: 'private' });
    expect(judge('https://2130706433/', 'live')).toMatchObject({ kind: 'refused', addressClass: 'loopback' });
    expect(judge('https://0x7f.1/', 'live')).toMatchObject({ kind: 'refused', addressClass: 'loopback' });
    expect(judge('https://[::ffff:169.254.169.254]/', 'live')).toMatchObject({ kind: 'refused', addressClass: 'metadata' });
    expect(judge('https://[fd00:ec2::254]/', 'live')).toMatchObject({ kind: 'refused', addressClass: 'metadata' });
    expect(judge('https://0.0.0.0/', 'live')).toMatchObject({ kind: 'refused', addressClass: 'unspecified' });
    expect(judge('https://8.8.8.8/hooks', 'live')).toEqual({ kind: 'allowed' });
  });

  it('refuses localhost by name, and sends other names to be resolved', () => {
    expect(judge('https://localhost:4000/', 'live')).toMatchObject({ kind: 'refused', addressClass: 'loopback' });
    expect(judge('https://api.LOCALHOST./', 'test')).toMatchObject({ kind: 'refused', addressClass: 'loopback' });
    expect(judge('https://localhost:4000/', 'test', true)).toEqual({ kind: 'allowed' });
    expect(judge('https://shop.example/hooks', 'live')).toEqual({ kind: 'resolve', hostname: 'shop.example' });
  });

  it('allows private literals in test mode only with the operator flag', () => {
    expect(judge('http://127.0.0.1:9/hooks', 'test')).toMatchObject({ kind: 'refused', addressClass: 'loopback' });
    expect(judge('http://127.0.0.1:9/hooks', 'test', true)).toEqual({ kind: 'allowed' });
    expect(judge('https://127.0.0.1:9/hooks', 'live', true)).toMatchObject({ kind: 'refused' });
  });
});
