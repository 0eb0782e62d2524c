import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Checks a presented API key in constant time. Both sides are hashed first so that the
 * comparison takes the same time whatever the presented key's length.
 */
export class ApiKeyVerifier {
  private readonly expected: Buffer | null;

  constructor(apiKey: string | undefined) {
    this.expected = apiKey ? createHash('sha256').update(apiKey).digest() : null;
  }

  get enabled(): boolean {
    return this.expected !== null;
  }

  accepts(presented: string | undefined): boolean {
    if (!this.expected) return true;
    if (typeof presented !== 'string') return false;
    return timingSafeEqual(createHash('sha256').update(presented).digest(), this.expected);
  }
}
