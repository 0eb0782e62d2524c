#!/usr/bin/env node
// `npm start`'s pre-step: builds only when dist/main.js is missing or older than what it is built
// from, so starting a current build costs no compile.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const built = join(root, 'dist', 'main.js');

/** The newest modification time under `path`; folders count too, so a deleted file is a change. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    // Specs and test helpers are not built (tsconfig.build.json).
    if (entry.endsWith('.spec.ts') || entry.endsWith('.test-helper.ts')) continue;
    latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

function sourcesTime() {
  const configs = readdirSync(root).filter(
    (name) => /^tsconfig.*\.json$/.test(name) || name === 'package.json' || name === 'nest-cli.json',
  );
  return Math.max(newest(join(root, 'src')), ...configs.map((name) => newest(join(root, name))));
}

if (existsSync(built) && statSync(built).mtimeMs >= sourcesTime()) process.exit(0);
console.log(existsSync(built) ? 'dist is older than the sources: building' : 'no build yet: building');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const build = spawnSync(npm, ['run', 'build'], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
process.exit(build.status ?? 1);
