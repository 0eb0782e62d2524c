import { Writable } from 'node:stream';
import { Controller, Get, INestApplication, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PinoLogger } from './pino-logger';
import { RequestLoggingModule } from './request-logging.module';

@Controller()
class ProbeController {
  private readonly logger = new Logger('Probe');

  @Get('probe')
  probe(): { ok: boolean } {
    this.logger.warn('probing');
    return { ok: true };
  }
}

describe('RequestLoggingModule', () => {
  let app: INestApplication;
  let lines: Array<Record<string, unknown>>;
  let url: string;

  beforeAll(async () => {
    lines = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    @Module({ imports: [RequestLoggingModule.forRoot('info', sink)], controllers: [ProbeController] })
    class ProbeModule {}
    app = await NestFactory.create(ProbeModule, { logger: false });
    app.useLogger(app.get(PinoLogger));
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(() => app.close());

  it("answers with a request id and logs the app's lines and the request's line with it", async () => {
    lines.length = 0;
    const response = await fetch(`${url}/probe`, { headers: { 'x-request-id': 'probe-1' } });
    expect(response.headers.get('x-request-id')).toBe('probe-1');
    await new Promise((resolve) => setImmediate(resolve));

    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        context: 'Probe',
        msg: 'probing',
        req: expect.objectContaining({ id: 'probe-1' }),
      }),
      expect.objectContaining({
        msg: 'request completed',
        req: expect.objectContaining({ id: 'probe-1', url: '/probe' }),
      }),
    ]);
  });

  it('gives a request id to routes the app does not have', async () => {
    const response = await fetch(`${url}/nowhere`);
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
