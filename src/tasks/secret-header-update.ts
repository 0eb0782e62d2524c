import { DomainError, ErrorCode } from '../domain/domain-error';
import {
  describeHeaderName,
  HEADER_NAME,
  headersOf,
  isPlainObject,
  SECRET_MASK,
  secretHeaderNames,
} from '../common/secret-headers';

type Payload = Record<string, unknown>;

const MAX_SECRET_HEADERS = 100;

/** What is wrong with `payload.secretHeaders` (absent, or an array of header names), or null. */
export function secretHeadersProblem(payload: Payload | null): string | null {
  const listed = payload?.secretHeaders;
  if (listed === undefined) return null;
  if (
    !Array.isArray(listed) ||
    listed.length > MAX_SECRET_HEADERS ||
    listed.some((name) => typeof name !== 'string' || !HEADER_NAME.test(name))
  ) {
    return `payload.secretHeaders: must be an array of at most ${MAX_SECRET_HEADERS} header names (letters, digits and !#$%&'*+.^_\`|~-)`;
  }
  return null;
}

const invalid = (message: string) => new DomainError(ErrorCode.InvalidInput, message);

/**
 * The payload to store when `next` is given for a task whose stored payload is `stored` (null:
 * the task is being created). In `next.headers`, for a header that is secret (built in, or
 * listed in the stored or the new `secretHeaders`):
 * - left out: the stored value is kept;
 * - `"***"`: the stored value is kept (a 400 when there is none, as always on creation);
 * - `null`: the header is removed (any header; `null` is refused on creation).
 * Every other header is set as given. A secret header kept this way stays secret: its name is
 * added to `secretHeaders` when the new payload does not make it secret itself. Throws a
 * `DomainError` (400) and changes nothing when the payload cannot be taken.
 */
export function mergeSecretHeaders(stored: Payload | null, next: Payload): Payload {
  const problem = secretHeadersProblem(next);
  if (problem) throw invalid(problem);
  if (next.headers !== undefined && !isPlainObject(next.headers)) return next; // the handler says what is wrong
  const given = headersOf(next) ?? {};
  const storedHeaders = Object.entries(headersOf(stored) ?? {});
  const storedSecret = secretHeaderNames(stored);
  const nextSecret = secretHeaderNames(next);
  const merged: Record<string, unknown> = {};
  const seen = new Set<string>();
  const keptSecret: string[] = [];
  const keep = (name: string, value: unknown) => {
    merged[name] = value;
    if (!nextSecret.has(name.toLowerCase())) keptSecret.push(name);
  };
  for (const [name, value] of Object.entries(given)) {
    const lower = name.toLowerCase();
    const label = describeHeaderName(name);
    if (seen.has(lower))
      throw invalid(`payload.headers: ${label} is given twice (header names are case-insensitive)`);
    seen.add(lower);
    if (value === null) {
      if (stored === null)
        throw invalid(
          `payload.headers.${label}: null removes a header in an update; leave it out when creating a task`,
        );
      continue;
    }
    if (value === SECRET_MASK && (nextSecret.has(lower) || storedSecret.has(lower))) {
      const kept = storedHeaders.find(([storedName]) => storedName.toLowerCase() === lower);
      if (!kept || typeof kept[1] !== 'string') {
        throw invalid(
          `payload.headers.${label}: "${SECRET_MASK}" keeps the stored secret value, and there is none; give the value`,
        );
      }
      keep(name, kept[1]);
      continue;
    }
    merged[name] = value;
  }
  for (const [name, value] of storedHeaders) {
    const lower = name.toLowerCase();
    if (storedSecret.has(lower) && !seen.has(lower) && value != null) keep(name, value);
  }
  const result: Payload = { ...next };
  if (next.headers !== undefined || Object.keys(merged).length > 0) result.headers = merged;
  if (keptSecret.length > 0) {
    const listed = Array.isArray(next.secretHeaders) ? (next.secretHeaders as string[]) : [];
    result.secretHeaders = [...listed, ...keptSecret];
  }
  return result;
}
