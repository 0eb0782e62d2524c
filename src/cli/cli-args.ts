import { parseArgs } from 'node:util';

export const USAGE = `Usage: scout-scheduler mcp --url <service> [--api-key <key>]

  mcp         Serve the scheduler's MCP tools over stdio (for desktop agents), talking to a
              running Scout Scheduler service through its REST API.
  --url       The service's address, e.g. http://127.0.0.1:3000 (or SCOUT_URL)
  --api-key   The service's API_KEY, if it has one (or SCOUT_API_KEY)
  --help      This text
`;

export type CliCommand =
  { kind: 'help' } | { kind: 'mcp'; url: string; apiKey?: string } | { kind: 'error'; message: string };

/** Reads the command line (and the two environment variables); never throws. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        'api-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { kind: 'help' };
  if (positionals.length > 1 || positionals[0] !== 'mcp')
    return { kind: 'error', message: `unknown command ${JSON.stringify(positionals.join(' '))}` };
  const url = values.url ?? env.SCOUT_URL;
  if (!url) return { kind: 'error', message: 'mcp needs --url <service> (or SCOUT_URL)' };
  if (!/^https?:\/\/[^/\s]+/i.test(url))
    return {
      kind: 'error',
      message: `--url must be an http(s) address, e.g. http://127.0.0.1:3000 (got ${url})`,
    };
  const apiKey = values['api-key'] ?? (env.SCOUT_API_KEY || undefined);
  return { kind: 'mcp', url, apiKey };
}
