import { parseCli } from './cli-args';

describe('parseCli', () => {
  it('reads mcp --url and --api-key, or the key from SCOUT_API_KEY', () => {
    expect(parseCli(['mcp', '--url', 'http://127.0.0.1:3000', '--api-key', 'k1'], {})).toEqual({
      kind: 'mcp',
      url: 'http://127.0.0.1:3000',
      apiKey: 'k1',
    });
    expect(parseCli(['mcp', '--url=http://127.0.0.1:3000'], { SCOUT_API_KEY: 'k2' })).toEqual({
      kind: 'mcp',
      url: 'http://127.0.0.1:3000',
      apiKey: 'k2',
    });
    expect(parseCli(['mcp'], { SCOUT_URL: 'http://[::1]:3000', SCOUT_API_KEY: '' })).toEqual({
      kind: 'mcp',
      url: 'http://[::1]:3000',
      apiKey: undefined,
    });
  });

  it('answers help for --help or no command', () => {
    expect(parseCli(['--help'], {})).toEqual({ kind: 'help' });
    expect(parseCli([], {})).toEqual({ kind: 'help' });
  });

  it('refuses what it cannot run, saying why', () => {
    expect(parseCli(['mcp'], {})).toEqual({
      kind: 'error',
      message: 'mcp needs --url <service> (or SCOUT_URL)',
    });
    expect(parseCli(['serve'], {})).toEqual({ kind: 'error', message: 'unknown command "serve"' });
    expect(parseCli(['mcp', '--url', 'ftp://x'], {})).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('--url must be an http(s) address'),
    });
    expect(parseCli(['mcp', '--port', '1'], {})).toMatchObject({
      kind: 'error',
      message: expect.stringContaining("'--port'"),
    });
  });
});
