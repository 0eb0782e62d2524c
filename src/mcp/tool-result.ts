import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ScoutApiError } from '../client/scout-api-error';

/** A tool's answer: the JSON a model reads, as text (pretty enough to read, compact enough to pay for). */
export function jsonResult(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value ?? { ok: true }, null, 1) }] };
}

/**
 * A refusal as a tool error (`isError: true`), so the model sees it and can correct its call:
 * the REST API's own error body (`{statusCode, error, message}`), word for word. Anything else
 * (the service unreachable from the stdio process) says what failed.
 */
export function errorResult(error: unknown): CallToolResult {
  const body =
    error instanceof ScoutApiError
      ? { statusCode: error.status, error: error.error, message: error.message, ...error.details }
      : {
          error: 'Unavailable',
          message: `the scheduler could not be reached: ${error instanceof Error ? error.message : String(error)}`,
        };
  return { content: [{ type: 'text', text: JSON.stringify(body) }], isError: true };
}
