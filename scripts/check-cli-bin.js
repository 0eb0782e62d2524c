#!/usr/bin/env node
// Run by scripts/check-package.sh with the installed `scout-scheduler` bin (argv[2]): it must
// start from the packed install, print its usage, and serve the MCP tools over stdio without
// loading Nest, TypeORM or pg. Exits non-zero with the reason otherwise.
const { execFileSync, spawnSync } = require('node:child_process');
const { mkdtempSync, realpathSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const bin = realpathSync(process.argv[2]);
const failures = [];

// 1. --help, through the bin link as a shell would run it.
const help = execFileSync(process.argv[2], ['--help'], { encoding: 'utf8' });
if (!help.includes('scout-scheduler mcp --url')) failures.push(`--help printed ${JSON.stringify(help)}`);

// 2. mcp over stdio: initialize and list the tools; a preload reports server modules at exit.
const work = mkdtempSync(join(tmpdir(), 'scout-cli-'));
const preload = join(work, 'report-loaded.js');
writeFileSync(
  preload,
  `const SERVER = /(^|[\\\\/])node_modules[\\\\/](@nestjs[\\\\/]|typeorm[\\\\/]|pg[\\\\/]|class-validator[\\\\/])/;
process.on('exit', () => {
  const loaded = Object.keys(require.cache).filter((path) => SERVER.test(path));
  if (loaded.length > 0) process.stderr.write('LOADED ' + loaded.slice(0, 5).join(', ') + '\\n');
});\n`,
);
const messages = [
  { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'check', version: '1' } } },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 2, method: 'tools/list' },
];
// The service address is never called: listing tools needs no request.
const run = spawnSync(process.execPath, ['-r', preload, bin, 'mcp', '--url', 'http://127.0.0.1:9'], {
  input: messages.map((message) => JSON.stringify(message)).join('\n') + '\n',
  encoding: 'utf8',
  timeout: 30_000,
});
rmSync(work, { recursive: true, force: true });
const answers = run.stdout
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => {
    try {
      return JSON.parse(line);
    } catch {
      failures.push(`stdout holds a line that is not JSON-RPC: ${line.slice(0, 120)}`);
      return {};
    }
  });
const tools = answers.find((answer) => answer.id === 2)?.result?.tools ?? [];
if (tools.length !== 11) failures.push(`tools/list answered ${tools.length} tools; stderr: ${run.stderr.slice(0, 500)}`);
if (run.stderr.includes('LOADED ')) failures.push(`the stdio server loaded the server: ${run.stderr}`);

if (failures.length > 0) {
  for (const failure of failures) console.error(`scout-scheduler bin: ${failure}`);
  process.exit(1);
}
console.log(`   scout-scheduler --help and mcp over stdio: ${tools.length} tools, no Nest, TypeORM or pg loaded`);
