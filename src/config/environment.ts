import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  ValidationError,
} from 'class-validator';
import { MISFIRE_POLICIES, OVERLAP_POLICIES } from '../domain/policies';
import { isValidTimeZone } from '../triggers/time-zone';
import { parseEgressEntries, splitEgressSetting } from './egress-rules';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
/** Blank is unset: for variables whose absence means something (HOST). */
const trimmedOrUnset = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() || undefined : value;
const integer = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * The process environment as the service reads it. Every variable is checked at boot so that a
 * typo stops start-up with one line naming the variable, instead of a surprise at 2 a.m.
 */
export class Environment {
  @Transform(integer)
  @IsInt({ message: 'PORT must be an integer between 0 and 65535' })
  @Min(0, { message: 'PORT must be an integer between 0 and 65535' })
  @Max(65535, { message: 'PORT must be an integer between 0 and 65535' })
  PORT = 3000;

  /** Unset (not merely defaulted): with no API_KEY either, the service runs in protected mode. */
  @Transform(trimmedOrUnset)
  @IsOptional()
  @IsString()
  HOST?: string;

  @Transform(trimmed)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @Transform(trimmed)
  @IsString()
  @MinLength(1, { message: 'DATA_DIR must be a directory path' })
  DATA_DIR = './data';

  /** One key, or several separated by commas (rotation); each checked in `loadEnvironment`. */
  @IsOptional()
  @IsString()
  API_KEY?: string;

  @Transform(trimmed)
  @IsString()
  SCHEDULER_TIMEZONE = 'UTC';

  @Transform(integer)
  @IsInt({ message: 'SCHEDULER_RUN_RETENTION_DAYS must be an integer between 1 and 3650' })
  @Min(1, { message: 'SCHEDULER_RUN_RETENTION_DAYS must be an integer between 1 and 3650' })
  @Max(3650, { message: 'SCHEDULER_RUN_RETENTION_DAYS must be an integer between 1 and 3650' })
  SCHEDULER_RUN_RETENTION_DAYS = 30;

  @Transform(trimmed)
  @Matches(/^[a-z][a-z0-9_.:-]{0,99}$/i, {
    message: 'SCHEDULER_DEFAULT_HANDLER must be a handler name (letters, digits, _ . : -)',
  })
  SCHEDULER_DEFAULT_HANDLER = 'noop';

  @Transform(integer)
  @IsInt({ message: 'SCHEDULER_MAX_CONCURRENT_RUNS must be an integer between 1 and 100000' })
  @Min(1, { message: 'SCHEDULER_MAX_CONCURRENT_RUNS must be an integer between 1 and 100000' })
  @Max(100000, { message: 'SCHEDULER_MAX_CONCURRENT_RUNS must be an integer between 1 and 100000' })
  SCHEDULER_MAX_CONCURRENT_RUNS = 100;

  @Transform(trimmed)
  @IsIn(MISFIRE_POLICIES, {
    message: `SCHEDULER_MISFIRE_POLICY must be one of ${MISFIRE_POLICIES.join(', ')}`,
  })
  SCHEDULER_MISFIRE_POLICY: (typeof MISFIRE_POLICIES)[number] = 'run_once';

  @Transform(integer)
  @IsInt({ message: 'SCHEDULER_MISFIRE_GRACE_SECONDS must be an integer between 0 and 31536000' })
  @Min(0, { message: 'SCHEDULER_MISFIRE_GRACE_SECONDS must be an integer between 0 and 31536000' })
  @Max(31536000, { message: 'SCHEDULER_MISFIRE_GRACE_SECONDS must be an integer between 0 and 31536000' })
  SCHEDULER_MISFIRE_GRACE_SECONDS = 60;

  @Transform(trimmed)
  @IsIn(OVERLAP_POLICIES, {
    message: `SCHEDULER_OVERLAP_POLICY must be one of ${OVERLAP_POLICIES.join(', ')}`,
  })
  SCHEDULER_OVERLAP_POLICY: (typeof OVERLAP_POLICIES)[number] = 'skip';

  @Transform(integer)
  @IsInt({ message: 'SCHEDULER_SHUTDOWN_GRACE_SECONDS must be an integer between 0 and 3600' })
  @Min(0, { message: 'SCHEDULER_SHUTDOWN_GRACE_SECONDS must be an integer between 0 and 3600' })
  @Max(3600, { message: 'SCHEDULER_SHUTDOWN_GRACE_SECONDS must be an integer between 0 and 3600' })
  SCHEDULER_SHUTDOWN_GRACE_SECONDS = 10;

  @Transform(integer)
  @IsInt({ message: 'SCHEDULER_DEFAULT_TIMEOUT_SECONDS must be an integer between 0 and 604800' })
  @Min(0, { message: 'SCHEDULER_DEFAULT_TIMEOUT_SECONDS must be an integer between 0 and 604800' })
  @Max(604_800, { message: 'SCHEDULER_DEFAULT_TIMEOUT_SECONDS must be an integer between 0 and 604800' })
  SCHEDULER_DEFAULT_TIMEOUT_SECONDS = 600;

