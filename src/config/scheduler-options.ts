import type { MisfirePolicy, OverlapPolicy } from '../domain/policies';
import { EgressRuleList, parseEgressEntries, splitEgressSetting } from './egress-rules';
import { apiKeysOf, ConfigurationError, corsOriginsOf, type Environment } from './environment';

/**
 * Everything `SchedulerModule` needs to run, whether the service reads it from the environment
 * or a host app passes it to `SchedulerModule.forRoot({...})`.
 */
export interface SchedulerOptions {
  /** postgres:// URL; absent: embedded PGlite under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** Connections to a real server (the embedded database has exactly one). */
  databasePoolSize: number;
  timezone: string;
  defaultHandler: string;
  maxConcurrentRuns: number;
  runRetentionDays: number;
  misfirePolicy: MisfirePolicy;
  misfireGraceSeconds: number;
  overlapPolicy: OverlapPolicy;
  shutdownGraceSeconds: number;
  /** Run timeout of schedules that give none (and manual runs without a schedule); 0: none. */
  defaultTimeoutSeconds: number;
  /** Upper bound of one webhook request of the http handler (the run's timeout may be shorter). */
  httpHandlerTimeoutSeconds: number;
  /**
   * More ranges the http handler never calls (CIDRs or addresses), beside the always-denied
   * link-local, cloud metadata, 0.0.0.0/8, multicast and broadcast ranges.
   */
  httpEgressDeny?: string[];
  /**
   * When set, the only CIDRs, addresses and host names (`*.example.com` for every name below) the
   * http handler may call; unset: every address not denied, loopback and private ranges included.
   */
  httpEgressAllow?: string[];
  /** Runs caused by events or chains deeper than this are recorded `skipped` instead of run. */
  maxChainDepth: number;
  /** Whether this process fires schedules (false: API only). */
  runnerEnabled: boolean;
  /**
   * When set, the REST API and Socket.IO handshakes require one of these keys (`X-API-Key`,
   * `Authorization: Bearer`, `auth.apiKey`), from anywhere. Several keys: rotation without
   * downtime. A string is one key. Unset (or empty): only loopback requests are served.
   */
  apiKey?: string | string[];
  /**
   * Without an API key: browser origins, besides the server's own, allowed to call the routes and
   * the gateway (`*`: any). The service passes `CORS_ORIGINS`.
   */
  allowedOrigins?: string[] | '*';
  /**
   * Without an API key: also serve peers that are not loopback addresses (their `Host` must
   * still be a loopback name), e.g. through a container's port mapping. Default false, so a
   * host app listening on 0.0.0.0 keeps the scheduler local; the service sets it when `HOST` is given.
   */
  allowRemotePeers?: boolean;
  /** Tests only: pretend this host's clock is off by this much (the database clock corrects it). */
  clockSkewMs?: number;
}

export const SCHEDULER_OPTIONS = Symbol('SCHEDULER_OPTIONS');

/**
 * Which faces the module mounts. They shape the module itself, so they are given to `forRoot` /
 * `forRootAsync` directly, never by the async factory.
 */
export interface SchedulerModuleParts {
  /** The REST routes under `/api` (default true); false: the services only, for DI. */
  rest?: boolean;
  /** The Socket.IO gateway relaying the lifecycle events (default true). */
  gateway?: boolean;
  /** The MCP server for agents at `/mcp`, behind the same key as the REST API (default true). */
  mcp?: boolean;
}

export const SCHEDULER_MODULE_PARTS = Symbol('SCHEDULER_MODULE_PARTS');

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  dataDir: './data',
  databasePoolSize: 10,
  timezone: 'UTC',
  defaultHandler: 'noop',
  maxConcurrentRuns: 100,
  runRetentionDays: 30,
  misfirePolicy: 'run_once',
  misfireGraceSeconds: 60,
  overlapPolicy: 'skip',
  shutdownGraceSeconds: 10,
  defaultTimeoutSeconds: 600,
  httpHandlerTimeoutSeconds: 30,
  maxChainDepth: 32,
  runnerEnabled: true,
};

/**
 * The options with their defaults. Checked here, before any provider starts (a data source
 * connecting in the background while the module fails would outlive it): a bad egress entry is
 * a `ConfigurationError` naming the option and the entry.
 */
export function resolveSchedulerOptions(options: Partial<SchedulerOptions> = {}): SchedulerOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved: SchedulerOptions = { ...DEFAULT_SCHEDULER_OPTIONS, ...defined };
  egressRulesOf(resolved);
  return resolved;
}

/** `httpEgressDeny` / `httpEgressAllow` parsed; a bad entry is a `ConfigurationError` naming it. */
export function egressRulesOf(options: Pick<SchedulerOptions, 'httpEgressDeny' | 'httpEgressAllow'>): {
  deny: EgressRuleList;
  allow: EgressRuleList | null;
} {
  const entries = (value: unknown, setting: string): string[] => {
    if (value === undefined) return [];
    if (typeof value === 'string') return splitEgressSetting(value);
    if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) return value;
    throw new ConfigurationError(`Invalid configuration: ${setting} must be an array of strings`);
  };
  const deny = parseEgressEntries(
    entries(options.httpEgressDeny, 'httpEgressDeny'),
    'httpEgressDeny',
    'deny',
  );
  const allow =
    options.httpEgressAllow === undefined
      ? null
      : parseEgressEntries(entries(options.httpEgressAllow, 'httpEgressAllow'), 'httpEgressAllow', 'allow');
  const problems = [...deny.problems, ...(allow?.problems ?? [])];
  if (problems.length > 0) throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);
  return { deny: deny.list, allow: allow?.list ?? null };
}

export function schedulerOptionsFromEnvironment(env: Environment): SchedulerOptions {
  return resolveSchedulerOptions({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    timezone: env.SCHEDULER_TIMEZONE,
    defaultHandler: env.SCHEDULER_DEFAULT_HANDLER,
    maxConcurrentRuns: env.SCHEDULER_MAX_CONCURRENT_RUNS,
    runRetentionDays: env.SCHEDULER_RUN_RETENTION_DAYS,
    misfirePolicy: env.SCHEDULER_MISFIRE_POLICY,
    misfireGraceSeconds: env.SCHEDULER_MISFIRE_GRACE_SECONDS,
    overlapPolicy: env.SCHEDULER_OVERLAP_POLICY,
    shutdownGraceSeconds: env.SCHEDULER_SHUTDOWN_GRACE_SECONDS,
    defaultTimeoutSeconds: env.SCHEDULER_DEFAULT_TIMEOUT_SECONDS,
    httpHandlerTimeoutSeconds: env.HTTP_HANDLER_TIMEOUT_SECONDS,
    httpEgressDeny: env.HTTP_EGRESS_DENY ? splitEgressSetting(env.HTTP_EGRESS_DENY) : undefined,
    httpEgressAllow: env.HTTP_EGRESS_ALLOW ? splitEgressSetting(env.HTTP_EGRESS_ALLOW) : undefined,
    maxChainDepth: env.SCHEDULER_MAX_CHAIN_DEPTH,
    apiKey: apiKeysOf(env),
    allowedOrigins: corsOriginsOf(env) ?? undefined,
    allowRemotePeers: env.HOST !== undefined,
    clockSkewMs: env.SCHEDULER_CLOCK_SKEW_MS,
  });
}
