import { Inject } from '@nestjs/common';
import { SCHEDULER_OPTIONS, SchedulerOptions } from '../config/scheduler-options';
import { TaskHandler, TaskRunContext } from './task-handler';
import { httpHeadersProblem } from './http-headers.validation';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
const MAX_RESPONSE_CHARS = 16 * 1024;

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
 * by the run's timeout (which aborts the run's signal), whichever comes first.
 */
@TaskHandler('http')
export class HttpHandler implements TaskHandler {
  constructor(@Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions) {}

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
    return httpHeadersProblem(payload);
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
    let response: Response;
    let text: string;
    try {
      response = await fetch(payload.url, {
        method,
        headers,
        body: hasBody ? JSON.stringify(payload.body) : undefined,
        signal,
      });
      // The body is read under the same bound: a receiver may send headers and then stall.
      text = (await response.text()).slice(0, MAX_RESPONSE_CHARS);
    } catch (error) {
      if (context.signal.aborted)
        throw new Error(`${method} ${payload.url} was aborted (${String(context.signal.reason)})`);
      if (deadline.aborted)
        throw new Error(
          `${method} ${payload.url} gave no answer within ${limitSeconds} s (HTTP_HANDLER_TIMEOUT_SECONDS)`,
        );
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(
        `${method} ${payload.url} failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      );
    }
    if (!response.ok) {
      throw new Error(
        `${method} ${payload.url} answered ${response.status} ${response.statusText}: ${text.slice(0, 500)}`,
      );
    }
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: keep the text.
    }
    return { status: response.status, body };
  }
}
