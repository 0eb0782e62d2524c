/**
 * An array parameter written as PostgreSQL's array literal (`{a,b,NULL}`), for values that never
 * need quoting there: uuids, numbers (epoch milliseconds, versions, durations) and fixed words
 * (run statuses). pg would instead quote and escape every element of an array parameter; at
 * 10,000 fires a second the claim's and the final statuses' arrays (5,000–10,000 elements each)
 * then held the service's one thread for 25–100 ms per statement, long enough to make a group
 * start late. Free text (errors, results) must not go through here: pg's escaping is for that.
 */
export function plainArray<T>(items: readonly T[], value: (item: T) => string | number | null): string {
  return `{${items.map((item) => value(item) ?? 'NULL').join(',')}}`;
}
