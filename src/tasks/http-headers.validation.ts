import { describeHeaderName, HEADER_NAME, isPlainObject } from '../common/secret-headers';
import { secretHeadersProblem } from './secret-header-update';

/**
 * Header values fetch can send: visible ASCII or Latin-1, spaces and tabs. Anything else fetch
 * refuses at run time with an error that quotes the value, which could be a secret: it is
 * refused when the task is saved instead, with a message that names the header only.
 */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * What is wrong with the `headers`, `secretHeaders` and URL credentials of an `http` payload as
 * it is stored (updates already merged: no `null` or `"***"` left to resolve), or null. No
 * message quotes a header value or the URL.
 */
export function httpHeadersProblem(payload: Record<string, unknown>): string | null {
  const { headers, url } = payload;
  if (headers !== undefined) {
    if (!isPlainObject(headers) || Object.values(headers).some((value) => typeof value !== 'string')) {
      return 'payload.headers: must be an object of string values';
    }
    const seen = new Set<string>();
    for (const [name, value] of Object.entries(headers as Record<string, string>)) {
      if (!HEADER_NAME.test(name)) {
        return `payload.headers: ${describeHeaderName(name)} is not a header name (letters, digits and !#$%&'*+.^_\`|~-)`;
      }
      if (seen.has(name.toLowerCase())) {
        return `payload.headers: ${name} is given twice (header names are case-insensitive)`;
      }
      seen.add(name.toLowerCase());
      if (!HEADER_VALUE.test(value)) {
        return `payload.headers.${name}: the value may hold only visible ASCII or Latin-1 characters, spaces and tabs`;
      }
    }
  }
  const listProblem = secretHeadersProblem(payload);
  if (listProblem) return listProblem;
  if (typeof url === 'string' && URL.canParse(url)) {
    const { username, password } = new URL(url);
    // fetch refuses such URLs, and they would be shown wherever the URL is.
    if (username || password) {
      return 'payload.url: must not hold credentials (user:password@); send them in an Authorization header, which is kept secret';
    }
  }
  return null;
}
