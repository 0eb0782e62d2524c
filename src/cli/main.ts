#!/usr/bin/env node
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ScoutClient } from '../client/scout-client';
import type { ScoutBackend } from '../mcp/scout-backend';
import { scoutVersion } from '../mcp/package-version';
import { createScoutMcpServer } from '../mcp/scout-mcp-server';
import { parseCli, USAGE } from './cli-args';

/**
 * The package's `scout-scheduler` command. `mcp` serves the MCP tools over stdio through the
 * typed client, so it loads nothing of Nest, TypeORM or pg. stdout is the protocol: everything
 * else goes to stderr.
 */
async function main(): Promise<number> {
  const command = parseCli(process.argv.slice(2), process.env);
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command.kind === 'error') {
    process.stderr.write(`scout-scheduler: ${command.message}\n\n${USAGE}`);
    return 2;
  }
  const backend: ScoutBackend = new ScoutClient({ baseUrl: command.url, apiKey: command.apiKey });
  const server = createScoutMcpServer(backend, scoutVersion());
  await server.connect(new StdioServerTransport());
  process.stderr.write(`scout-scheduler mcp: serving on stdio for ${command.url}\n`);
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`scout-scheduler: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
