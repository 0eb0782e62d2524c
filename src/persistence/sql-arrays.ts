/**
 * An array parameter written as PostgreSQL's array literal (`{a,b,NULL}`), for values that never
 * need quoting there: uuids, numbers (epoch milliseconds, versions, durations) and fixed words
 * (run statuses). pg would instead quote and escape every element of an array parameter, and
 * for arrays of thousands of elements that holds the service's one thread long enough to make a
 * group start late. Free text (errors, results) must not go through here: pg's escaping is for that.
 */
export function plainArray<T>(items: readonly T[], value: (item: T) => string | number | null): string {
  return `{${items.map((item) => value(item) ?? 'NULL').join(',')}}`;
}
