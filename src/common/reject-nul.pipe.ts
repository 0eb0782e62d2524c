import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { DomainError, ErrorCode } from './domain-error';

/** Where in `value` a string (or key) holds U+0000, as a path like `payload.items[2].name`; null if nowhere. */
export function findNul(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'value' : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findNul(item, `${path}[${index}]`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return at;
      const found = findNul(item, at);
      if (found) return found;
    }
  }
  return null;
}

/**
 * PostgreSQL stores no U+0000 in text or jsonb; refuse it up front with a 400 that names the
 * field, instead of letting the database fail the request with a 500.
 */
@Injectable()
export class RejectNulPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const found = findNul(value);
    if (found) {
      const where = metadata.type === 'body' ? found : `${metadata.data ?? metadata.type} ${found}`.trim();
      throw new DomainError(ErrorCode.InvalidInput, `${where}: must not contain the NUL character (\\u0000)`);
    }
    return value;
  }
}
