import { formatAddress, parseAddressLiteral } from './address-literal';

/** What the address check sees for a URL's host: WHATWG parsing first, then our own. */
function normalisedHost(url: string): string | null {
  const parsed = parseAddressLiteral(new URL(url).hostname);
  return parsed ? formatAddress(parsed.address) : null;
}

describe('parseAddressLiteral', () => {
  // Every spelling of 169.254.169.254 we know of, as a URL and as a bare host string.
  const metadata: Array<[string, string]> = [
    ['dotted quad', '169.254.169.254'],
    ['decimal', '2852039166'],
    ['hex', '0xa9fea9fe'],
    ['upper-case hex', '0XA9FEA9FE'],
    ['dotted octal', '0251.0376.0251.0376'],
    ['dotted hex', '0xa9.0xfe.0xa9.0xfe'],
    ['mixed octal and decimal', '0251.254.169.254'],
    ['three parts', '169.254.43518'],
    ['two parts', '169.16689662'],
    ['leading zeros (octal)', '0251.00376.0251.0376'],
    ['trailing dot', '169.254.169.254.'],
    ['IPv4-mapped IPv6, dotted', '[::ffff:169.254.169.254]'],
    ['IPv4-mapped IPv6, hex', '[::ffff:a9fe:a9fe]'],
    ['IPv4-mapped IPv6, long form', '[0:0:0:0:0:ffff:a9fe:a9fe]'],
    ['IPv4-mapped IPv6, upper case', '[::FFFF:A9FE:A9FE]'],
  ];

  it.each(metadata)('reads the %s spelling in a URL as 169.254.169.254', (_, host) => {
    expect(normalisedHost(`http://${host}/latest/meta-data/`)).toBe('169.254.169.254');
  });

  it.each(metadata)('reads the %s spelling as a bare host as 169.254.169.254', (_, host) => {
    expect(formatAddress(parseAddressLiteral(host)!.address)).toBe('169.254.169.254');
  });

  it.each([
    ['http://127.1/', '127.0.0.1'],
    ['http://127.0.2/', '127.0.0.2'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://2130706434/', '127.0.0.2'],
    ['http://0x7f000002/', '127.0.0.2'],
    ['http://017700000002/', '127.0.0.2'],
    ['http://0177.0.0.2/', '127.0.0.2'],
    ['http://127.000.000.002/', '127.0.0.2'],
    ['http://%31%32%37.0.0.2/', '127.0.0.2'],
    ['http://\uff11\uff12\uff17.\uff10.\uff10.\uff12/', '127.0.0.2'],
    ['http://0/', '0.0.0.0'],
    ['http://4294967295/', '255.255.255.255'],
    ['http://[::ffff:127.0.0.2]/', '127.0.0.2'],
    ['http://[::]/', '::'],
    ['http://[FD00:EC2:0::254]/', 'fd00:ec2::254'],
  ])('normalises %s to %s', (url, expected) => {
    expect(normalisedHost(url)).toBe(expected);
  });

  it('keeps the IPv4 address inside IPv4-compatible and NAT64 addresses for the deny checks', () => {
    for (const host of ['[::169.254.169.254]', '[::a9fe:a9fe]', '[64:ff9b::169.254.169.254]']) {
      const parsed = parseAddressLiteral(new URL(`http://${host}/`).hostname)!;
      expect(parsed.address.kind()).toBe('ipv6');
      expect(parsed.embeddedIPv4?.toString()).toBe('169.254.169.254');
    }
  });

  it('does not read :: and ::1 as IPv4-compatible addresses', () => {
    expect(parseAddressLiteral('::')!.embeddedIPv4).toBeNull();
    expect(parseAddressLiteral('::1')!.embeddedIPv4).toBeNull();
  });

  it('drops the zone of a scoped address the socket reports', () => {
    expect(formatAddress(parseAddressLiteral('fe80::1%eth0')!.address)).toBe('fe80::1');
  });

  it('returns null for host names', () => {
    for (const host of ['localhost', 'example.com', 'cafe', '0x7g.1', '127.0.0.1.nip.io', 'a9fea9fe']) {
      expect(parseAddressLiteral(host)).toBeNull();
    }
  });
});
