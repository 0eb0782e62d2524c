/**
 * An answer of the API other than 2xx: `status`, `error` (the reason phrase) and `message` are the
 * API's own (`{statusCode, error, message}`); `details` holds any further fields the body had.
 */
export class ScoutApiError extends Error {
  override readonly name = 'ScoutApiError';

  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  /** Builds the error from an answer's status and body text, whatever shape the body has. */
  static fromAnswer(status: number, statusText: string, text: string): ScoutApiError {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      const { error, message, ...rest } = body as Record<string, unknown>;
      delete rest.statusCode;
      return new ScoutApiError(
        status,
        typeof error === 'string' ? error : statusText,
        typeof message === 'string' ? message : `HTTP ${status}`,
        Object.keys(rest).length > 0 ? rest : undefined,
      );
    }
    // A proxy's page or an empty body: the status and the start of the text still say something.
    return new ScoutApiError(status, statusText, text.trim().slice(0, 200) || `HTTP ${status} ${statusText}`);
  }

  /**
   * The message split by field: the API joins several fields' messages with `; `, each starting
   * with the field's name (`name is required`, `timezone: "Mars/Base" is not …`,
   * `minute field: 61 is out of range 0-59` belongs to `schedule`). Messages naming none of
   * `fields` are under `''`.
   */
  byField(fields: readonly string[]): Record<string, string[]> {
    const result: Record<string, string[]> = {};
    for (const part of this.message.split('; ')) {
      const field = fieldOf(part, fields);
      (result[field] ??= []).push(part);
    }
    return result;
  }
}

/** Cron field errors (`minute field: …`) and spec-form errors (`every: …`) are the schedule's. */
const SCHEDULE_WORDS = /^([a-z-]+ field|cron|every|at|in|on|after|schedule):/i;

function fieldOf(part: string, fields: readonly string[]): string {
  const head = /^([A-Za-z][A-Za-z0-9]*)(?=[\s:.])/.exec(part)?.[1];
  if (head && fields.includes(head)) return head;
  if (fields.includes('schedule') && SCHEDULE_WORDS.test(part)) return 'schedule';
  return '';
}
