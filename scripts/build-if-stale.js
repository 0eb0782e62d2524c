#!/usr/bin/env node
// Builds only when dist/main.js or the dashboard's page is missing or older than what they are
// built from, so starting a current build costs no compile. `npm start` preloads it (`node -r`) in the service's own
// process, which saves starting a second Node; `node scripts/build-if-stale.js` runs it alone.
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
  const dashboard = ['dashboard', join('scripts', 'build-dashboard.mjs')]
    .filter((name) => existsSync(join(root, name)))
    .map((name) => newest(join(root, name)));
  return Math.max(newest(join(root, 'src')), ...dashboard, ...configs.map((name) => newest(join(root, name))));
}

// The dashboard (dashboard/) is built after the service by `npm run build`: its page is the
// build's last file, and a build without it is incomplete.
const page = join(root, 'dist', 'dashboard', 'index.html');
const outputs = existsSync(join(root, 'dashboard')) ? [built, page] : [built];
const stale = () => Math.min(...outputs.map((path) => statSync(path).mtimeMs)) < sourcesTime();
if (!outputs.every((path) => existsSync(path)) || stale()) {
  // Standard error: standard output is the service's JSON log.
  console.error(existsSync(built) ? 'dist is older than the sources: building' : 'no build yet: building');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build'], {
    cwd: root,
    stdio: ['inherit', 2, 'inherit'],
    shell: process.platform === 'win32',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
