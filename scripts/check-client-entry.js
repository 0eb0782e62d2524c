#!/usr/bin/env node
// Run by scripts/check-package.sh inside the installed host app (argv[2]): the client entry,
// `scout-scheduler/client`, must load and type-check without Nest, TypeORM or pg, so a browser
// bundle or an agent process gets only the client. Exits non-zero with the reason otherwise.
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const app = process.argv[2];
const esbuild = require(join(__dirname, '..', 'node_modules', 'esbuild'));
const SERVER =
  /(^|[\\/])node_modules[\\/](@nestjs[\\/]|typeorm[\\/]|pg[\\/]|pg-[^\\/]+[\\/]|socket\.io[\\/]|class-validator[\\/])/;
const failures = [];

// 1. require() in Node: nothing of the server among the loaded modules.
const entry = require.resolve('scout-scheduler/client', { paths: [app] });
const client = require(entry);
if (typeof client.ScoutClient !== 'function' || typeof client.ScoutApiError !== 'function')
  failures.push('scout-scheduler/client does not export ScoutClient and ScoutApiError');
const loaded = Object.keys(require.cache).filter((path) => SERVER.test(path));
if (loaded.length > 0)
  failures.push(`require('scout-scheduler/client') loaded ${loaded.slice(0, 5).join(', ')}`);

// 2. A browser bundle of it: esbuild's metafile lists every input.
let bytes = 0;
try {
  const bundle = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const inputs = Object.keys(bundle.metafile.inputs).filter((path) => SERVER.test(path));
  if (inputs.length > 0) failures.push(`the browser bundle holds ${inputs.slice(0, 5).join(', ')}`);
  bytes = bundle.outputFiles[0].contents.length;
} catch (error) {
  const first = (error.errors ?? []).slice(0, 3).map((e) => `${e.location?.file}: ${e.text}`);
  failures.push(`it does not bundle for a browser: ${first.join('; ') || error.message}`);
}

// 3. Its types: a strict compile of a small consumer reads no declaration of the server's libraries.
const dir = mkdtempSync(join(app, 'client-types-'));
try {
  writeFileSync(
    join(dir, 'consumer.ts'),
    [
      "import { ScoutClient, ScoutApiError, type TaskStartedEvent, type TaskView } from 'scout-scheduler/client';",
      "const client = new ScoutClient({ baseUrl: 'http://127.0.0.1:1', apiKey: 'k' });",
      'const tasks: Promise<TaskView[]> = client.listTasks().then((page) => page.items);',
      "client.connectEvents({ batch: true }).on('task_started', (event: TaskStartedEvent) => event.runId);",
      'export const checks = [tasks, ScoutApiError];',
      '',
    ].join('\n'),
  );
  const compilerOptions = {
    strict: true,
    noEmit: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    types: ['node'],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
  const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
  const files = execFileSync(process.execPath, [tsc, '-p', dir, '--listFiles'], {
    cwd: app,
    encoding: 'utf8',
  }).split('\n');
  const declarations = files.filter((path) => SERVER.test(path));
  if (declarations.length > 0) failures.push(`its types read ${declarations.slice(0, 5).join(', ')}`);
} catch (error) {
  failures.push(`a consumer of its types does not compile:\n${error.stdout ?? error.message}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (failures.length > 0) {
  for (const failure of failures) console.error(failure);
  process.exit(1);
}
console.log(
  `   scout-scheduler/client: loads, bundles (${Math.round(bytes / 1024)} KiB minified) and type-checks without the server`,
);