  @Transform(integer)
  @IsInt({ message: 'HTTP_HANDLER_TIMEOUT_SECONDS must be an integer between 1 and 86400' })
  @Min(1, { message: 'HTTP_HANDLER_TIMEOUT_SECONDS must be an integer between 1 and 86400' })
  @Max(86_400, { message: 'HTTP_HANDLER_TIMEOUT_SECONDS must be an integer between 1 and 86400' })
  HTTP_HANDLER_TIMEOUT_SECONDS = 30;

  /** Comma-separated CIDRs the http handler never calls, beside the always-denied ranges. */
  @Transform(trimmed)
  @IsOptional()
  @IsString()
  HTTP_EGRESS_DENY?: string;

  /** Comma-separated CIDRs and host names; when set, the only ones the http handler may call. */
  @Transform(trimmed)
  @IsOptional()
  @IsString()
  HTTP_EGRESS_ALLOW?: string;

  @Transform(integer)
  @IsInt({ message: 'SCHEDULER_MAX_CHAIN_DEPTH must be an integer between 1 and 1000' })
  @Min(1, { message: 'SCHEDULER_MAX_CHAIN_DEPTH must be an integer between 1 and 1000' })
  @Max(1000, { message: 'SCHEDULER_MAX_CHAIN_DEPTH must be an integer between 1 and 1000' })
  SCHEDULER_MAX_CHAIN_DEPTH = 32;

  /** Comma-separated origins allowed by CORS (HTTP and Socket.IO); `*` for any; unset: none. */
  @Transform(trimmed)
  @IsOptional()
  @Matches(/^(\*|https?:\/\/[^\s,]+(\s*,\s*https?:\/\/[^\s,]+)*)$/, {
    message: 'CORS_ORIGINS must be * or a comma-separated list of http(s) origins',
  })
  CORS_ORIGINS?: string;

  @Transform(integer)
  @IsInt({ message: 'RATE_LIMIT_PER_MINUTE must be an integer between 1 and 1000000' })
  @Min(1, { message: 'RATE_LIMIT_PER_MINUTE must be an integer between 1 and 1000000' })
  @Max(1_000_000, { message: 'RATE_LIMIT_PER_MINUTE must be an integer between 1 and 1000000' })
  RATE_LIMIT_PER_MINUTE = 6000;

  /** Tests only: shifts this instance's clock (the database clock alignment must undo it). */
  @Transform(integer)
  @IsInt({ message: 'SCHEDULER_CLOCK_SKEW_MS must be an integer between -3600000 and 3600000' })
  @Min(-3_600_000, { message: 'SCHEDULER_CLOCK_SKEW_MS must be an integer between -3600000 and 3600000' })
  @Max(3_600_000, { message: 'SCHEDULER_CLOCK_SKEW_MS must be an integer between -3600000 and 3600000' })
  SCHEDULER_CLOCK_SKEW_MS = 0;

  @Transform(trimmed)
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';
}

const API_KEY_PROBLEM =
  'API_KEY must be one key, or several separated by commas, each at least 16 characters long';

/** The keys `API_KEY` lists (comma-separated, trimmed); undefined when it is unset. */
export function apiKeysOf(env: Pick<Environment, 'API_KEY'>): string[] | undefined {
  return env.API_KEY?.split(',').map((key) => key.trim());
}

/** `CORS_ORIGINS` as a list, `*`, or null when unset. */
export function corsOriginsOf(env: Pick<Environment, 'CORS_ORIGINS'>): string[] | '*' | null {
  if (!env.CORS_ORIGINS) return null;
  if (env.CORS_ORIGINS === '*') return '*';
  return env.CORS_ORIGINS.split(',').map((origin) => origin.trim());
}

const SECRET_VARIABLES = new Set(['API_KEY', 'DATABASE_URL']);

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

function firstMessage(error: ValidationError): string {
  const messages = Object.values(error.constraints ?? {}).filter(Boolean);
  return messages[0] ?? `${error.property} is invalid`;
}

/**
 * Reads and checks the environment. Throws one `ConfigurationError` whose message names every
 * wrong variable and what it expects, with the value that was given.
 */
export function loadEnvironment(source: NodeJS.ProcessEnv = process.env): Environment {
  const defined = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const env = plainToInstance(Environment, defined, { exposeDefaultValues: true });
  const problems = validateSync(env, { whitelist: false }).map((error) =>
    // Secrets (and URLs that may hold a password) are never echoed into logs.
    SECRET_VARIABLES.has(error.property)
      ? firstMessage(error)
      : `${firstMessage(error)} (got ${JSON.stringify(error.value)})`,
  );
  if (!isValidTimeZone(env.SCHEDULER_TIMEZONE)) {
    problems.push(
      `SCHEDULER_TIMEZONE must be an IANA time zone such as UTC or Europe/Berlin (got ${JSON.stringify(env.SCHEDULER_TIMEZONE)})`,
    );
  }
  for (const [setting, kind] of [
    ['HTTP_EGRESS_DENY', 'deny'],
    ['HTTP_EGRESS_ALLOW', 'allow'],
  ] as const) {
    const value = env[setting];
    if (value) problems.push(...parseEgressEntries(splitEgressSetting(value), setting, kind).problems);
  }
  const keys = apiKeysOf(env);
  if (keys && keys.some((key) => key.length < 16)) problems.push(API_KEY_PROBLEM);
  if (problems.length > 0) throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);
  return env;
}
