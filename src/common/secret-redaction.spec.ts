import { redactSecrets, secretValuesOf } from './secret-redaction';

const payload = {
  url: 'http://127.0.0.1:9/hook',
  headers: { Authorization: 'Bearer tok-123456', 'X-Key': 'key-abcdef', 'x-plain': 'visible' },
  secretHeaders: ['x-key'],
};

describe('secretValuesOf', () => {
  it('lists secret header values, their credentials without the scheme, longest first', () => {
    expect(secretValuesOf(payload)).toEqual(['Bearer tok-123456', 'tok-123456', 'key-abcdef']);
  });

  it('lists URL user information, raw and decoded', () => {
    expect(secretValuesOf({ url: 'http://us%40er:p%3Ass@127.0.0.1/' })).toEqual([
      'us%40er',
      'p%3Ass',
      'us@er',
      'p:ss',
    ]);
  });

  it('has nothing for a payload without secrets', () => {
    expect(secretValuesOf(null)).toEqual([]);
    expect(secretValuesOf({ url: 'http://127.0.0.1/', headers: { 'x-a': 'b', Cookie: '***' } })).toEqual([]);
  });
});

describe('redactSecrets', () => {
  it('replaces secrets in an error text', () => {
    expect(redactSecrets(payload, 'POST http://127.0.0.1:9/hook answered 401: bad token tok-123456')).toBe(
      'POST http://127.0.0.1:9/hook answered 401: bad token ***',
    );
    expect(
      redactSecrets({ url: 'http://u:pw-secret@127.0.0.1/' }, 'GET http://u:pw-secret@127.0.0.1/ failed'),
    ).toBe('GET http://***:***@127.0.0.1/ failed');
  });

  it('masks the beginning of a secret where a text was cut inside it', () => {
    expect(redactSecrets(payload, 'answered 401: {"authorization":"Bearer tok-12')).toBe(
      'answered 401: {"authorization":"***',
    );
    expect(redactSecrets(payload, 'preview ends with tok-12')).toBe('preview ends with ***');
    expect(redactSecrets(payload, 'ends with tok-1')).toBe('ends with tok-1');
    expect(redactSecrets(payload, 'key-abcdef and key-abc')).toBe('*** and ***');
  });

  it('replaces secrets in strings and keys of a result at any depth, without touching other values', () => {
    const echoed = {
      status: 200,
      body: {
        headers: { authorization: 'Bearer tok-123456', 'x-key': 'key-abcdef' },
        list: ['a', 'key-abcdef!'],
      },
      ['key-abcdef']: true,
    };
    expect(redactSecrets(payload, echoed)).toEqual({
      status: 200,
      body: { headers: { authorization: '***', 'x-key': '***' }, list: ['a', '***!'] },
      ['***']: true,
    });
    expect(echoed.body.headers.authorization).toBe('Bearer tok-123456');
    expect(redactSecrets(payload, null)).toBeNull();
    expect(redactSecrets(payload, 42)).toBe(42);
  });

  it('walks JSON nested deeper than the call stack allows', () => {
    let deep: unknown = 'key-abcdef';
    for (let level = 0; level < 100_000; level++) deep = [deep];
    let inner = redactSecrets(payload, deep);
    for (let level = 0; level < 100_000; level++) inner = (inner as unknown[])[0];
    expect(inner).toBe('***');
  });

  it('keeps a key named __proto__ a plain key', () => {
    const result = redactSecrets(payload, JSON.parse('{"__proto__": {"x": "key-abcdef"}}') as object);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(JSON.stringify(result)).toBe('{"__proto__":{"x":"***"}}');
  });

  it('returns the value itself when the payload has no secrets', () => {
    const result = { a: 'Bearer tok-123456' };
    expect(redactSecrets({ headers: { 'x-a': 'b' } }, result)).toBe(result);
  });
});
