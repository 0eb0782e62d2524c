import type { Socket } from 'socket.io';
import { RequestAccess } from '../common/request-access';

export const SOCKET_UNAUTHORIZED =
  'unauthorized: a valid API key is required (auth.apiKey, the X-API-Key header or Authorization: Bearer)';

/** What a refused client gets in `connect_error`: the reason, and the REST error shape in `data`. */
type RefusedHandshake = Error & { data: { statusCode: 401 | 403; error: string; message: string } };

/**
 * The gateway's handshake check (Socket.IO middleware): the same `RequestAccess` as the REST
 * routes, on the handshake's headers and peer. Refused here rather than in engine.io's
 * `allowRequest`, so that the client learns why (`connect_error`'s message, and `data`).
 */
export function socketAccess(access: RequestAccess): (socket: Socket, next: (error?: Error) => void) => void {
  return (socket, next) => {
    const auth = socket.handshake.auth as { apiKey?: unknown } | undefined;
    const verdict = access.check({
      headers: socket.handshake.headers,
      remoteAddress: socket.handshake.address,
      key: typeof auth?.apiKey === 'string' ? auth.apiKey : undefined,
    });
    if (verdict.allowed) return next();
    const unauthorized = verdict.statusCode === 401;
    const error = new Error(
      unauthorized ? SOCKET_UNAUTHORIZED : `forbidden: ${verdict.message}`,
    ) as RefusedHandshake;
    error.data = {
      statusCode: verdict.statusCode,
      error: unauthorized ? 'Unauthorized' : 'Forbidden',
      message: unauthorized ? SOCKET_UNAUTHORIZED : verdict.message,
    };
    next(error);
  };
}
