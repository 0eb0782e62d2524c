import type { LookupAddress } from 'node:dns';
import type { lookup } from 'node:dns';
import { EgressPolicy } from './egress-policy';
import { EgressDeniedError, guardedLookup } from './guarded-dispatcher';

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
