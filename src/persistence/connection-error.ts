/** Socket-level failures: the database (or the network to it) is not there. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Server-side codes of a database going away: 57P01 admin_shutdown (a restart), 57P02
 * crash_shutdown, 57P03 cannot_connect_now (starting up or shutting down); and class 08,
 * connection exceptions.
 */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03']);

/** What the pg driver and its pool say when a connection ends or cannot be had. */
const MESSAGES = [
  /connection terminated/i,
  /terminating connection/i,
  /not queryable/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

/**
 * Whether an error means the database is unreachable — a state to wait out — rather than a
 * problem with one statement. Looks through TypeORM's wrapper (`driverError`) and `cause`.
 */
export function isConnectionError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const { code, message, driverError, cause } = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
  };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (typeof message === 'string' && MESSAGES.some((pattern) => pattern.test(message))) return true;
  if (error instanceof AggregateError && error.errors.some((one) => isConnectionError(one, depth + 1)))
    return true;
  return isConnectionError(driverError, depth + 1) || isConnectionError(cause, depth + 1);
}
