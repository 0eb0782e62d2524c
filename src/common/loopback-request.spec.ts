import {
  checkLoopbackRequest,
  isAllowedOrigin,
  isLoopbackAddress,
  isLoopbackHost,
  LoopbackPolicy,
} from './loopback-request';

const POLICY: LoopbackPolicy = { allowedOrigins: ['http://dashboard.example'], checkPeer: true };
const local = { host: 'localhost:3000', origin: undefined, remoteAddress: '127.0.0.1' };

describe('loopback requests', () => {
  it.each([
    'localhost',
    'localhost:3000',
    'LOCALHOST:3000',
    'localhost.',
    'localhost.:3000',
    'app.localhost:3000',
    'A.B.LocalHost',
    '127.0.0.1',
    '127.0.0.1:3000',
    '127.1.2.3:65535',
    '[::1]',
    '[::1]:3000',
    '[0:0:0:0:0:0:0:1]:3000',
    '[::ffff:127.0.0.1]:3000',
  ])('takes Host %s as a loopback name', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    ['a foreign name', 'evil.example'],
    ['a foreign name with a port', 'evil.example:3000'],
    ['a name that only starts with a loopback address', '127.0.0.1.nip.io'],
    ['a name that only starts with localhost', 'localhost.evil.example'],
    ['a name that only contains localhost', 'notlocalhost'],
    ['an empty label', '.localhost'],
    ['an address outside 127/8', '128.0.0.1'],
    ['the unspecified address', '0.0.0.0:3000'],
    ['a private address', '192.168.1.10:3000'],
    ['a decimal spelling of 127.0.0.1', '2130706433'],
    ['a hex spelling', '0x7f.0.0.1'],
    ['a short spelling', '127.1'],
    ['an IPv6 address other than ::1', '[::2]:3000'],
    ['IPv6 without brackets', '::1'],
    ['an unclosed bracket', '[::1:3000'],
    ['a port that is not a number', 'localhost:http'],
    ['two ports', 'localhost:3000:3000'],
    ['user info', 'user@localhost'],
    ['a path', 'localhost/evil'],
    ['a space', 'local host'],
  ])('refuses %s (%s)', (_label, host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });

  it('takes loopback peers in every form the socket reports, and nothing else', () => {
    for (const address of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'])
      expect(isLoopbackAddress(address)).toBe(true);
    for (const address of [
      '10.0.0.7',
      '::ffff:10.0.0.7',
      '0.0.0.0',
      '::',
      'fe80::1',
      '',
      'localhost',
      undefined,
    ])
      expect(isLoopbackAddress(address)).toBe(false);
  });

  it('takes the own origin and listed origins, refuses the rest', () => {
    expect(isAllowedOrigin('http://localhost:3000', 'localhost:3000', [])).toBe(true);
    expect(isAllowedOrigin('http://LOCALHOST:3000', 'localhost:3000', [])).toBe(true);
    expect(isAllowedOrigin('https://localhost:3000', 'localhost:3000', [])).toBe(true);
    expect(isAllowedOrigin('http://localhost', 'localhost:80', [])).toBe(true);
    expect(isAllowedOrigin('http://[::1]:3000', '[::1]:3000', [])).toBe(true);
    expect(isAllowedOrigin('http://dashboard.example', 'localhost:3000', ['http://dashboard.example'])).toBe(
      true,
    );
    expect(isAllowedOrigin('http://anything.example', 'localhost:3000', '*')).toBe(true);
    // Another port of the same machine is another origin: a local page must be listed.
    expect(isAllowedOrigin('http://localhost:5173', 'localhost:3000', [])).toBe(false);
    expect(isAllowedOrigin('http://127.0.0.1:3000', 'localhost:3000', [])).toBe(false);
    expect(isAllowedOrigin('http://evil.example', 'localhost:3000', ['http://dashboard.example'])).toBe(
      false,
    );
    expect(isAllowedOrigin('null', 'localhost:3000', [])).toBe(false);
    expect(isAllowedOrigin('file://', 'localhost:3000', [])).toBe(false);
    expect(isAllowedOrigin('chrome-extension://abc', 'localhost:3000', [])).toBe(false);
  });

  it.each([
    ['a loopback request', local, undefined],
    ['its own origin', { ...local, origin: 'http://localhost:3000' }, undefined],
    ['a listed origin', { ...local, origin: 'http://dashboard.example' }, undefined],
    ['an IPv6 loopback peer and Host', { ...local, host: '[::1]:3000', remoteAddress: '::1' }, undefined],
    ['a mapped loopback peer', { ...local, remoteAddress: '::ffff:127.0.0.1' }, undefined],
    [
      'a foreign Host',
      { ...local, host: 'evil.example:3000' },
      'Host evil.example:3000 is not a loopback name; set API_KEY to serve other hosts',
    ],
    [
      'a rebinding name',
      { ...local, host: '127.0.0.1.nip.io:3000' },
      'Host 127.0.0.1.nip.io:3000 is not a loopback name; set API_KEY to serve other hosts',
    ],
    [
      'no Host',
      { ...local, host: undefined },
      'the request has no Host header; set API_KEY to serve other hosts',
    ],
    [
      'an empty Host',
      { ...local, host: '' },
      'the request has no Host header; set API_KEY to serve other hosts',
    ],
    [
      'a foreign Origin',
      { ...local, origin: 'http://evil.example' },
      "Origin http://evil.example is neither this server's origin nor listed in CORS_ORIGINS; set API_KEY to serve other origins",
    ],
    [
      'Origin null',
      { ...local, origin: 'null' },
      "Origin null is neither this server's origin nor listed in CORS_ORIGINS; set API_KEY to serve other origins",
    ],
    [
      'a foreign peer',
      { ...local, remoteAddress: '10.0.0.7' },
      'peer 10.0.0.7 is not a loopback address; set API_KEY to serve other machines',
    ],
    [
      'an unknown peer',
      { ...local, remoteAddress: undefined },
      'peer unknown is not a loopback address; set API_KEY to serve other machines',
    ],
  ])('decides on %s', (_label, request, reason) => {
    expect(checkLoopbackRequest(request, POLICY)).toEqual(
      reason === undefined ? { allowed: true } : { allowed: false, reason },
    );
  });

  it('leaves the peer alone when told to, never the Host', () => {
    const open: LoopbackPolicy = { ...POLICY, checkPeer: false };
    expect(checkLoopbackRequest({ ...local, remoteAddress: '172.17.0.1' }, open)).toEqual({ allowed: true });
    expect(
      checkLoopbackRequest({ ...local, host: '192.168.1.10:3000', remoteAddress: '172.17.0.1' }, open),
    ).toEqual({
      allowed: false,
      reason: 'Host 192.168.1.10:3000 is not a loopback name; set API_KEY to serve other hosts',
    });
  });

  it('shows what the client sent printable and short', () => {
    const decision = checkLoopbackRequest({ ...local, host: `evil\u0007${'x'.repeat(300)}` }, POLICY);
    expect(decision.allowed).toBe(false);
    const { reason } = decision as { reason: string };
    expect(reason).toMatch(/^Host evil\?x+… is not a loopback name/);
    expect(reason.length).toBeLessThan(200);
  });
});
