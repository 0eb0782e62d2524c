import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { INestApplication, Logger } from '@nestjs/common';
import { accessNotice, accessSummary, ListenAddress } from './config/listen-address';
import { InstanceIdentity } from './engine/cluster/instance-identity';
import { DatabaseEndpoint } from './persistence/database-endpoint';

export interface StartupFacts {
  url: string;
  /** Who it answers (`accessSummary`). */
  access: string;
  database: string;
  instanceId: string;
  version: string;
}

/** The URL a server bound to `address` answers on (`http://127.0.0.1:3000`, `http://[::]:3000`). */
export function listeningUrl(address: AddressInfo | string | null): string {
  if (address === null) return 'an unknown address';
  if (typeof address === 'string') return address;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** The version in the nearest `package.json` at or above `from` (the folder `main.js` is in). */
export function packageVersion(from: string): string {
  for (let folder = from; ; folder = dirname(folder)) {
    const file = join(folder, 'package.json');
    if (existsSync(file)) {
      const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
      return typeof version === 'string' ? version : 'unknown';
    }
    if (dirname(folder) === folder) return 'unknown';
  }
}

export const readyMessage = ({ url, access, database, instanceId, version }: StartupFacts): string =>
  `Scout Scheduler ${version} ready on ${url} (${access}); database: ${database}; instance ${instanceId}`;

/**
 * Logs, once the app listens, where it answers (the address the server is bound to) and to whom,
 * the database it uses, who it is and its version; without an API key first a warning that says
 * how to open it up.
 */
export function reportReady(app: INestApplication, packageFolder: string, listen: ListenAddress): void {
  const server = app.getHttpServer() as { address(): AddressInfo | string | null };
  const logger = new Logger('ScoutScheduler');
  const notice = accessNotice(listen);
  if (notice) logger.warn(notice);
  const facts: StartupFacts = {
    url: listeningUrl(server.address()),
    access: accessSummary(listen.mode),
    database: app.get(DatabaseEndpoint, { strict: false }).description,
    instanceId: app.get(InstanceIdentity, { strict: false }).id,
    version: packageVersion(packageFolder),
  };
  logger.log({ msg: readyMessage(facts), ...facts });
}
