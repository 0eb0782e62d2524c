import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Run by a Node process of its own: opens (so creates) the database in argv[2], then closes it.
 * initdb runs once, so its WebAssembly is left to the baseline compiler: optimizing it costs more
 * CPU than it saves (an unknown flag is ignored here, where on the command line it would not be).
 */
const CREATE = [
  `require('node:v8').setFlagsFromString('--liftoff-only');`,
  `require(process.argv[1]).PGlite.create(process.argv[2]).then((db) => db.close());`,
].join(' ');

/**
 * Creates the embedded database (PGlite's initdb) in a short-lived process of its own when the
 * folder holds none yet. Creating it in this process would leave initdb's WASM instances, several
 * hundred MB, reachable for as long as the database stays open; a process's end frees them all.
 */
export async function createEmbeddedDatabase(pgdata: string): Promise<void> {
  if (existsSync(join(pgdata, 'PG_VERSION'))) return;
  // Resolved from this package (compiled), or from the working directory (tests run the sources).
  const base = typeof __filename === 'string' ? __filename : join(process.cwd(), 'package.json');
  const pglite = createRequire(base).resolve('@electric-sql/pglite');
  const child = spawn(process.execPath, ['-e', CREATE, pglite, pgdata], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    // 'close' comes after stderr's last chunk; 'exit' may come before it.
    child.once('close', resolve);
  });
  if (code !== 0)
    throw new Error(`Creating the embedded database failed (exit code ${code}): ${errors.trim()}`);
}
