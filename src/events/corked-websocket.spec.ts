import { EventEmitter } from 'node:events';
import type { Socket } from 'socket.io';
import { corkWebSocketSends } from './corked-websocket';

/** A TCP socket that records writes, and whether they happened while corked. */
class FakeTcp {
  corked = 0;
  readonly writes: Array<{ data: string; corked: boolean }> = [];
  cork(): void {
    this.corked++;
  }
  uncork(): void {
    this.corked--;
  }
  write(data: string): void {
    this.writes.push({ data, corked: this.corked > 0 });
  }
}

function transport(name: string, tcp: FakeTcp | undefined) {
  return {
    name,
    socket: tcp ? { _socket: tcp } : undefined,
    send(packets: string[]): void {
      for (const packet of packets) tcp?.write(packet);
    },
  };
}

function clientOn(initial: ReturnType<typeof transport>) {
  const connection = Object.assign(new EventEmitter(), { transport: initial });
  return { socket: { conn: connection } as unknown as Socket, connection };
}

describe('corkWebSocketSends', () => {
  it('writes every packet of a batch while the TCP socket is corked, and uncorks after it', () => {
    const tcp = new FakeTcp();
    const { socket, connection } = clientOn(transport('websocket', tcp));

    corkWebSocketSends(socket);
    connection.transport.send(['a', 'b', 'c']);

    expect(tcp.writes).toEqual([
      { data: 'a', corked: true },
      { data: 'b', corked: true },
      { data: 'c', corked: true },
    ]);
    expect(tcp.corked).toBe(0);
  });

  it('uncorks even when the send throws', () => {
    const tcp = new FakeTcp();
    const ws = transport('websocket', tcp);
    ws.send = () => {
      throw new Error('write after end');
    };
    const { socket, connection } = clientOn(ws);

    corkWebSocketSends(socket);

    expect(() => connection.transport.send(['a'])).toThrow('write after end');
    expect(tcp.corked).toBe(0);
  });

  it('corks the WebSocket transport a long-polling client upgrades to', () => {
    const tcp = new FakeTcp();
    const polling = transport('polling', undefined);
    const { socket, connection } = clientOn(polling);
    corkWebSocketSends(socket);
    const upgraded = transport('websocket', tcp);

    connection.emit('upgrade', upgraded);
    upgraded.send(['a']);

    expect(tcp.writes).toEqual([{ data: 'a', corked: true }]);
  });

  it('wraps a transport once, however often it is seen', () => {
    const tcp = new FakeTcp();
    let corks = 0;
    const originalCork = tcp.cork.bind(tcp);
    tcp.cork = () => {
      corks++;
      originalCork();
    };
    const { socket, connection } = clientOn(transport('websocket', tcp));

    corkWebSocketSends(socket);
    corkWebSocketSends(socket);
    connection.transport.send(['a']);

    expect(corks).toBe(1);
  });

  it('leaves a transport without a reachable TCP socket as it is', () => {
    const ws = transport('websocket', undefined);
    const send = ws.send;
    const { socket } = clientOn(ws);

    corkWebSocketSends(socket);

    expect(ws.send).toBe(send);
  });
});
