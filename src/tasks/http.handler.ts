import { Inject } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { secretHeaderNames } from '../common/secret-headers';
import { SCHEDULER_OPTIONS, SchedulerOptions } from '../config/scheduler-options';
import { readCapped } from './capped-body';
import { EgressPolicy } from './egress/egress-policy';
import { EgressDeniedError, GuardedDispatcher } from './egress/guarded-dispatcher';
import { TaskHandler, TaskRunContext } from './task-handler';
import { httpHeadersProblem } from './http-headers.validation';
import { requestFollowingRedirects, WebhookResponse } from './webhook-request';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
const MAX_RESPONSE_BYTES = 16 * 1024;

interface HttpPayload {
  url: string;
  method?: (typeof METHODS)[number];
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * Calls a webhook. Every call carries the run's identity so the receiver can drop a repeat:
 * `Idempotency-Key` is the run id; and its chain depth, which a receiver that publishes an event
 * back sends along (`X-Scout-Chain-Depth`), so a loop through webhooks stops. A non-2xx answer
 * or a network error fails the run. The request is bounded by `HTTP_HANDLER_TIMEOUT_SECONDS` and
 * by the run's timeout (which aborts the run's signal), whichever comes first. Every hop (at most
 * 5 redirects) passes the egress policy, at save time for literal addresses and at connect time
 * for the address reached; the answer is read as a stream and at most 16 KiB of it kept.
 */
@TaskHandler('http')
export class HttpHandler implements TaskHandler {
  constructor(
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
    private readonly egress: EgressPolicy,
    private readonly dispatcher: GuardedDispatcher,
  ) {}

  validatePayload(payload: Record<string, unknown> | null): string | null {
    if (!payload) return 'payload: the http handler needs {url, method?, headers?, secretHeaders?, body?}';
    const { url, method } = payload;
    if (typeof url !== 'string' || !/^https?:\/\/\S+$/i.test(url) || !URL.canParse(url)) {
      return 'payload.url: must be an http:// or https:// URL';
    }
    if (
      method !== undefined &&
      (typeof method !== 'string' || !METHODS.includes(method.toUpperCase() as never))
    ) {
      return `payload.method: must be one of ${METHODS.join(', ')}`;
    }
    // Headers first: a refused URL is quoted in the egress message, and credentials in it are a 400 of their own.
    return httpHeadersProblem(payload) ?? this.egressProblem(url);
  }

  /** A literal address the egress policy denies (or a name outside `HTTP_EGRESS_ALLOW`) is refused at save. */
  private egressProblem(url: string): string | null {
    const refusal = this.egress.refusalForUrl(new URL(url));
    return refusal ? `payload.url: ${refusal}` : null;
  }

  async run(context: TaskRunContext): Promise<{ status: number; body: unknown }> {
    const payload = context.task.payload as unknown as HttpPayload;
    const method = (payload.method ?? 'POST').toUpperCase();
    const hasBody = payload.body !== undefined && method !== 'GET' && method !== 'HEAD';
    const headers: Record<string, string> = {
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
      ...payload.headers,
      'x-scout-task-id': context.task.id,
      'x-scout-run-id': context.run.id,
      'x-scout-scheduled-for': context.run.scheduledFor.toISOString(),
      'idempotency-key': context.run.id,
      'x-scout-chain-depth': String(context.chainDepth),
    };
    const limitSeconds = this.options.httpHandlerTimeoutSeconds;
    const deadline = AbortSignal.timeout(limitSeconds * 1000);
    const signal = AbortSignal.any([context.signal, deadline]);
    let response: WebhookResponse;
    let text: string;
    try {
      response = await requestFollowingRedirects(this.dispatcher.agent, this.egress, {
        url: payload.url,
        method,
        headers,
        body: hasBody ? JSON.stringify(payload.body) : undefined,
        signal,
        credentialHeaders: secretHeaderNames(context.task.payload),
      });
      // The body is read under the same bound: a receiver may send headers and then stall.
      text = await readCapped(response.body, MAX_RESPONSE_BYTES);
    } catch (error) {
      if (error instanceof EgressDeniedError)
        throw new Error(`${method} ${payload.url} refused: ${error.message}`);
      if (context.signal.aborted)
        throw new Error(`${method} ${payload.url} was aborted (${String(context.signal.reason)})`);
      if (deadline.aborted)
        throw new Error(
          `${method} ${payload.url} gave no answer within ${limitSeconds} s (HTTP_HANDLER_TIMEOUT_SECONDS)`,
        );
      // An errno code (ECONNREFUSED, ENOTFOUND) says it best; undici's own (UND_ERR_…) less than its message.
      const { code, message } = error as { code?: string; message?: string };
      throw new Error(
        `${method} ${payload.url} failed: ${code && /^E[A-Z]+$/.test(code) ? code : (message ?? code)}`,
      );
    }
    const status = response.statusCode;
    if (status < 200 || status > 299) {
      const where = response.url === payload.url ? '' : ` (redirected to ${response.url})`;
      throw new Error(
        `${method} ${payload.url}${where} answered ${status} ${STATUS_CODES[status] ?? ''}: ${text.slice(0, 500)}`,
      );
    }
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: keep the text.
    }
    return { status, body };
  }
}
