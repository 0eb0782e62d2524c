import { parseEgressEntries, splitEgressSetting } from './egress-rules';

describe('egress settings', () => {
  it('splits a comma-separated setting, ignoring blanks', () => {
    expect(splitEgressSetting(' 10.0.0.0/8, ,fd00::/8 ,')).toEqual(['10.0.0.0/8', 'fd00::/8']);
  });

  it('reads CIDRs and bare addresses of both families', () => {
    const { list, problems } = parseEgressEntries(
      ['10.0.0.0/8', '127.0.0.2', 'fd00::/8', '::1'],
      'X',
      'deny',
    );
    expect(problems).toEqual([]);
    expect(list.ranges.map(({ address, prefix }) => `${address.toString()}/${prefix}`)).toEqual([
      '10.0.0.0/8',
      '127.0.0.2/32',
      'fd00::/8',
      '::1/128',
    ]);
  });

  it('reads an IPv4-mapped range as the IPv4 range it covers', () => {
    const { list } = parseEgressEntries(['::ffff:127.0.0.0/104'], 'X', 'deny');
    expect(list.ranges[0]).toMatchObject({ prefix: 8 });
    expect(list.ranges[0]?.address.toString()).toBe('127.0.0.0');
  });

  it('takes host names (and *.suffix) in an allow list only', () => {
    const allow = parseEgressEntries(['Hooks.Example.com.', '*.internal', 'localhost'], 'ALLOW', 'allow');
    expect(allow.problems).toEqual([]);
    expect(allow.list.hostNames).toEqual(['hooks.example.com', '*.internal', 'localhost']);
    expect(parseEgressEntries(['example.com'], 'DENY', 'deny').problems).toEqual([
      'DENY must list CIDRs (such as 10.0.0.0/8 or fd00::/8) or addresses (got "example.com")',
    ]);
  });

  it.each([
    '10.0.0.0/33',
    'fd00::/129',
    '10.0.0.0/-1',
    '10.0.0.0/8/8',
    '10.0.0/8',
    '0x0a000000/8',
    '300.1.1.1',
    '10.0.0.0/',
    '10.0.0.0/x',
    'fe80::1%eth0',
    'http://example.com',
    'exa mple.com',
    '*',
  ])('refuses %j with a message naming the setting and the entry', (entry) => {
    const { problems } = parseEgressEntries([entry], 'HTTP_EGRESS_ALLOW', 'allow');
    expect(problems).toEqual([
      `HTTP_EGRESS_ALLOW must list CIDRs (such as 10.0.0.0/8 or fd00::/8), addresses or host names (got ${JSON.stringify(entry)})`,
    ]);
  });

  it('refuses an allow list that lists nothing', () => {
    expect(parseEgressEntries([], 'HTTP_EGRESS_ALLOW', 'allow').problems).toEqual([
      'HTTP_EGRESS_ALLOW must list at least one CIDR or host name (leave it unset to allow every address not denied)',
    ]);
    expect(parseEgressEntries([], 'HTTP_EGRESS_DENY', 'deny').problems).toEqual([]);
  });
});
