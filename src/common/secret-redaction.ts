import { headersOf, isPlainObject, SECRET_MASK, secretHeaderNames } from './secret-headers';

type Payload = Record<string, unknown> | null | undefined;

const NO_SECRETS: readonly string[] = [];
const MIN_CUT = 6;

/**
 * The secret strings of a payload, longest first: each secret header's value, its credentials
 * without the scheme (`Bearer abc` → `abc`, which a receiver may echo alone), and the user
 * information of `payload.url` (raw and decoded).
 */
export function secretValuesOf(payload: Payload): readonly string[] {
  if (!payload) return NO_SECRETS;
  const headers = headersOf(payload);
  const url = payload.url;
  const urlHasUser = typeof url === 'string' && url.includes('@');
  // Most payloads (no headers, no user in the URL) end here, at no cost to a group of completions.
  if (!headers && !urlHasUser) return NO_SECRETS;
  const values = new Set<string>();
  if (headers) {
    const secret = secretHeaderNames(payload);
    for (const [name, value] of Object.entries(headers)) {
      if (!secret.has(name.toLowerCase()) || typeof value !== 'string') continue;
      const trimmed = value.trim();
      if (trimmed === '' || trimmed === SECRET_MASK) continue;
      values.add(trimmed);
      const credentials = /^\S+\s+(\S.*)$/.exec(trimmed)?.[1];
      if (credentials) values.add(credentials);
    }
  }
  if (urlHasUser && URL.canParse(url)) {
    const { username, password } = new URL(url);
    for (const part of [username, password]) {
      if (!part) continue;
      values.add(part);
      values.add(safeDecode(part));
    }
  }
  if (values.size === 0) return NO_SECRETS;
  return [...values].filter((value) => value !== '').sort((a, b) => b.length - a.length);
}

/**
 * `text` with every secret replaced by `***`, and a secret's beginning (6 characters or more)
 * that ends the text too: errors and results are cut to a length, and the cut may fall inside a
 * secret.
 */
export function redactText(text: string, secrets: readonly string[]): string {
  let redacted = text;
  for (const secret of secrets) {
    if (redacted.includes(secret)) redacted = redacted.split(secret).join(SECRET_MASK);
    const cut = cutSecretAt(redacted, secret);
    if (cut >= 0) redacted = redacted.slice(0, cut) + SECRET_MASK;
  }
  return redacted;
}

/**
 * Where the longest beginning of `secret` that ends `text` starts; -1: none. At least 6
 * characters: fewer would mask ordinary words that happen to begin a secret.
 */
function cutSecretAt(text: string, secret: string): number {
  if (secret.length <= MIN_CUT || text.length < MIN_CUT) return -1;
  const head = secret.slice(0, MIN_CUT);
  const earliest = Math.max(0, text.length - secret.length + 1);
  let found = -1;
  for (
    let at = text.lastIndexOf(head, text.length - MIN_CUT);
    at >= earliest;
    at = text.lastIndexOf(head, at - 1)
  ) {
    if (secret.startsWith(text.slice(at))) found = at;
    if (at === 0) break;
  }
  return found;
}

/**
 * A run's error or result (JSON) with every secret of the task's payload replaced by `***`, in
 * strings and keys at any depth: a webhook may echo what it received, and an error may quote the
 * URL. Returns the value itself when the payload has no secrets.
 */
export function redactSecrets<T>(payload: Payload, value: T): T {
  if (value === null || value === undefined) return value;
  const secrets = secretValuesOf(payload);
  if (secrets.length === 0) return value;
  return redactValue(value, secrets) as T;
}

/** Iterative: a webhook's JSON answer may nest thousands of levels deep. */
function redactValue(value: unknown, secrets: readonly string[]): unknown {
  const copy = (item: unknown): unknown => {
    if (typeof item === 'string') return redactText(item, secrets);
    if (Array.isArray(item)) return [];
    return isPlainObject(item) ? {} : item;
  };
  const root = copy(value);
  const pending: Array<[object, object]> = [];
  if (root !== null && typeof root === 'object') pending.push([value as object, root]);
  while (pending.length > 0) {
    const [source, target] = pending.pop()!;
    const isArray = Array.isArray(source);
    for (const [key, item] of Object.entries(source)) {
      const copied = copy(item);
      if (copied !== null && typeof copied === 'object') pending.push([item as object, copied]);
      // defineProperty: a key named `__proto__` stays a plain key.
      Object.defineProperty(target, isArray ? key : redactText(key, secrets), {
        value: copied,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return root;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
