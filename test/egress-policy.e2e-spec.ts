import type { TaskRunView as Run } from '../src/api/contract';
import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { SchedulerOptions } from '../src/config/scheduler-options';
import { SchedulerModule } from '../src/scheduler/scheduler.module';
import { TaskSchedulerService } from '../src/scheduler/task-scheduler.service';
import { expectError } from './support/error-assertions';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor, WebhookServer } from './support/webhook-server';

/**
 * The egress policy of the http handler, with every request on loopback: 127.0.0.2 (or 127.0.0.1)
 * stands for a forbidden address through HTTP_EGRESS_DENY, and webhook servers listen on it to
 * show that nothing reaches them. Link-local and metadata addresses are only ever refused at save
 * time: no test sends anything to them.
 */
describe.each(DATABASE_KINDS)('egress policy on %s', (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });

  afterAll(async () => {
    await database?.drop();
  });

  async function finishedRun(service: TestApp, taskId: string, runId: string): Promise<Run> {
    return waitFor(
      async () => {
        const { body } = await request(service.url).get(`/api/tasks/${taskId}/runs`).expect(200);
        return (body.items as Run[]).find(
          (run) => run.id === runId && !['pending', 'running'].includes(run.status),
        );
      },
      15_000,
      `run ${runId} to end`,
    );
  }

  /** Saves an http task to `url` and runs it once by hand; returns the finished run. */
  async function runOnce(service: TestApp, url: string): Promise<Run> {
    const { body: task } = await request(service.url)
      .post('/api/tasks')
      .send({ name: `calls ${url}`, handler: 'http', payload: { url } })
      .expect(201);
    const { body: run } = await request(service.url).post(`/api/tasks/${task.id}/run`).expect(202);
    return finishedRun(service, task.id as string, run.id as string);
  }

  describe('HTTP_EGRESS_DENY=127.0.0.2/32', () => {
    let service: TestApp;
    let denied: WebhookServer;
    let relay: WebhookServer;
    let deniedPort: number;

    beforeAll(async () => {
      denied = await new WebhookServer().start('127.0.0.2');
      deniedPort = Number(new URL(denied.url).port);
      relay = await new WebhookServer().start('127.0.0.1');
      relay.respond = (call) => {
        const hops = /^\/hops\/(\d+)$/.exec(call.path);
        if (hops) {
          const left = Number(hops[1]);
          return left === 0
            ? { status: 200, body: '{"arrived":true}' }
            : { status: 302, headers: { location: `/hops/${left - 1}` } };
        }
        if (call.path === '/to-denied') return { status: 307, headers: { location: `${denied.url}/stolen` } };
        if (call.path === '/to-denied-decimal')
          return { status: 301, headers: { location: `http://2130706434:${deniedPort}/stolen` } };
        if (call.path === '/big') return { status: 200, body: 'x'.repeat(5 * 1024 * 1024) };
        if (call.path === '/big-json')
          return { status: 200, body: JSON.stringify({ data: 'y'.repeat(4 << 20) }) };
        return { status: 200, body: '{"ok":true}' };
      };
      service = await startTestApp({ ...database.env, HTTP_EGRESS_DENY: '127.0.0.2/32' });
    });

    afterAll(async () => {
      await service?.close();
      await denied?.stop();
      await relay?.stop();
    });

    it.each([
      ['the literal', () => `${denied.url}/hook`],
      ['decimal', () => `http://2130706434:${deniedPort}/hook`],
      ['hex', () => `http://0x7f000002:${deniedPort}/hook`],
      ['dotted hex', () => `http://0x7f.0x0.0x0.0x2:${deniedPort}/hook`],
      ['octal', () => `http://0177.0.0.02:${deniedPort}/hook`],
      ['single octal number', () => `http://017700000002:${deniedPort}/hook`],
      ['the short form 127.0.2', () => `http://127.0.2:${deniedPort}/hook`],
      ['the short form 127.2 (127.0.0.2 as two parts)', () => `http://127.2:${deniedPort}/hook`],
      ['a trailing dot', () => `http://127.0.0.2.:${deniedPort}/hook`],
      ['percent-encoding', () => `http://%31%32%37.0.0.2:${deniedPort}/hook`],
      ['full-width digits', () => `http://\uff11\uff12\uff17.0.0.2:${deniedPort}/hook`],
      ['IPv4-mapped IPv6', () => `http://[::ffff:127.0.0.2]:${deniedPort}/hook`],
      ['IPv4-mapped IPv6 in hex', () => `http://[::ffff:7f00:2]:${deniedPort}/hook`],
      ['IPv4-mapped IPv6, long form', () => `http://[0:0:0:0:0:ffff:7f00:0002]:${deniedPort}/hook`],
    ])('refuses 127.0.0.2 spelled as %s at save time, naming the policy', async (_, url) => {
      const response = await request(service.url)
        .post('/api/tasks')
        .send({ name: 'sneaky', handler: 'http', payload: { url: url() } });
      expectError(
        response,
        400,
        'Bad Request',
        'payload.url: 127.0.0.2 is denied by the egress policy (in HTTP_EGRESS_DENY: 127.0.0.2/32)',
      );
      expect(denied.calls).toHaveLength(0);
    });

    it('refuses 127.0.0.2 as an IPv4-compatible IPv6 address too', async () => {
      const response = await request(service.url)
        .post('/api/tasks')
        .send({ name: 'sneaky', handler: 'http', payload: { url: `http://[::127.0.0.2]:${deniedPort}/` } });
      expectError(
        response,
        400,
        'Bad Request',
        'payload.url: ::7f00:2 is denied by the egress policy (in HTTP_EGRESS_DENY: 127.0.0.2/32)',
      );
    });

    it.each([
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254', 'link-local'],
      ['http://2852039166/latest/meta-data/', '169.254.169.254', 'link-local'],
      ['http://0xa9fea9fe/', '169.254.169.254', 'link-local'],
      ['http://0xa9.0xfe.0xa9.0xfe/', '169.254.169.254', 'link-local'],
      ['http://0251.0376.0251.0376/', '169.254.169.254', 'link-local'],
      ['http://169.254.43518/', '169.254.169.254', 'link-local'],
      ['http://[::ffff:169.254.169.254]/', '169.254.169.254', 'link-local'],
      ['http://[::ffff:a9fe:a9fe]/', '169.254.169.254', 'link-local'],
      ['http://[::169.254.169.254]/', '::a9fe:a9fe', 'link-local'],
      ['http://[64:ff9b::169.254.169.254]/', '64:ff9b::a9fe:a9fe', 'link-local'],
      ['http://[fe80::1]/', 'fe80::1', 'link-local'],
      ['http://100.100.100.200/', '100.100.100.200', 'cloud metadata'],
      ['http://[fd00:ec2::254]/', 'fd00:ec2::254', 'cloud metadata'],
      ['http://0.0.0.0:8080/', '0.0.0.0', 'this network, 0.0.0.0/8'],
      ['http://0/', '0.0.0.0', 'this network, 0.0.0.0/8'],
      ['http://[::]/', '::', 'unspecified'],
      ['http://224.0.0.1/', '224.0.0.1', 'multicast'],
      ['http://[ff02::1]/', 'ff02::1', 'multicast'],
      ['http://255.255.255.255/', '255.255.255.255', 'broadcast'],
    ])('refuses %s at save time only (%s, %s)', async (url, address, label) => {
      const response = await request(service.url)
        .post('/api/tasks')
        .send({ name: 'metadata', handler: 'http', payload: { url } });
      expectError(
        response,
        400,
        'Bad Request',
        `payload.url: ${address} is denied by the egress policy (${label})`,
      );
    });

    it('refuses an update to a denied address and leaves the stored task as it was', async () => {
      const payload = { url: `${relay.url}/fine`, method: 'POST' };
      const { body: task } = await request(service.url)
        .post('/api/tasks')
        .send({ name: 'fine', handler: 'http', payload })
        .expect(201);
      const response = await request(service.url)
        .patch(`/api/tasks/${task.id}`)
        .send({ payload: { url: `http://0x7f000002:${deniedPort}/` } });
      expectError(
        response,
        400,
        'Bad Request',
        'payload.url: 127.0.0.2 is denied by the egress policy (in HTTP_EGRESS_DENY: 127.0.0.2/32)',
      );
      const { body: stored } = await request(service.url).get(`/api/tasks/${task.id}`).expect(200);
      expect(stored.payload).toEqual(payload);
    });

    it.each([
      ['its literal', '/to-denied', () => `${denied.url}/stolen`],
      ['its decimal spelling', '/to-denied-decimal', () => `http://127.0.0.2:${deniedPort}/stolen`],
    ])(
      'fails a run redirected to the denied address by %s, which receives nothing',
      async (_, path, target) => {
        const done = await runOnce(service, `${relay.url}${path}`);
        expect(done.status).toBe('failed');
        expect(done.error).toBe(
          `POST ${relay.url}${path} refused: 127.0.0.2 is denied by the egress policy ` +
            `(in HTTP_EGRESS_DENY: 127.0.0.2/32), reached by a redirect to ${target()}`,
        );
        expect(relay.callsTo(path)).toHaveLength(1);
        expect(denied.calls).toHaveLength(0);
      },
    );

    it('follows 5 redirects and refuses a 6th', async () => {
      const five = await runOnce(service, `${relay.url}/hops/5`);
      expect(five).toMatchObject({ status: 'succeeded', result: { status: 200, body: { arrived: true } } });
      const six = await runOnce(service, `${relay.url}/hops/6`);
      expect(six.status).toBe('failed');
      expect(six.error).toBe(
        `POST ${relay.url}/hops/6 failed: stopped after 5 redirects (at most 5 are followed)`,
      );
      expect(relay.callsTo('/hops/0')).toHaveLength(1);
    });

    it('stores at most 16 KiB of an answer of several MiB', async () => {
      const text = await runOnce(service, `${relay.url}/big`);
      expect(text.status).toBe('succeeded');
      expect(text.result).toEqual({ status: 200, body: 'x'.repeat(16 * 1024) });
      // Cut JSON is no longer JSON: its first 16 KiB are kept as text.
      const json = await runOnce(service, `${relay.url}/big-json`);
      expect(json.status).toBe('succeeded');
      const body = (json.result as { body: string }).body;
      expect(Buffer.byteLength(body)).toBe(16 * 1024);
      expect(body.startsWith('{"data":"yyyy')).toBe(true);
    });
  });

  describe('HTTP_EGRESS_ALLOW=127.0.0.3/32,localhost with HTTP_EGRESS_DENY=127.0.0.1/32,::1/128', () => {
    let service: TestApp;
    let loopback: WebhookServer;
    let relay: WebhookServer;

    beforeAll(async () => {
      loopback = await new WebhookServer().start('127.0.0.1');
      relay = await new WebhookServer().start('127.0.0.3');
      relay.respond = (call) =>
        call.path === '/to-localhost'
          ? { status: 302, headers: { location: `http://localhost:${new URL(loopback.url).port}/stolen` } }
          : { status: 200, body: '{"ok":true}' };
      service = await startTestApp({
        ...database.env,
        HTTP_EGRESS_ALLOW: '127.0.0.3/32,localhost',
        HTTP_EGRESS_DENY: '127.0.0.1/32,::1/128',
      });
    });

    afterAll(async () => {
      await service?.close();
      await loopback?.stop();
      await relay?.stop();
    });

    it.each([
      ['http://127.0.0.4/', '127.0.0.4'],
      ['http://127.4/', '127.0.0.4'],
      ['http://[::1]/', '::1'],
      ['http://10.0.0.1/', '10.0.0.1'],
      ['http://example.com/', 'example.com'],
      ['http://localhost.localdomain/', 'localhost.localdomain'],
    ])('refuses %s at save time (not allowed, or denied)', async (url, subject) => {
      const response = await request(service.url)
        .post('/api/tasks')
        .send({ name: 'elsewhere', handler: 'http', payload: { url } });
      // ::1 is in the deny list too; the deny message wins for it.
      const reason = subject === '::1' ? 'in HTTP_EGRESS_DENY: ::1/128' : 'not in HTTP_EGRESS_ALLOW';
      expectError(
        response,
        400,
        'Bad Request',
        `payload.url: ${subject} is denied by the egress policy (${reason})`,
      );
    });

    it('calls an allowed address', async () => {
      const done = await runOnce(service, `${relay.url}/fine`);
      expect(done).toMatchObject({ status: 'succeeded', result: { status: 200, body: { ok: true } } });
    });

    it('checks a listed host name on the address it resolves to: localhost → 127.0.0.1 is refused at connect time', async () => {
      const url = `http://localhost:${new URL(loopback.url).port}/hook`;
      const done = await runOnce(service, url);
      expect(done.status).toBe('failed');
      // localhost may resolve to ::1 as well (denied too): each refused address is named.
      expect(done.error).toMatch(new RegExp(`^POST ${url} refused: `));
      expect(done.error).toContain(
        'localhost (127.0.0.1) is denied by the egress policy (in HTTP_EGRESS_DENY: 127.0.0.1/32)',
      );
      expect(loopback.calls).toHaveLength(0);
    });

    it('checks a redirect to a host name at connect time too', async () => {
      const done = await runOnce(service, `${relay.url}/to-localhost`);
      expect(done.status).toBe('failed');
      expect(done.error).toMatch(new RegExp(`^POST ${relay.url}/to-localhost refused: `));
      expect(done.error).toContain(
        'localhost (127.0.0.1) is denied by the egress policy (in HTTP_EGRESS_DENY: 127.0.0.1/32)',
      );
      expect(done.error).toMatch(
        new RegExp(`, reached by a redirect to http://localhost:${new URL(loopback.url).port}/stolen$`),
      );
      expect(relay.callsTo('/to-localhost')).toHaveLength(1);
      expect(loopback.calls).toHaveLength(0);
    });
  });

  describe('inside a host app (SchedulerModule.forRoot options)', () => {
    function hostModule(options: Partial<SchedulerOptions>) {
      @Module({
        imports: [
          SchedulerModule.forRoot({
            rest: false,
            gateway: false,
            databaseUrl: database.env.DATABASE_URL,
            dataDir: database.env.DATA_DIR,
            ...options,
          }),
        ],
      })
      class HostModule {}
      return HostModule;
    }

    it('applies httpEgressDeny and httpEgressAllow to tasks the host creates', async () => {
      const host: INestApplication = await NestFactory.create(
        hostModule({ httpEgressDeny: ['127.0.0.2/32'], httpEgressAllow: ['127.0.0.0/8', 'hooks.example'] }),
        { logger: false, abortOnError: false },
      );
      try {
        await host.init();
        const scheduler = host.get(TaskSchedulerService);
        const create = (url: string) =>
          scheduler.createTask({ name: 'host task', handler: 'http', payload: { url } });
        await expect(create('http://2130706434/')).rejects.toThrow(
          'payload.url: 127.0.0.2 is denied by the egress policy (in HTTP_EGRESS_DENY: 127.0.0.2/32)',
        );
        await expect(create('http://10.0.0.1/')).rejects.toThrow(
          'payload.url: 10.0.0.1 is denied by the egress policy (not in HTTP_EGRESS_ALLOW)',
        );
        await expect(create('http://[fe80::1]/')).rejects.toThrow(
          'payload.url: fe80::1 is denied by the egress policy (link-local)',
        );
        expect(await create('http://127.0.0.3/')).toMatchObject({ handler: 'http' });
        expect(await create('https://hooks.example/x')).toMatchObject({ handler: 'http' });
      } finally {
        await host.close();
      }
    });

    it('refuses a bad option at forRoot, naming it, before anything connects', () => {
      expect(() => hostModule({ httpEgressAllow: ['127.0.0.0/8', 'not a name'] })).toThrow(
        'Invalid configuration: httpEgressAllow must list CIDRs (such as 10.0.0.0/8 or fd00::/8), addresses or host names (got "not a name")',
      );
    });
  });

  it('refuses to start with a bad CIDR, naming the variable', async () => {
    await expect(startTestApp({ ...database.env, HTTP_EGRESS_DENY: '127.0.0.2/33' })).rejects.toThrow(
      'Invalid configuration: HTTP_EGRESS_DENY must list CIDRs (such as 10.0.0.0/8 or fd00::/8) or addresses (got "127.0.0.2/33")',
    );
  });
});
