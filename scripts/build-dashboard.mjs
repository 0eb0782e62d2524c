#!/usr/bin/env node
// Builds the dashboard (dashboard/, Preact) into dist/dashboard/: index.html, app.js and app.css,
// bundled with esbuild, with no external resource, so the page works without internet.
// `npm run build` runs it after `nest build` (which empties dist/).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'dashboard');
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: { app: join(root, 'dashboard', 'src', 'main.tsx') },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: false,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: join(root, 'dashboard', 'tsconfig.json'),
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
copyFileSync(join(root, 'dashboard', 'index.html'), join(out, 'index.html'));

// A server library in the page would mean the client entry pulled the service in.
const server = Object.keys(result.metafile.inputs).filter((input) =>
  /node_modules[\\/](@nestjs|typeorm|pg|class-validator)[\\/]/.test(input),
);
if (server.length > 0) {
  console.error(`the dashboard bundle holds server code: ${server.slice(0, 5).join(', ')}`);
  process.exit(1);
}
const size = (name) => `${name} ${Math.round(statSync(join(out, name)).size / 1024)} KiB`;
console.error(`dashboard: ${['app.js', 'app.css', 'index.html'].map(size).join(', ')}`);
