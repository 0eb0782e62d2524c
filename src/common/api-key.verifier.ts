import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * The key a request presents: the `X-API-Key` header, or else `Authorization: Bearer <key>`
 * (what MCP clients and most HTTP tools send). Any other `Authorization` scheme presents none.
 */
export function presentedApiKey(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string') return header;
  return BEARER.exec(headers.authorization ?? '')?.[1];
}

/**
 * Checks a presented API key against the configured ones (several, so a key can be rotated
 * without downtime) in constant time. Both sides are hashed first so that the comparison takes
 * the same time whatever the presented key's length, and every key is compared, so the time
 * does not say which one matched either.
 */
export class ApiKeyVerifier {
  private readonly expected: Buffer[];

  constructor(apiKey: string | readonly string[] | undefined) {
    const keys = typeof apiKey === 'string' ? [apiKey] : (apiKey ?? []);
    this.expected = keys.filter((key) => key.length > 0).map(sha256);
  }

  get enabled(): boolean {
    return this.expected.length > 0;
  }

  /** Without keys configured, everything is accepted (the loopback rules apply instead). */
  accepts(presented: string | undefined): boolean {
    return !this.enabled || this.match(presented) !== null;
  }

  /**
   * The SHA-256 (hex) of `presented` when it is one of the keys, otherwise null: an id for the
   * key (the rate limit counts per key) that is not the key itself.
   */
  match(presented: string | undefined): string | null {
    if (typeof presented !== 'string') return null;
    const digest = sha256(presented);
    let matched = false;
    for (const expected of this.expected) matched = timingSafeEqual(digest, expected) || matched;
    return matched ? digest.toString('hex') : null;
  }
}
