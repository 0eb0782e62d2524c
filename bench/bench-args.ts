import type { DatabaseKind } from '../test/support/test-database';

/** `--name value` from the command line, or the fallback. */
export function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

/** The p-th percentile of values sorted ascending. */
export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** `--db pglite|postgres`; PostgreSQL (DATABASE_URL's server) when that is set. */
export const databaseOption = (): DatabaseKind =>
  option('db', process.env.DATABASE_URL ? 'postgres' : 'pglite') as DatabaseKind;

/**
 * Node.js options for the service: `SERVICE_CPU_PROF=<dir>` makes it write a CPU profile there;
 * `SERVICE_NODE_ARGS` adds others (e.g. `--max-semi-space-size=32`), to try a runtime setting.
 */
export function serviceNodeArgs(): string[] {
  const directory = process.env.SERVICE_CPU_PROF;
  const extra = process.env.SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return [...extra, ...(directory ? ['--cpu-prof', `--cpu-prof-dir=${directory}`] : [])];
}

/** Runs a benchmark program: its result as one JSON line, or its error and exit code 1. */
export function runBenchmark(measure: () => Promise<unknown>): void {
  measure().then(
    (result) => {
      if (result !== undefined) process.stdout.write(`${JSON.stringify(result)}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
