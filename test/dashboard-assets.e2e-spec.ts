import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { serveDashboard } from '../src/index';

@Module({})
class EmptyModule {}

async function appWith(options: Parameters<typeof serveDashboard>[1]): Promise<INestApplication> {
  const app = await NestFactory.create(EmptyModule, { logger: false });
  serveDashboard(app, options);
  await app.init();
  return app;
}

/** `serveDashboard` as a host app mounts it: the built page under a path of its choice. */
describe('serveDashboard in a host app', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await appWith({ path: '/scheduler' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('serves the page and its assets under the path, with a CSP that allows only its own origin', async () => {
    const page = await request(app.getHttpServer()).get('/scheduler/').expect(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<script type="module" src="./app.js"></script>');
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(csp).not.toContain('unsafe-inline');
    await request(app.getHttpServer()).get('/scheduler').expect(200);

    const script = await request(app.getHttpServer()).get('/scheduler/app.js').expect(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('no-cache');
    // Revalidation by ETag: the same build answers 304.
    await request(app.getHttpServer())
      .get('/scheduler/app.js')
      .set('If-None-Match', script.headers.etag)
      .expect(304);
    const styles = await request(app.getHttpServer()).get('/scheduler/app.css').expect(200);
    expect(styles.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('leaves every other path and method to the app', async () => {
    await request(app.getHttpServer()).get('/').expect(404);
    await request(app.getHttpServer()).get('/scheduler/missing.js').expect(404);
    await request(app.getHttpServer()).post('/scheduler/app.js').expect(404);
  });

  it('says the page is not built when its folder holds no build', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'scout-dashboard-'));
    const bare = await appWith({ assetsDir: empty });
    try {
      const { body } = await request(bare.getHttpServer()).get('/').expect(404);
      expect(body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: `the dashboard is not built (no ${join(empty, 'index.html')}); run npm run build`,
      });
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
