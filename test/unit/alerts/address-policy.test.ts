import { describe, expect, it } from 'vitest';
import { HostAllowlist, isHostPattern, refusedAddress, restrictedAddressKind } from '../../../src/alerts/address-policy';

describe('classifying addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['127.8.9.10', 'loopback'], ['::1', 'loopback'], ['::ffff:127.0.0.1', 'loopback'],
    ['169.254.169.254', 'metadata'], ['fd00:ec2::254', 'metadata'], ['100.100.100.200', 'metadata'],
    ['169.254.1.1', 'link-local'], ['fe80::1', 'link-local'], ['febf::1', 'link-local'],
    ['10.0.0.5', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'], ['fc00::1', 'private'], ['fdff::1', 'private'], ['::ffff:10.1.2.3', 'private'],
    ['0.0.0.0', 'unspecified'], ['::', 'unspecified'],
  ])('%s is %s', (address, kind) => {
    expect(restrictedAddressKind(address)).toBe(kind);
  });

  it.each(['8.8.8.8', '172.32.0.1', '192.169.0.1', '100.128.0.1', '2606:4700::1111', 'fec0::1', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(restrictedAddressKind(address)).toBeNull();
  });
});

describe('allowlists', () => {
  it('accepts host names, addresses and CIDR ranges, and nothing else', () => {
    for (const entry of ['localhost', 'hooks.internal', 'hooks.internal.', '127.0.0.1', '::1', '[::1]', '10.0.0.0/8', 'fd00::/8']) {
      expect(isHostPattern(entry), entry).toBe(true);
    }
    for (const entry of ['', 'http://x', 'a b', '10.0.0.0/33', '::/129', 'x/8', '10.0.0.0/8/1', '10.0.0.0/']) {
      expect(isHostPattern(entry), entry).toBe(false);
    }
  });

  it('matches a URL host by name (any case) or by address, IPv6 in brackets included', () => {
    const list = new HostAllowlist(['Hooks.Internal', '127.0.0.1', '::1', '10.0.0.0/8']);
    expect(list.includesHost('hooks.internal')).toBe(true);
    expect(list.includesHost('127.0.0.1')).toBe(true);
    expect(list.includesHost('[::1]')).toBe(true);
    expect(list.includesHost('10.20.30.40')).toBe(true);
    expect(list.includesHost('localhost')).toBe(false);
    expect(list.includesHost('127.0.0.2')).toBe(false);
  });

  it('refuses the first restricted address a host resolves to, unless the route lists it', () => {
    const none = new HostAllowlist([]);
    expect(refusedAddress('example.test', ['93.184.216.34'], none)).toBeNull();
    expect(refusedAddress('example.test', ['93.184.216.34', '10.0.0.5'], none)).toEqual({ address: '10.0.0.5', kind: 'private' });
    expect(refusedAddress('localhost', ['127.0.0.1'], new HostAllowlist(['localhost']))).toBeNull();
    expect(refusedAddress('hooks.internal', ['10.0.0.5'], new HostAllowlist(['10.0.0.0/8']))).toBeNull();
    expect(refusedAddress('127.0.0.1', ['::ffff:127.0.0.1'], new HostAllowlist(['127.0.0.1']))).toBeNull();
  });

  it('admits the cloud metadata service only when its address is listed itself, never through a range', () => {
    expect(refusedAddress('meta.test', ['169.254.169.254'], new HostAllowlist(['169.254.0.0/16']))).toEqual({ address: '169.254.169.254', kind: 'metadata' });
    expect(refusedAddress('meta.test', ['169.254.1.1'], new HostAllowlist(['169.254.0.0/16']))).toBeNull();
    expect(refusedAddress('meta.test', ['169.254.169.254'], new HostAllowlist(['169.254.169.254']))).toBeNull();
  });
});
