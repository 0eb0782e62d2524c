import type { Socket as TcpSocket } from 'node:net';
import type { Socket } from 'socket.io';

/** What this file needs of engine.io's WebSocket transport and of the `ws` socket under it. */
interface WebSocketTransport {
  name: string;
  send(packets: unknown[]): void;
  socket?: { _socket?: Partial<Pick<TcpSocket, 'cork' | 'uncork'>> };
}

const CORKED = Symbol('scout.corked');

/**
 * Makes each batch that engine.io hands its WebSocket transport leave in one write to the TCP
 * socket. engine.io sends the packets queued for a client one WebSocket frame at a time, and `ws`
 * writes each frame with its own system call: a burst of 1,000 `task_started` to 10 clients was
 * 10,000 writes, most of the delivery latency. Corked, the batch is one `writev` per client.
 * Best effort on engine.io's and ws's internals: where they are not as expected, nothing changes.
 */
export function corkWebSocketSends(socket: Socket): void {
  const connection = socket.conn as unknown as {
    transport: WebSocketTransport;
    on(event: 'upgrade', listener: (transport: WebSocketTransport) => void): void;
  };
  corkTransport(connection.transport);
  // A client that began on long-polling moves to the WebSocket transport later.
  connection.on('upgrade', (transport) => corkTransport(transport));
}

function corkTransport(transport: WebSocketTransport & { [CORKED]?: true }): void {
  const tcp = transport.socket?._socket;
  if (transport.name !== 'websocket' || transport[CORKED] || !tcp?.cork || !tcp.uncork) return;
  const send = transport.send.bind(transport);
  transport.send = (packets) => {
    tcp.cork!();
    try {
      send(packets);
    } finally {
      tcp.uncork!();
    }
  };
  transport[CORKED] = true;
}
