import { ConfigurationError, loadEnvironment } from './environment';
import { schedulerOptionsFromEnvironment } from './scheduler-options';

describe('loadEnvironment', () => {
  it('applies the defaults to an empty environment', () => {
    const env = loadEnvironment({});
    expect(env).toMatchObject({
      PORT: 3000,
      DATA_DIR: './data',
      SCHEDULER_TIMEZONE: 'UTC',
      SCHEDULER_RUN_RETENTION_DAYS: 30,
      SCHEDULER_DEFAULT_HANDLER: 'noop',
      SCHEDULER_MAX_CONCURRENT_RUNS: 100,
      SCHEDULER_MISFIRE_POLICY: 'run_once',
      SCHEDULER_MISFIRE_GRACE_SECONDS: 60,
      SCHEDULER_OVERLAP_POLICY: 'skip',
      LOG_LEVEL: 'info',
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.API_KEY).toBeUndefined();
  });

  it('reads and converts given values', () => {
    const env = loadEnvironment({
      PORT: '8080',
      DATABASE_URL: 'postgres://scout:secret@db:5432/scout',
      SCHEDULER_TIMEZONE: 'Europe/Berlin',
      SCHEDULER_MAX_CONCURRENT_RUNS: '5',
      SCHEDULER_MISFIRE_POLICY: 'run_all',
      LOG_LEVEL: 'debug',
    });
    expect(env).toMatchObject({
      PORT: 8080,
      SCHEDULER_MAX_CONCURRENT_RUNS: 5,
      SCHEDULER_TIMEZONE: 'Europe/Berlin',
    });
    expect(schedulerOptionsFromEnvironment(env)).toMatchObject({
      databaseUrl: 'postgres://scout:secret@db:5432/scout',
      timezone: 'Europe/Berlin',
      maxConcurrentRuns: 5,
      misfirePolicy: 'run_all',
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadEnvironment({ DATABASE_URL: '', PORT: '' }).PORT).toBe(3000);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer between 0 and 65535 (got "abc")'],
    [{ PORT: '70000' }, 'PORT must be an integer between 0 and 65535 (got 70000)'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be a postgres:// or postgresql:// URL'],
    [
      { SCHEDULER_TIMEZONE: 'Mars/Base' },
      'SCHEDULER_TIMEZONE must be an IANA time zone such as UTC or Europe/Berlin (got "Mars/Base")',
    ],
    [
      { SCHEDULER_RUN_RETENTION_DAYS: '0' },
      'SCHEDULER_RUN_RETENTION_DAYS must be an integer between 1 and 3650 (got 0)',
    ],
    [
      { SCHEDULER_MISFIRE_POLICY: 'sometimes' },
      'SCHEDULER_MISFIRE_POLICY must be one of run_once, skip, run_all (got "sometimes")',
    ],
    [
      { SCHEDULER_OVERLAP_POLICY: 'maybe' },
      'SCHEDULER_OVERLAP_POLICY must be one of skip, allow, queue (got "maybe")',
    ],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ],
    [
      { API_KEY: 'short' },
      'API_KEY must be one key, or several separated by commas, each at least 16 characters long',
    ],
    [{ API_KEY: 'a-long-enough-key-0001,short' }, 'API_KEY must be one key, or several'],
    [{ API_KEY: 'a-long-enough-key-0001,' }, 'API_KEY must be one key, or several'],
    [
      { SCHEDULER_MAX_CONCURRENT_RUNS: '1.5' },
      'SCHEDULER_MAX_CONCURRENT_RUNS must be an integer between 1 and 100000',
    ],
  ])('refuses %j with one line naming the variable', (given, message) => {
    expect(() => loadEnvironment(given)).toThrow(ConfigurationError);
    expect(() => loadEnvironment(given)).toThrow(message);
  });

  it('names every wrong variable at once, on one line', () => {
    let error: Error | undefined;
    try {
      loadEnvironment({ PORT: 'x', LOG_LEVEL: 'y' });
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.message).toMatch(/^Invalid configuration: PORT .*; LOG_LEVEL /);
    expect(error?.message).not.toContain('\n');
  });

  it('reads several comma-separated API keys, trimmed, for the module', () => {
    const env = loadEnvironment({ API_KEY: 'first-key-0123456789, second-key-0123456789' });
    expect(schedulerOptionsFromEnvironment(env).apiKey).toEqual([
      'first-key-0123456789',
      'second-key-0123456789',
    ]);
    expect(schedulerOptionsFromEnvironment(loadEnvironment({})).apiKey).toBeUndefined();
  });

  it('tells an unset HOST from a given one, and passes CORS_ORIGINS on as allowed origins', () => {
    expect(loadEnvironment({}).HOST).toBeUndefined();
    expect(loadEnvironment({ HOST: ' 0.0.0.0 ' }).HOST).toBe('0.0.0.0');
    const options = schedulerOptionsFromEnvironment(
      loadEnvironment({ CORS_ORIGINS: 'http://a.example, http://b.example' }),
    );
    expect(options.allowedOrigins).toEqual(['http://a.example', 'http://b.example']);
    expect(schedulerOptionsFromEnvironment(loadEnvironment({ CORS_ORIGINS: '*' })).allowedOrigins).toBe('*');
  });

  it('does not echo secrets when they are refused', () => {
    expect(() => loadEnvironment({ API_KEY: 'a-long-enough-key-0001,tooshort' })).not.toThrow(
      /tooshort|enough/,
    );
    expect(() => loadEnvironment({ API_KEY: 'tooshort' })).not.toThrow(/tooshort/);
    expect(() => loadEnvironment({ DATABASE_URL: 'mysql://user:hunter2@db' })).not.toThrow(/hunter2/);
  });

  it('reads the egress settings as lists, unset when empty', () => {
    const options = schedulerOptionsFromEnvironment(
      loadEnvironment({
        HTTP_EGRESS_DENY: '127.0.0.2/32, 10.0.0.0/8',
        HTTP_EGRESS_ALLOW: 'hooks.example.com,127.0.0.1',
      }),
    );
    expect(options).toMatchObject({
      httpEgressDeny: ['127.0.0.2/32', '10.0.0.0/8'],
      httpEgressAllow: ['hooks.example.com', '127.0.0.1'],
    });
    const unset = schedulerOptionsFromEnvironment(
      loadEnvironment({ HTTP_EGRESS_DENY: '', HTTP_EGRESS_ALLOW: '  ' }),
    );
    expect(unset.httpEgressDeny).toBeUndefined();
    expect(unset.httpEgressAllow).toBeUndefined();
  });

  it('refuses bad egress settings at start, naming the variable and the entry', () => {
    expect(() => loadEnvironment({ HTTP_EGRESS_DENY: '10.0.0.0/8,10.0.0.0/99' })).toThrow(
      new ConfigurationError(
        'Invalid configuration: HTTP_EGRESS_DENY must list CIDRs (such as 10.0.0.0/8 or fd00::/8) or addresses (got "10.0.0.0/99")',
      ),
    );
    expect(() => loadEnvironment({ HTTP_EGRESS_DENY: 'example.com' })).toThrow(
      /HTTP_EGRESS_DENY .*"example.com"/,
    );
    expect(() => loadEnvironment({ HTTP_EGRESS_ALLOW: 'ok.example,bad_name!' })).toThrow(
      /HTTP_EGRESS_ALLOW must list CIDRs .*, addresses or host names \(got "bad_name!"\)/,
    );
    expect(() => loadEnvironment({ HTTP_EGRESS_ALLOW: ',' })).toThrow(
      /HTTP_EGRESS_ALLOW must list at least one/,
    );
  });
});
