import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The package's version, which MCP servers announce: from the first `package.json` above this
 * file (the scheduler's own, whether it runs from the repository or from a host's node_modules).
 */
export function scoutVersion(from: string = here()): string {
  for (let folder = from; dirname(folder) !== folder; folder = dirname(folder)) {
    const file = join(folder, 'package.json');
    if (!existsSync(file)) continue;
    const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : '0.0.0';
  }
  return '0.0.0';
}

/** This file's folder; under the tests' ES modules, which have no `__dirname`, the project root. */
function here(): string {
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}
