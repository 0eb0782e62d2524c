import { ConfigurationError } from '../../config/environment';
import { EgressPolicy } from './egress-policy';

const open = EgressPolicy.fromOptions({});
const refusalOf = (policy: EgressPolicy, url: string) => policy.refusalForUrl(new URL(url));

describe('EgressPolicy', () => {
  describe('always denied, whatever the settings', () => {
    it.each([
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254', 'link-local'],
      ['http://2852039166/', '169.254.169.254', 'link-local'],
      ['http://0xa9fea9fe/', '169.254.169.254', 'link-local'],
      ['http://0251.0376.0251.0376/', '169.254.169.254', 'link-local'],
      ['http://[::ffff:169.254.169.254]/', '169.254.169.254', 'link-local'],
      ['http://[::ffff:a9fe:a9fe]/', '169.254.169.254', 'link-local'],
      ['http://[::169.254.169.254]/', '::a9fe:a9fe', 'link-local'],
      ['http://[64:ff9b::169.254.169.254]/', '64:ff9b::a9fe:a9fe', 'link-local'],
      ['http://[fe80::1]/', 'fe80::1', 'link-local'],
      ['http://[febf::1]/', 'febf::1', 'link-local'],
      ['http://100.100.100.200/', '100.100.100.200', 'cloud metadata'],
      ['http://[fd00:ec2::254]/', 'fd00:ec2::254', 'cloud metadata'],
      ['http://0.0.0.0/', '0.0.0.0', 'this network, 0.0.0.0/8'],
      ['http://0/', '0.0.0.0', 'this network, 0.0.0.0/8'],
      ['http://0.1.2.3/', '0.1.2.3', 'this network, 0.0.0.0/8'],
      ['http://[::ffff:0.0.0.0]/', '0.0.0.0', 'this network, 0.0.0.0/8'],
      ['http://224.0.0.1/', '224.0.0.1', 'multicast'],
      ['http://239.255.255.250/', '239.255.255.250', 'multicast'],
      ['http://[ff02::1]/', 'ff02::1', 'multicast'],
      ['http://255.255.255.255/', '255.255.255.255', 'broadcast'],
      ['http://4294967295/', '255.255.255.255', 'broadcast'],
      ['http://[::]/', '::', 'unspecified'],
    ])('%s is refused as %s (%s)', (url, address, label) => {
      expect(refusalOf(open, url)).toBe(`${address} is denied by the egress policy (${label})`);
    });

    it('wins over an allow list that covers everything', () => {
      const policy = EgressPolicy.fromOptions({ httpEgressAllow: ['0.0.0.0/0', '::/0'] });
      expect(refusalOf(policy, 'http://169.254.169.254/')).toBe(
        '169.254.169.254 is denied by the egress policy (link-local)',
      );
      expect(policy.refusalForAddress('fd00:ec2::254', 'metadata.example')).toBe(
        'metadata.example (fd00:ec2::254) is denied by the egress policy (cloud metadata)',
      );
      expect(refusalOf(policy, 'http://10.1.2.3/')).toBeNull();
    });

    it('wins over a listed host name at connect time', () => {
      const policy = EgressPolicy.fromOptions({ httpEgressAllow: ['hooks.example.com'] });
      expect(policy.refusalForAddress('169.254.169.254', 'hooks.example.com')).toBe(
        'hooks.example.com (169.254.169.254) is denied by the egress policy (link-local)',
      );
    });
  });

  describe('by default', () => {
    it.each([
      'http://127.0.0.1:3000/',
      'http://localhost/',
      'http://[::1]/',
      'http://10.0.0.5/',
      'http://192.168.1.1/',
      'http://172.16.0.1/',
      'http://[fd12::1]/',
      'http://100.64.0.1/',
      'https://example.com/hook',
    ])('allows %s (loopback, private and public addresses and every host name)', (url) => {
      expect(refusalOf(open, url)).toBeNull();
    });

    it('allows the addresses a host name resolves to unless they are denied', () => {
      expect(open.refusalForAddress('127.0.0.1', 'localhost')).toBeNull();
      expect(open.refusalForAddress('::ffff:169.254.169.254', 'rebound.example')).toBe(
        'rebound.example (169.254.169.254) is denied by the egress policy (link-local)',
      );
    });
  });

  describe('HTTP_EGRESS_DENY', () => {
    const policy = EgressPolicy.fromOptions({ httpEgressDeny: ['127.0.0.2/32', '10.0.0.0/8', 'fd00::/8'] });

    it.each([
      ['http://127.0.0.2:8080/', '127.0.0.2', '127.0.0.2/32'],
      ['http://2130706434/', '127.0.0.2', '127.0.0.2/32'],
      ['http://0x7f000002/', '127.0.0.2', '127.0.0.2/32'],
      ['http://0177.0.0.2/', '127.0.0.2', '127.0.0.2/32'],
      ['http://127.0.2/', '127.0.0.2', '127.0.0.2/32'],
      ['http://[::ffff:127.0.0.2]/', '127.0.0.2', '127.0.0.2/32'],
      ['http://[::ffff:7f00:2]/', '127.0.0.2', '127.0.0.2/32'],
      ['http://[::127.0.0.2]/', '::7f00:2', '127.0.0.2/32'],
      ['http://10.200.0.1/', '10.200.0.1', '10.0.0.0/8'],
      ['http://[fd00::5]/', 'fd00::5', 'fd00::/8'],
    ])('refuses %s as %s (in %s)', (url, address, range) => {
      expect(refusalOf(policy, url)).toBe(
        `${address} is denied by the egress policy (in HTTP_EGRESS_DENY: ${range})`,
      );
    });

    it.each([
      'http://hooks.example@127.0.0.2/',
      'http://hooks.example:pw@0x7f000002/',
      'http://127.0.0.2\\@hooks.example/',
      'http://127.0.0.2#@hooks.example/',
      'http://127.0.0.2?@hooks.example/',
    ])('reads the host of %s as the URL parser (and so the HTTP client) does', (url) => {
      expect(refusalOf(policy, url)).toBe(
        '127.0.0.2 is denied by the egress policy (in HTTP_EGRESS_DENY: 127.0.0.2/32)',
      );
    });

    it('leaves other addresses and host names alone at save time, and checks resolved addresses', () => {
      expect(refusalOf(policy, 'http://127.0.0.1/')).toBeNull();
      expect(refusalOf(policy, 'http://127.0.0.3/')).toBeNull();
      expect(refusalOf(policy, 'http://internal.example/')).toBeNull();
      expect(policy.refusalForAddress('10.1.1.1', 'internal.example')).toBe(
        'internal.example (10.1.1.1) is denied by the egress policy (in HTTP_EGRESS_DENY: 10.0.0.0/8)',
      );
    });
  });

  describe('HTTP_EGRESS_ALLOW', () => {
    const policy = EgressPolicy.fromOptions({
      httpEgressAllow: ['127.0.0.1/32', '192.168.0.0/16', 'hooks.example.com', '*.internal'],
      httpEgressDeny: ['192.168.9.0/24'],
    });

    it('allows listed ranges and names only', () => {
      expect(refusalOf(policy, 'http://127.0.0.1:3000/')).toBeNull();
      expect(refusalOf(policy, 'http://192.168.1.20/')).toBeNull();
      expect(refusalOf(policy, 'https://hooks.example.com/x')).toBeNull();
      expect(refusalOf(policy, 'https://HOOKS.example.com./x')).toBeNull();
      expect(refusalOf(policy, 'http://a.b.internal/')).toBeNull();
    });

    it.each([
      ['http://127.0.0.3/', '127.0.0.3'],
      ['http://[::1]/', '::1'],
      ['http://10.0.0.1/', '10.0.0.1'],
      ['http://8.8.8.8/', '8.8.8.8'],
      ['http://localhost/', 'localhost'],
      ['http://example.com/', 'example.com'],
      ['http://evilhooks.example.com/', 'evilhooks.example.com'],
      ['http://internal/', 'internal'],
    ])('refuses %s at save time (%s not listed)', (url, subject) => {
      expect(refusalOf(policy, url)).toBe(
        `${subject} is denied by the egress policy (not in HTTP_EGRESS_ALLOW)`,
      );
    });

    it('lets a listed name resolve to any address not denied; others must land in a listed range', () => {
      expect(policy.refusalForAddress('10.9.9.9', 'hooks.example.com')).toBeNull();
      expect(policy.refusalForAddress('192.168.1.1', 'other.example')).toBeNull();
      expect(policy.refusalForAddress('10.9.9.9', 'other.example')).toBe(
        'other.example (10.9.9.9) is denied by the egress policy (not in HTTP_EGRESS_ALLOW)',
      );
    });

    it('lets HTTP_EGRESS_DENY win over the allow list', () => {
      expect(refusalOf(policy, 'http://192.168.9.1/')).toBe(
        '192.168.9.1 is denied by the egress policy (in HTTP_EGRESS_DENY: 192.168.9.0/24)',
      );
      expect(policy.refusalForAddress('192.168.9.1', 'hooks.example.com')).toBe(
        'hooks.example.com (192.168.9.1) is denied by the egress policy (in HTTP_EGRESS_DENY: 192.168.9.0/24)',
      );
    });
  });

  describe('configuration', () => {
    it('refuses bad entries at start with a ConfigurationError naming the option and the entry', () => {
      expect(() => EgressPolicy.fromOptions({ httpEgressDeny: ['10.0.0.0/40'] })).toThrow(
        new ConfigurationError(
          'Invalid configuration: httpEgressDeny must list CIDRs (such as 10.0.0.0/8 or fd00::/8) or addresses (got "10.0.0.0/40")',
        ),
      );
      expect(() => EgressPolicy.fromOptions({ httpEgressAllow: ['ok.example', 'not a host'] })).toThrow(
        /httpEgressAllow must list CIDRs .* \(got "not a host"\)/,
      );
      expect(() => EgressPolicy.fromOptions({ httpEgressAllow: [] })).toThrow(
        /httpEgressAllow must list at least one/,
      );
      expect(() => EgressPolicy.fromOptions({ httpEgressDeny: [42] as unknown as string[] })).toThrow(
        'Invalid configuration: httpEgressDeny must be an array of strings',
      );
    });

    it('takes a comma-separated string from a host as well', () => {
      const policy = EgressPolicy.fromOptions({
        httpEgressDeny: '10.0.0.0/8, 127.0.0.2' as unknown as string[],
      });
      expect(refusalOf(policy, 'http://127.0.0.2/')).toMatch(/in HTTP_EGRESS_DENY: 127.0.0.2/);
    });
  });
});
