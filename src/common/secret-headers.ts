/**
 * Write-only headers of a task's payload (`payload.headers`): the handler receives their values,
 * but whatever leaves the service (REST answers, what `TaskSchedulerService` returns, events,
 * logs, errors) shows them as `"***"`. The rules hold for every handler's payload, not only
 * `http`'s: a task whose handler is changed keeps its payload, and must keep its secrets hidden.
 */

/** Secret whatever the payload says (compared case-insensitively, like all header names). */
export const BUILT_IN_SECRET_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
];

/** What a secret value is shown as; in an update it means "keep the stored value". */
export const SECRET_MASK = '***';

/** An HTTP header name (RFC 9110 token), at most 200 characters. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,200}$/;

/** A URL's `user:password@` part (everything between `//` and the last `@` before the path). */
const URL_USERINFO = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/;

type Payload = Record<string, unknown> | null | undefined;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** `payload.headers` when it is an object of headers; null otherwise. */
export function headersOf(payload: Payload): Record<string, unknown> | null {
  return payload && isPlainObject(payload.headers) ? payload.headers : null;
}

/** The secret header names of a payload, lower-cased: the built-in ones and `payload.secretHeaders`. */
export function secretHeaderNames(payload: Payload): Set<string> {
  const names = new Set(BUILT_IN_SECRET_HEADERS);
  const listed = payload?.secretHeaders;
  if (Array.isArray(listed)) {
    for (const name of listed) if (typeof name === 'string') names.add(name.toLowerCase());
  }
  return names;
}

/** The URL with its user information shown as `***` (`https://***@host/`). */
export function maskUrlCredentials(url: string): string {
  return url.replace(URL_USERINFO, `$1${SECRET_MASK}@`);
}

/**
 * The payload as it may be shown: secret header values as `"***"`, and credentials in
 * `payload.url` masked. Returns the payload itself when there is nothing to hide, else a copy
 * (the stored row is never changed).
 */
export function maskSecretHeaders<T extends Payload>(payload: T): T {
  if (!payload) return payload;
  let masked: Record<string, unknown> | null = null;
  const headers = headersOf(payload);
  if (headers) {
    const secret = secretHeaderNames(payload);
    const entries = Object.entries(headers);
    if (entries.some(([name, value]) => secret.has(name.toLowerCase()) && value != null)) {
      masked = {
        ...payload,
        headers: Object.fromEntries(
          entries.map(([name, value]) => [
            name,
            secret.has(name.toLowerCase()) && value != null ? SECRET_MASK : value,
          ]),
        ),
      };
    }
  }
  const url = payload.url;
  if (typeof url === 'string' && URL_USERINFO.test(url)) {
    masked = { ...(masked ?? payload), url: maskUrlCredentials(url) };
  }
  return (masked ?? payload) as T;
}

/** A header name as an error message quotes it: as is when valid, else JSON-quoted and cut. */
export function describeHeaderName(name: string): string {
  return HEADER_NAME.test(name) ? name : JSON.stringify(name.slice(0, 100));
}
