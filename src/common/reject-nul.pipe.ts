import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { DomainError, ErrorCode } from './domain-error';

/**
 * Where in `value` a string (or key) holds U+0000, as a path like `payload.items[2].name`; null if
 * nowhere. Iterative, so a deeply nested body cannot overflow the stack.
 */
export function findNul(value: unknown): string | null {
  const pending: Array<[unknown, string]> = [[value, '']];
  while (pending.length > 0) {
    const [current, path] = pending.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return path || 'value';
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => pending.push([item, `${path}[${index}]`]));
    } else if (current && typeof current === 'object' && isPlain(current)) {
      for (const [key, item] of Object.entries(current)) {
        const at = path ? `${path}.${key}` : key;
        if (key.includes('\u0000')) return at;
        pending.push([item, at]);
      }
    }
  }
  return null;
}

/** Only parsed JSON is searched: never a socket, a stream or anything else a handler is given. */
function isPlain(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * PostgreSQL stores no U+0000 in text or jsonb; refuse it up front with a 400 that names the
 * field, instead of letting the database fail the request with a 500.
 */
@Injectable()
export class RejectNulPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (!['body', 'query', 'param'].includes(metadata.type)) return value;
    const found = findNul(value);
    if (found) {
      const where = metadata.type === 'body' ? found : `${metadata.data ?? metadata.type} ${found}`.trim();
      throw new DomainError(ErrorCode.InvalidInput, `${where}: must not contain the NUL character (\\u0000)`);
    }
    return value;
  }
}
