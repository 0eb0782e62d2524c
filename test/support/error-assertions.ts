import type request from 'supertest';

/** A stack frame (`    at fn (file.ts:1:2)`) or SQL in a response body would leak internals. */
export const LEAKS = [
  /\bat \S+ \(.+:\d+:\d+\)/,
  /\bat (file:\/\/|\/|node:).+:\d+:\d+/,
  /\n\s+at /,
  /\.(ts|js):\d+:\d+/,
  /\b(SELECT|INSERT INTO|UPDATE \S+ SET|DELETE FROM)\b/,
  /QueryFailed/i,
];

export function expectNoLeak(text: string): void {
  for (const leak of LEAKS) expect(text).not.toMatch(leak);
}

/** Asserts the error shape `{statusCode, error, message}` and that the message says what is wrong. */
export function expectError(
  response: request.Response,
  statusCode: number,
  error: string,
  message: string | RegExp,
): void {
  expect(response.status).toBe(statusCode);
  expect(response.headers['content-type']).toMatch(/application\/json/);
  expect(response.body).toEqual({
    statusCode,
    error,
    message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message),
  });
  expectNoLeak(response.text);
}
