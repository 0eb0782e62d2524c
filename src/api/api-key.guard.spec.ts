import { ExecutionContext, ForbiddenException, UnauthorizedException } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiKeyVerifier } from '../common/api-key.verifier';
import { RequestAccess } from '../common/request-access';
import { ApiKeyGuard } from './api-key.guard';

const KEY = 'guard-key-0123456789abcdef';

/** What the guard reads of a request: its headers and the peer's address (no network here). */
function contextOf(headers: IncomingHttpHeaders, remoteAddress: string): ExecutionContext {
  const request = { headers, socket: { remoteAddress } };
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

function guard(apiKey?: string[], allowRemotePeers = false): ApiKeyGuard {
  return new ApiKeyGuard(
    new RequestAccess(new ApiKeyVerifier(apiKey), { allowedOrigins: [], checkPeer: !allowRemotePeers }),
  );
}

describe('ApiKeyGuard', () => {
  it('without a key, serves a loopback peer naming a loopback host', () => {
    expect(guard().canActivate(contextOf({ host: 'localhost:3000' }, '127.0.0.1'))).toBe(true);
    expect(guard().canActivate(contextOf({ host: '[::1]:3000' }, '::ffff:127.0.0.1'))).toBe(true);
  });

  it('without a key, refuses a peer from the network even when it names localhost (a host app on 0.0.0.0)', () => {
    const refused = () => guard().canActivate(contextOf({ host: 'localhost:3000' }, '192.168.1.20'));
    expect(refused).toThrow(ForbiddenException);
    expect(refused).toThrow(
      'peer 192.168.1.20 is not a loopback address; set API_KEY to serve other machines',
    );
  });

  it('without a key but with remote peers allowed (HOST given), still refuses a foreign Host', () => {
    const open = guard(undefined, true);
    expect(open.canActivate(contextOf({ host: 'localhost:3000' }, '172.17.0.1'))).toBe(true);
    expect(() => open.canActivate(contextOf({ host: 'scout.lan:3000' }, '172.17.0.1'))).toThrow(
      'Host scout.lan:3000 is not a loopback name',
    );
  });

  it('refuses a foreign Origin from a loopback peer', () => {
    expect(() =>
      guard().canActivate(contextOf({ host: 'localhost:3000', origin: 'http://evil.example' }, '127.0.0.1')),
    ).toThrow(ForbiddenException);
  });

  it('with keys, serves any peer and Host with a key, and answers 401 otherwise', () => {
    const keyed = guard([KEY, `${KEY}-next`]);
    const remote = { host: 'scout.example', origin: 'http://evil.example' };
    expect(keyed.canActivate(contextOf({ ...remote, 'x-api-key': KEY }, '203.0.113.9'))).toBe(true);
    expect(
      keyed.canActivate(contextOf({ ...remote, authorization: `Bearer ${KEY}-next` }, '203.0.113.9')),
    ).toBe(true);
    expect(() => keyed.canActivate(contextOf({ host: 'localhost' }, '127.0.0.1'))).toThrow(
      new UnauthorizedException('missing API key: send the X-API-Key header or Authorization: Bearer <key>'),
    );
    expect(() =>
      keyed.canActivate(contextOf({ host: 'localhost', 'x-api-key': 'nope' }, '127.0.0.1')),
    ).toThrow('wrong API key');
  });
});
