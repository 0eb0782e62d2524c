import type { IncomingHttpHeaders } from 'node:http';
import { ApiKeyVerifier, presentedApiKey } from './api-key.verifier';
import { checkLoopbackRequest, LoopbackPolicy } from './loopback-request';

export interface AccessRequest {
  headers: IncomingHttpHeaders;
  remoteAddress: string | undefined;
  /** A key presented outside the headers (Socket.IO's `auth.apiKey`); it wins over them. */
  key?: string;
}

export type AccessVerdict =
  | { allowed: true }
  | { allowed: false; statusCode: 401; message: string }
  | { allowed: false; statusCode: 403; message: string };

export const MISSING_API_KEY = 'missing API key: send the X-API-Key header or Authorization: Bearer <key>';
export const WRONG_API_KEY = 'wrong API key';

/**
 * Who may use the scheduler's routes and gateway: with API keys configured, whoever presents one
 * (401 otherwise), from anywhere; without, only loopback requests (403 otherwise, see
 * `checkLoopbackRequest`). One instance per module, shared by the REST guard, the Socket.IO
 * handshake and the service's own middleware, so they can never disagree.
 */
export class RequestAccess {
  constructor(
    readonly keys: ApiKeyVerifier,
    private readonly loopback: LoopbackPolicy,
  ) {}

  check(request: AccessRequest): AccessVerdict {
    if (this.keys.enabled) {
      const key = request.key ?? presentedApiKey(request.headers);
      if (this.keys.accepts(key)) return { allowed: true };
      return {
        allowed: false,
        statusCode: 401,
        message: key === undefined ? MISSING_API_KEY : WRONG_API_KEY,
      };
    }
    const decision = checkLoopbackRequest(
      { host: request.headers.host, origin: request.headers.origin, remoteAddress: request.remoteAddress },
      this.loopback,
    );
    return decision.allowed ? decision : { allowed: false, statusCode: 403, message: decision.reason };
  }
}
