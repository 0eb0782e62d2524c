import { Dispatcher, request } from 'undici';
import { EgressPolicy } from './egress/egress-policy';
import { EgressDeniedError } from './egress/guarded-dispatcher';

/** Redirects followed at most; the answer to the request after the 5th may not be a redirect. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Sent to the webhook's own origin only, as browsers do with Authorization on a cross-origin hop.

export interface WebhookRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** Lower-cased names not sent on to another origin: the task's secret headers. */
  credentialHeaders: ReadonlySet<string>;
}

export type WebhookResponse = Dispatcher.ResponseData & { url: string };

/**
 * Sends the request and follows redirects by hand, so each hop passes the egress policy like the
 * first: its URL before the request (a denied literal is never connected to) and, through the
 * guarded dispatcher, the address the connection reaches. 303 (and 301/302 after a POST) turn
 * into a GET without body, as in browsers; credentials are not sent to another origin.
 */
export async function requestFollowingRedirects(
  dispatcher: Dispatcher,
  policy: EgressPolicy,
  first: WebhookRequest,
): Promise<WebhookResponse> {
  let { url, method, body } = first;
  let headers = { ...first.headers };
  for (let hop = 0; ; hop++) {
    const target = new URL(url);
    const refusal = policy.refusalForUrl(target);
    if (refusal)
      throw new EgressDeniedError(hop === 0 ? refusal : `${refusal}, reached by a redirect to ${url}`);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(target, {
        dispatcher,
        method,
        headers,
        body,
        signal: first.signal,
      });
    } catch (error) {
      if (hop > 0 && error instanceof EgressDeniedError) {
        throw new EgressDeniedError(`${error.message}, reached by a redirect to ${url}`);
      }
      throw error;
    }
    const location = response.headers.location;
    if (!REDIRECT_STATUSES.has(response.statusCode) || typeof location !== 'string') {
      return { ...response, url };
    }
    // The redirect's own body is not wanted: read a little (keeps the connection reusable), then drop.
    await response.body.dump({ limit: 16 * 1024 }).catch(() => undefined);
    if (hop === MAX_REDIRECTS)
      throw new Error(`stopped after ${MAX_REDIRECTS} redirects (at most ${MAX_REDIRECTS} are followed)`);
    const next = URL.canParse(location, target.href) ? new URL(location, target) : null;
    if (!next || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
      throw new Error(`redirected to ${JSON.stringify(location)}, which is not an http:// or https:// URL`);
    }
    const status = response.statusCode;
    if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      headers = Object.fromEntries(
        Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-type'),
      );
    }
    if (next.origin !== target.origin) {
      headers = Object.fromEntries(
        Object.entries(headers).filter(([name]) => !first.credentialHeaders.has(name.toLowerCase())),
      );
    }
    url = next.href;
  }
}
