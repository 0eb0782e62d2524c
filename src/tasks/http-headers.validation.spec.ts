import { httpHeadersProblem } from './http-headers.validation';

const URL = 'http://127.0.0.1:9/hook';

describe('httpHeadersProblem', () => {
  it('takes valid headers, secretHeaders and a URL without credentials', () => {
    expect(
      httpHeadersProblem({
        url: URL,
        headers: { Authorization: 'Bearer abc', 'X-Tab': 'a\tb', 'x-latin': 'caf\u00e9' },
        secretHeaders: ['X-Tab'],
      }),
    ).toBeNull();
    expect(httpHeadersProblem({ url: URL })).toBeNull();
  });

  it.each([
    [{ headers: [] }, 'payload.headers: must be an object of string values'],
    [{ headers: { a: null } }, 'payload.headers: must be an object of string values'],
    [{ headers: { a: 1 } }, 'payload.headers: must be an object of string values'],
    [{ headers: { 'bad name': 'v' } }, 'payload.headers: "bad name" is not a header name'],
    [{ headers: { '': 'v' } }, 'payload.headers: "" is not a header name'],
    [{ headers: { a: 'x', A: 'y' } }, 'payload.headers: A is given twice'],
    [
      { headers: { Authorization: 'Bearer SEKRIT\r\n' } },
      'payload.headers.Authorization: the value may hold only',
    ],
    [
      { headers: { Authorization: 'Bearer SEKRIT\u20ac' } },
      'payload.headers.Authorization: the value may hold only',
    ],
    [{ secretHeaders: 'x' }, 'payload.secretHeaders: must be an array'],
    [{ secretHeaders: ['a:b'] }, 'payload.secretHeaders: must be an array'],
  ])('refuses %j', (fields, message) => {
    const problem = httpHeadersProblem({ url: URL, ...fields });
    expect(problem).toContain(message);
    expect(problem).not.toContain('SEKRIT');
  });

  it.each(['http://user:pw@127.0.0.1/', 'http://token@127.0.0.1/', 'https://:pw@127.0.0.1/'])(
    'refuses credentials in the URL %s, without quoting them',
    (url) => {
      const problem = httpHeadersProblem({ url });
      expect(problem).toMatch(/^payload\.url: must not hold credentials/);
      expect(problem).not.toMatch(/pw|token/);
    },
  );
});
