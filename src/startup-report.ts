import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { INestApplication, Logger } from '@nestjs/common';
import { InstanceIdentity } from './engine/cluster/instance-identity';
import { DatabaseEndpoint } from './persistence/database-endpoint';

export interface StartupFacts {
  url: string;
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

export const readyMessage = ({ url, database, instanceId, version }: StartupFacts): string =>
  `Scout Scheduler ${version} ready on ${url}; database: ${database}; instance ${instanceId}`;

/** Logs, once the app listens, where it answers, the database it uses, who it is and its version. */
export function reportReady(app: INestApplication, packageFolder: string): void {
  const server = app.getHttpServer() as { address(): AddressInfo | string | null };
  const facts: StartupFacts = {
    url: listeningUrl(server.address()),
    database: app.get(DatabaseEndpoint, { strict: false }).description,
    instanceId: app.get(InstanceIdentity, { strict: false }).id,
    version: packageVersion(packageFolder),
  };
  new Logger('ScoutScheduler').log({ msg: readyMessage(facts), ...facts });
}
