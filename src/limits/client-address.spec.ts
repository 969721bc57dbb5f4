import { clientAddress } from './client-address.js';

describe('clientAddress', () => {
  it('keeps IPv4 addresses and unwraps IPv4-mapped IPv6 ones', () => {
    expect(clientAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddress('::ffff:cb00:7107')).toBe('203.0.113.7');
  });

  it('counts an IPv6 client by its /64, however the address is written', () => {
    const a = clientAddress('2001:db8:1:2:aaaa:bbbb:cccc:dddd');
    expect(a).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:0db8:0001:0002::1')).toBe(a);
    expect(clientAddress('2001:DB8:1:2::ffff%eth0')).toBe(a);
    expect(clientAddress('2001:db8:1:3::1')).not.toBe(a);
    expect(clientAddress('::1')).toBe('0:0:0:0::/64');
  });

  it('passes anything else through, and names a missing address', () => {
    expect(clientAddress(undefined)).toBe('unknown');
    expect(clientAddress('')).toBe('unknown');
    expect(clientAddress('not-an-ip')).toBe('not-an-ip');
  });
});
