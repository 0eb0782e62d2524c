import { maskSecretHeaders, maskUrlCredentials, secretHeaderNames } from './secret-headers';

describe('maskSecretHeaders', () => {
  it.each(['Authorization', 'authorization', 'PROXY-AUTHORIZATION', 'Cookie', 'x-api-key', 'X-Api-Key'])(
    'shows the built-in secret header %s as ***',
    (name) => {
      const payload = {
        url: 'http://127.0.0.1/',
        headers: { [name]: 'Bearer s3cret', 'x-trace': 'visible' },
      };
      expect(maskSecretHeaders(payload)).toEqual({
        url: 'http://127.0.0.1/',
        headers: { [name]: '***', 'x-trace': 'visible' },
      });
    },
  );

  it('masks the headers listed in secretHeaders, whatever their case', () => {
    const payload = {
      url: 'http://127.0.0.1/',
      headers: { 'X-Signing-Key': 'k1', 'x-other': 'o' },
      secretHeaders: ['x-signing-KEY'],
    };
    expect(maskSecretHeaders(payload)).toEqual({
      ...payload,
      headers: { 'X-Signing-Key': '***', 'x-other': 'o' },
    });
  });

  it('never changes the stored payload, and returns it as is when nothing is secret', () => {
    const payload = { url: 'http://127.0.0.1/', headers: { Authorization: 'Bearer s3cret' } };
    const masked = maskSecretHeaders(payload);
    expect(payload.headers.Authorization).toBe('Bearer s3cret');
    expect(masked).not.toBe(payload);
    const plain = { url: 'http://127.0.0.1/', headers: { 'x-a': 'b' } };
    expect(maskSecretHeaders(plain)).toBe(plain);
    expect(maskSecretHeaders(null)).toBeNull();
    expect(maskSecretHeaders({ headers: 'not an object' })).toEqual({ headers: 'not an object' });
  });

  it('masks user information in the URL', () => {
    expect(maskSecretHeaders({ url: 'https://user:pa55@example.com/hook' })).toEqual({
      url: 'https://***@example.com/hook',
    });
    expect(maskUrlCredentials('http://token@127.0.0.1:8080/a@b?c=d@e')).toBe(
      'http://***@127.0.0.1:8080/a@b?c=d@e',
    );
    expect(maskUrlCredentials('http://127.0.0.1/a@b')).toBe('http://127.0.0.1/a@b');
  });
});

describe('secretHeaderNames', () => {
  it('holds the four built-in names and the listed ones, lower-cased; ignores non-strings', () => {
    expect([...secretHeaderNames({ secretHeaders: ['X-Token', 5, null] })].sort()).toEqual([
      'authorization',
      'cookie',
      'proxy-authorization',
      'x-api-key',
      'x-token',
    ]);
  });
});
