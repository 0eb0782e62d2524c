import type { LookupAddress, lookup } from 'node:dns';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { EgressPolicy } from './egress-policy';
import { EgressDeniedError, guardedConnector, guardedLookup } from './guarded-dispatcher';

/** A resolver answering from a table, so no test depends on (or reaches) real DNS. */
function fakeResolver(table: Record<string, LookupAddress[]>): typeof lookup {
  return ((hostname: string, _options: unknown, callback: (...args: unknown[]) => void) => {
    const addresses = table[hostname];
    if (!addresses)
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
    else callback(null, addresses);
  }) as unknown as typeof lookup;
}

const resolver = fakeResolver({
  'rebound.example': [{ address: '169.254.169.254', family: 4 }],
  'mixed.example': [
    { address: '::ffff:127.0.0.2', family: 6 },
    { address: '127.0.0.3', family: 4 },
  ],
  'denied.example': [
    { address: '127.0.0.2', family: 4 },
    { address: 'fd00:ec2::254', family: 6 },
  ],
});
const policy = EgressPolicy.fromOptions({ httpEgressDeny: ['127.0.0.2/32'] });

function resolve(hostname: string, all: boolean): Promise<unknown[]> {
  return new Promise((done) =>
    guardedLookup(policy, resolver)(hostname, { all }, (...args: unknown[]) => done(args)),
  );
}

describe('guardedLookup', () => {
  it('fails a name whose only address is always denied, naming the policy and the address', async () => {
    const [error] = await resolve('rebound.example', false);
    expect(error).toBeInstanceOf(EgressDeniedError);
    expect((error as Error).message).toBe(
      'rebound.example (169.254.169.254) is denied by the egress policy (link-local)',
    );
  });

  it('names every refused address when none is left', async () => {
    const [error] = await resolve('denied.example', true);
    expect((error as Error).message).toBe(
      'denied.example (127.0.0.2) is denied by the egress policy (in HTTP_EGRESS_DENY: 127.0.0.2/32); ' +
        'denied.example (fd00:ec2::254) is denied by the egress policy (cloud metadata)',
    );
  });

  it('hands the socket only the allowed addresses, in either callback form', async () => {
    expect(await resolve('mixed.example', true)).toEqual([null, [{ address: '127.0.0.3', family: 4 }]]);
    expect(await resolve('mixed.example', false)).toEqual([null, '127.0.0.3', 4]);
  });

  it('passes resolver errors through', async () => {
    const [error] = await resolve('missing.example', false);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOTFOUND');
  });
});

/** The connector over real sockets, on loopback only: 127.0.0.2 stands for a denied address. */
describe('guardedConnector', () => {
  const servers: Server[] = [];
  const received: string[] = [];
  let port = 0;

  async function listen(host: string): Promise<number> {
    const server = createServer((req, res) => {
      received.push(`${host}${req.url}`);
      res.end('ok');
    });
    servers.push(server);
    await new Promise<void>((done) => server.listen(port, host, done));
    return (server.address() as AddressInfo).port;
  }

  beforeAll(async () => {
    port = await listen('127.0.0.1');
    await listen('127.0.0.2');
  });

  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  });

  beforeEach(() => received.splice(0));

  const rebinding = fakeResolver({ 'rebound.test': [{ address: '127.0.0.2', family: 4 }] });

  async function call(url: string, connect = guardedConnector(policy, rebinding)): Promise<string> {
    const agent = new Agent({ connect });
    try {
      const response = await request(url, { dispatcher: agent });
      return await response.body.text();
    } finally {
      await agent.close();
    }
  }

  it('connects to an allowed address', async () => {
    expect(await call(`http://127.0.0.1:${port}/fine`)).toBe('ok');
    expect(received).toEqual(['127.0.0.1/fine']);
  });

  it.each([
    ['a literal', () => `http://127.0.0.2:${port}/literal`, '127.0.0.2'],
    ['an IPv4-mapped literal', () => `http://[::ffff:127.0.0.2]:${port}/mapped`, '127.0.0.2'],
    ['a name resolving to it', () => `http://rebound.test:${port}/name`, 'rebound.test (127.0.0.2)'],
  ])('refuses %s of the denied address before connecting', async (_, url, subject) => {
    await expect(call(url())).rejects.toThrow(
      new EgressDeniedError(`${subject} is denied by the egress policy (in HTTP_EGRESS_DENY: 127.0.0.2/32)`),
    );
    expect(received).toEqual([]);
  });

  it('checks the peer the socket reached before writing the request', async () => {
    // A policy that lets the address through before connecting and refuses the peer after.
    let checks = 0;
    const flaky = {
      refusalForAddress: (address: string) =>
        ++checks === 1 ? null : `${address} is denied by the egress policy (test)`,
    } as unknown as EgressPolicy;
    await expect(call(`http://127.0.0.1:${port}/late`, guardedConnector(flaky))).rejects.toThrow(
      '127.0.0.1 is denied by the egress policy (test)',
    );
    expect(checks).toBe(2);
    expect(received).toEqual([]);
  });
});
