import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { DomainError, ErrorCode } from '../domain/domain-error';

/** Deeper than this, a request body is refused (validation and storage recurse through it). */
export const MAX_JSON_DEPTH = 64;

/**
 * Keys that are `Object.prototype` members: class-validator's whitelist sees them as known
 * properties of every DTO, so they must be refused here to keep "unknown fields refused" true.
 */
const PROTOTYPE_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__']);

/** What is wrong with a parsed JSON value, or null. Iterative, so depth cannot overflow the stack. */
export function findJsonProblem(value: unknown): string | null {
  const pending: Array<[unknown, string, number]> = [[value, '', 0]];
  while (pending.length > 0) {
    const [current, path, depth] = pending.pop()!;
    const where = path || 'value';
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return `${where}: must not contain the NUL character (\\u0000)`;
      if (!current.isWellFormed()) return `${where}: must be valid Unicode text (it holds a lone surrogate)`;
      continue;
    }
    if (!current || typeof current !== 'object' || !isJsonContainer(current)) continue;
    if (depth >= MAX_JSON_DEPTH) return `request nests deeper than ${MAX_JSON_DEPTH} levels`;
    if (Array.isArray(current)) {
      current.forEach((item, index) => pending.push([item, `${path}[${index}]`, depth + 1]));
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      const at = path ? `${path}.${key}` : key;
      if (depth === 0 && PROTOTYPE_KEYS.has(key)) return `property ${key} should not exist`;
      if (key.includes('\u0000') || !key.isWellFormed()) return `${at}: a key must be valid text without NUL`;
      pending.push([item, at, depth + 1]);
    }
  }
  return null;
}

/** Only parsed JSON is searched: never a socket, a stream or anything else a handler is given. */
function isJsonContainer(value: object): boolean {
  if (Array.isArray(value)) return true;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Refuses, with a 400 that names the field, JSON that would otherwise fail deeper down with a
 * 500: U+0000 and lone surrogates (PostgreSQL stores neither in text or jsonb), nesting that
 * would exhaust the validator's recursion, and keys named like `Object.prototype` members.
 */
@Injectable()
export class JsonInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (!['body', 'query', 'param'].includes(metadata.type)) return value;
    const problem = findJsonProblem(value);
    if (problem) {
      const prefix = metadata.type === 'param' && metadata.data ? `${metadata.data} ` : '';
      throw new DomainError(ErrorCode.InvalidInput, `${prefix}${problem}`);
    }
    return value;
  }
}
