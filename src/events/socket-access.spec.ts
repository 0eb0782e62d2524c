import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'socket.io';
import { ApiKeyVerifier } from '../common/api-key.verifier';
import { RequestAccess } from '../common/request-access';
import { SOCKET_UNAUTHORIZED, socketAccess } from './socket-access';

const KEY = 'socket-key-0123456789abcdef';

/** The handshake as Socket.IO hands it to middleware. */
function socketOf(headers: IncomingHttpHeaders, address: string, auth: Record<string, unknown> = {}): Socket {
  return { handshake: { headers, address, auth } } as unknown as Socket;
}

function outcome(access: RequestAccess, socket: Socket): Error | undefined | 'no answer' {
  let result: Error | undefined | 'no answer' = 'no answer';
  socketAccess(access)(socket, (error) => (result = error));
  return result;
}

const open = new RequestAccess(new ApiKeyVerifier(undefined), { allowedOrigins: [], checkPeer: true });
const keyed = new RequestAccess(new ApiKeyVerifier([KEY]), { allowedOrigins: [], checkPeer: true });

describe('socketAccess', () => {
  it('without a key, lets a loopback handshake through', () => {
    expect(outcome(open, socketOf({ host: '127.0.0.1:3000' }, '::ffff:127.0.0.1'))).toBeUndefined();
  });

  it('without a key, refuses a foreign Origin or peer with the reason and the REST error shape', () => {
    const error = outcome(
      open,
      socketOf({ host: '127.0.0.1:3000', origin: 'http://evil.example' }, '127.0.0.1'),
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^forbidden: Origin http:\/\/evil\.example is neither/);
    expect((error as Error & { data: unknown }).data).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: expect.stringMatching(/^Origin http:\/\/evil\.example/),
    });
    const remote = outcome(open, socketOf({ host: 'localhost:3000' }, '10.0.0.7')) as Error;
    expect(remote.message).toBe(
      'forbidden: peer 10.0.0.7 is not a loopback address; set API_KEY to serve other machines',
    );
  });

  it('with keys, takes auth.apiKey, X-API-Key or Bearer from anywhere, and refuses without (401)', () => {
    const remote = { host: 'scout.example' };
    expect(outcome(keyed, socketOf(remote, '203.0.113.9', { apiKey: KEY }))).toBeUndefined();
    expect(outcome(keyed, socketOf({ ...remote, 'x-api-key': KEY }, '203.0.113.9'))).toBeUndefined();
    expect(
      outcome(keyed, socketOf({ ...remote, authorization: `Bearer ${KEY}` }, '203.0.113.9')),
    ).toBeUndefined();
    const refused = outcome(keyed, socketOf(remote, '203.0.113.9', { apiKey: 'wrong' })) as Error & {
      data: unknown;
    };
    expect(refused.message).toBe(SOCKET_UNAUTHORIZED);
    expect(refused.data).toEqual({ statusCode: 401, error: 'Unauthorized', message: SOCKET_UNAUTHORIZED });
  });
});
