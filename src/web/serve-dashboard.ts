import type { INestApplication } from '@nestjs/common';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import helmet from 'helmet';

export interface DashboardOptions {
  /** Where the page answers, e.g. `/` (the service) or `/scheduler` (a host app); default `/`. */
  path?: string;
  /** The built assets (`npm run build` writes `dist/dashboard/`); default: the package's own. */
  assetsDir?: string;
}

interface Asset {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * The page's policy: its own scripts and styles only (no inline script, no CDN), REST and
 * Socket.IO to its own origin. Helmet's default also asks to upgrade insecure requests, which
 * would send a page served over plain HTTP (a LAN, a container) to https for its own API.
 */
const dashboardHelmet = helmet({
  contentSecurityPolicy: {
    useDefaults: true,
    directives: {
      'connect-src': ["'self'"],
      'style-src': ["'self'"],
      'upgrade-insecure-requests': null,
    },
  },
});

/** The built assets shipped in the package: `dist/dashboard/`, beside the compiled `dist/web/`. */
function defaultAssetsDir(): string {
  // Compiled (CommonJS) code knows its folder; the sources run as ES modules under Jest from the
  // project root, where the build is `dist/dashboard`.
  return typeof __dirname === 'string' && !__dirname.endsWith('src/web')
    ? join(__dirname, '..', 'dashboard')
    : join(process.cwd(), 'dist', 'dashboard');
}

/**
 * Serves the dashboard (a static page built by `npm run build`) at `options.path` of an Express
 * app. The few assets are read once and kept in memory, so the page costs the API routes no file
 * lookups; Express answers with ETags and 304s. The page talks to the REST API and Socket.IO on
 * its own origin, so the app must serve the scheduler's routes and gateway too.
 */
export function serveDashboard(app: INestApplication, options: DashboardOptions = {}): void {
  const base = (options.path ?? '/').replace(/\/+$/, '');
  const dir = options.assetsDir ?? defaultAssetsDir();
  const assets = new Map<string, Asset>();
  if (existsSync(join(dir, 'index.html'))) {
    for (const name of readdirSync(dir)) {
      const type = TYPES[extname(name)];
      if (type) assets.set(`${base}/${name}`, { body: readFileSync(join(dir, name)), type });
    }
    assets.set(base === '' ? '/' : base, assets.get(`${base}/index.html`)!);
    if (base !== '') assets.set(`${base}/`, assets.get(`${base}/index.html`)!);
  }
  const express = app.getHttpAdapter().getInstance() as {
    use(handler: (request: Req, response: Res, next: () => void) => void): void;
  };
  express.use((request, response, next) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    const asset = assets.get(request.path);
    if (!asset) {
      if (assets.size === 0 && (request.path === base || request.path === `${base}/`))
        return void response.status(404).json({
          statusCode: 404,
          error: 'Not Found',
          message: `the dashboard is not built (no ${join(dir, 'index.html')}); run npm run build`,
        });
      return next();
    }
    dashboardHelmet(request as never, response as never, () => {
      response.set('Cache-Control', 'no-cache');
      response.type(asset.type);
      response.send(asset.body);
    });
  });
}

interface Req {
  method: string;
  path: string;
}
interface Res {
  status(code: number): Res;
  json(body: unknown): void;
  set(name: string, value: string): void;
  type(type: string): void;
  send(body: Buffer): void;
}
