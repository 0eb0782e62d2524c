import { DomainError } from '../domain/domain-error';
import { mergeSecretHeaders } from './secret-header-update';

const URL = 'http://127.0.0.1:9/hook';
const stored = {
  url: URL,
  headers: { Authorization: 'Bearer stored', 'X-Signing-Key': 'sig-stored', 'x-plain': 'p-stored' },
  secretHeaders: ['x-signing-key'],
};

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).message;
  }
  throw new Error('expected a refusal');
}

describe('mergeSecretHeaders on create (nothing stored)', () => {
  it('takes a payload with secret values as given', () => {
    const next = { url: URL, headers: { Authorization: 'Bearer new' } };
    expect(mergeSecretHeaders(null, next)).toEqual(next);
  });

  it.each(['Authorization', 'proxy-authorization', 'COOKIE', 'X-API-KEY'])('refuses "***" for %s', (name) => {
    expect(refusal(() => mergeSecretHeaders(null, { url: URL, headers: { [name]: '***' } }))).toBe(
      `payload.headers.${name}: "***" keeps the stored secret value, and there is none; give the value`,
    );
  });

  it('refuses "***" for a header listed in secretHeaders, and takes it literally for any other header', () => {
    expect(() =>
      mergeSecretHeaders(null, { url: URL, headers: { 'x-token': '***' }, secretHeaders: ['X-Token'] }),
    ).toThrow(DomainError);
    const literal = { url: URL, headers: { 'x-stars': '***' } };
    expect(mergeSecretHeaders(null, literal)).toEqual(literal);
  });

  it('refuses null, which only removes a header in an update', () => {
    expect(refusal(() => mergeSecretHeaders(null, { url: URL, headers: { 'x-a': null } }))).toMatch(
      /^payload\.headers\.x-a: null removes a header in an update/,
    );
  });

  it.each([
    ['a string', 'x-token'],
    ['an array with a number', [5]],
    ['an array with an invalid name', ['bad name']],
    ['an array with an empty name', ['']],
    ['an array of 101 names', Array.from({ length: 101 }, (_, index) => `x-${index}`)],
  ])('refuses secretHeaders as %s', (_label, secretHeaders) => {
    expect(refusal(() => mergeSecretHeaders(null, { url: URL, secretHeaders }))).toMatch(
      /^payload\.secretHeaders: must be an array of at most 100 header names/,
    );
  });

  it('refuses a header given twice in different cases', () => {
    expect(
      refusal(() =>
        mergeSecretHeaders(null, { url: URL, headers: { Authorization: 'a', authorization: 'b' } }),
      ),
    ).toBe('payload.headers: authorization is given twice (header names are case-insensitive)');
  });

  it('leaves headers that are not an object to the handler', () => {
    expect(mergeSecretHeaders(null, { url: URL, headers: 'junk' })).toEqual({ url: URL, headers: 'junk' });
  });
});

describe('mergeSecretHeaders on update', () => {
  it('keeps secret headers left out, drops other headers left out', () => {
    expect(
      mergeSecretHeaders(stored, { url: URL, headers: { 'x-new': 'n' }, secretHeaders: ['x-signing-key'] }),
    ).toEqual({
      url: URL,
      headers: { 'x-new': 'n', Authorization: 'Bearer stored', 'X-Signing-Key': 'sig-stored' },
      secretHeaders: ['x-signing-key'],
    });
  });

  it('keeps secret headers when headers are left out altogether', () => {
    expect(mergeSecretHeaders(stored, { url: URL, method: 'PUT' })).toEqual({
      url: URL,
      method: 'PUT',
      headers: { Authorization: 'Bearer stored', 'X-Signing-Key': 'sig-stored' },
      secretHeaders: ['X-Signing-Key'],
    });
  });

  it('keeps the stored value for "***", in any case, under the new spelling', () => {
    expect(
      mergeSecretHeaders(stored, {
        url: URL,
        headers: { authorization: '***', 'x-signing-key': '***', 'x-plain': 'p-new' },
        secretHeaders: ['X-SIGNING-KEY'],
      }),
    ).toEqual({
      url: URL,
      headers: { authorization: 'Bearer stored', 'x-signing-key': 'sig-stored', 'x-plain': 'p-new' },
      secretHeaders: ['X-SIGNING-KEY'],
    });
  });

  it('a secret kept while the new payload no longer lists it stays secret', () => {
    const merged = mergeSecretHeaders(stored, { url: URL, headers: { 'X-Signing-Key': '***' } });
    expect(merged).toEqual({
      url: URL,
      headers: { 'X-Signing-Key': 'sig-stored', Authorization: 'Bearer stored' },
      secretHeaders: ['X-Signing-Key'],
    });
  });

  it('removes a header sent as null, secret or not', () => {
    expect(
      mergeSecretHeaders(stored, {
        url: URL,
        headers: { Authorization: null, 'X-Signing-Key': null, 'x-plain': null, 'x-never-stored': null },
      }),
    ).toEqual({ url: URL, headers: {} });
  });

  it('sets a new value for a secret header as given', () => {
    expect(
      mergeSecretHeaders(stored, {
        url: URL,
        headers: { Authorization: 'Bearer rotated', 'X-Signing-Key': 'sig-new' },
      }),
    ).toEqual({ url: URL, headers: { Authorization: 'Bearer rotated', 'X-Signing-Key': 'sig-new' } });
  });

  it('keeps a stored plain value under "***" once the new payload makes the header secret', () => {
    expect(
      mergeSecretHeaders(stored, { url: URL, headers: { 'x-plain': '***' }, secretHeaders: ['x-plain'] }),
    ).toEqual({
      url: URL,
      headers: { 'x-plain': 'p-stored', Authorization: 'Bearer stored', 'X-Signing-Key': 'sig-stored' },
      secretHeaders: ['x-plain', 'X-Signing-Key'],
    });
  });

  it('refuses "***" for a secret header that has no stored value', () => {
    expect(() => mergeSecretHeaders(stored, { url: URL, headers: { Cookie: '***' } })).toThrow(
      'payload.headers.Cookie: "***" keeps the stored secret value, and there is none; give the value',
    );
  });
});
