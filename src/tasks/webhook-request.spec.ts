import { MockAgent } from 'undici';
import { EgressPolicy } from './egress/egress-policy';
import { EgressDeniedError } from './egress/guarded-dispatcher';
import { MAX_REDIRECTS, requestFollowingRedirects } from './webhook-request';

/** Redirect handling over undici's MockAgent: no socket is opened, so no address is reached. */
describe('requestFollowingRedirects', () => {
  let agent: MockAgent;
  const policy = EgressPolicy.fromOptions({ httpEgressDeny: ['127.0.0.2/32'] });
  const origin = 'http://hooks.test';
  const send = (url: string, extra: Partial<Parameters<typeof requestFollowingRedirects>[2]> = {}) =>
    requestFollowingRedirects(agent, policy, {
      url,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer s3cret',
        'x-signature': 'sig',
        'x-scout-run-id': 'r1',
      },
      body: '{"a":1}',
      signal: new AbortController().signal,
      credentialHeaders: new Set(['authorization', 'x-signature']),
      ...extra,
    });

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
  });

  afterEach(() => agent.close());

  it('follows up to 5 redirects, resolving relative locations', async () => {
    const pool = agent.get(origin);
    for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
      pool
        .intercept({ path: `/r${hop}`, method: 'POST' })
        .reply(307, '', { headers: { location: `/r${hop + 1}` } });
    }
    pool.intercept({ path: `/r${MAX_REDIRECTS}`, method: 'POST', body: '{"a":1}' }).reply(200, 'done');
    const response = await send(`${origin}/r0`);
    expect(response.statusCode).toBe(200);
    expect(response.url).toBe(`${origin}/r5`);
    expect(await response.body.text()).toBe('done');
  });

  it('refuses a 6th redirect', async () => {
    const pool = agent.get(origin);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      pool
        .intercept({ path: `/r${hop}`, method: 'POST' })
        .reply(308, '', { headers: { location: `/r${hop + 1}` } });
    }
    await expect(send(`${origin}/r0`)).rejects.toThrow('stopped after 5 redirects (at most 5 are followed)');
  });

  it('checks every hop: a redirect to a denied literal is refused before any request to it', async () => {
    agent
      .get(origin)
      .intercept({ path: '/go', method: 'POST' })
      .reply(302, '', { headers: { location: 'http://2130706434:8080/x' } });
    const refused = send(`${origin}/go`);
    await expect(refused).rejects.toThrow(EgressDeniedError);
    await expect(refused).rejects.toThrow(
      '127.0.0.2 is denied by the egress policy (in HTTP_EGRESS_DENY: 127.0.0.2/32), reached by a redirect to http://127.0.0.2:8080/x',
    );
  });

  it('refuses a denied first URL without a request', async () => {
    await expect(send('http://[::ffff:169.254.169.254]/')).rejects.toThrow(
      '169.254.169.254 is denied by the egress policy (link-local)',
    );
  });

  it('turns a POST redirected by 303 into a GET without body, and keeps credentials on the same origin', async () => {
    agent
      .get(origin)
      .intercept({ path: '/see', method: 'POST' })
      .reply(303, '', { headers: { location: '/other' } });
    agent
      .get(origin)
      .intercept({
        path: '/other',
        method: 'GET',
        headers: (headers) => headers.authorization === 'Bearer s3cret' && !('content-type' in headers),
      })
      .reply(200, 'ok');
    expect((await send(`${origin}/see`)).statusCode).toBe(200);
  });

  it('does not send credentials (the task secret headers) to another origin', async () => {
    agent
      .get(origin)
      .intercept({ path: '/away', method: 'POST' })
      .reply(307, '', {
        headers: { location: 'http://elsewhere.test/in' },
      });
    agent
      .get('http://elsewhere.test')
      .intercept({
        path: '/in',
        method: 'POST',
        headers: (headers) =>
          !('authorization' in headers) && !('x-signature' in headers) && headers['x-scout-run-id'] === 'r1',
      })
      .reply(200, 'ok');
    expect((await send(`${origin}/away`)).statusCode).toBe(200);
  });

  it('refuses a redirect to a URL that is not http(s)', async () => {
    agent
      .get(origin)
      .intercept({ path: '/file', method: 'POST' })
      .reply(302, '', { headers: { location: 'file:///etc/passwd' } });
    await expect(send(`${origin}/file`)).rejects.toThrow(
      'redirected to "file:///etc/passwd", which is not an http:// or https:// URL',
    );
  });

  it('returns a 3xx without Location as the answer', async () => {
    agent.get(origin).intercept({ path: '/nowhere', method: 'POST' }).reply(302, 'no location');
    expect((await send(`${origin}/nowhere`)).statusCode).toBe(302);
  });
});
