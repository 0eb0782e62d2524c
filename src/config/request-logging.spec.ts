import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pinoHttp } from 'pino-http';
import { requestLogging } from './request-logging';

describe('requestLogging', () => {
  let server: Server;
  let lines: Array<Record<string, unknown>>;
  let url: string;

  beforeEach(async () => {
    lines = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const log = pinoHttp(requestLogging('info'), sink);
    server = createServer((request, response) => {
      log(request, response);
      response.statusCode = 201;
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(() => new Promise((resolve) => server.close(resolve)));

  it('logs each request with its id, method, URL, status and client, and never a header holding a secret', async () => {
    const response = await fetch(`${url}/api/tasks?limit=5`, {
      method: 'POST',
      headers: {
        'x-api-key': 'the-secret-key',
        authorization: 'Bearer the-secret-token',
        'user-agent': 'scout-test',
        'x-request-id': 'req-42',
      },
    });
    expect(response.headers.get('x-request-id')).toBe('req-42');
    await new Promise((resolve) => setImmediate(resolve));

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'request completed',
      req: {
        id: 'req-42',
        method: 'POST',
        url: '/api/tasks?limit=5',
        remoteAddress: '127.0.0.1',
        userAgent: 'scout-test',
      },
      res: { statusCode: 201 },
    });
    expect(JSON.stringify(lines)).not.toMatch(/the-secret/);
  });

  it('makes a request id when the request brings none, or one that is not a plain token', async () => {
    for (const given of [undefined, 'bad id with spaces']) {
      const response = await fetch(url, { headers: given ? { 'x-request-id': given } : {} });
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('does not log polls of /health and /metrics', async () => {
    await fetch(`${url}/health`);
    await fetch(`${url}/metrics`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual([]);
  });
});
