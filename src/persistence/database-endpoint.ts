import { resolve as resolvePath } from 'node:path';
import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerOptions } from '../config/scheduler-options';
import { EmbeddedPostgres } from './embedded-postgres';

/** Where the database is: the configured server, or an embedded PGlite this process started. */
export class DatabaseEndpoint implements OnApplicationShutdown {
  private static readonly logger = new Logger('Database');

  private constructor(
    readonly url: string,
    readonly poolSize: number,
    private readonly embedded: EmbeddedPostgres | null,
    /** What a log may say about it: the embedded folder, or the server without credentials. */
    readonly description: string,
  ) {}

  get kind(): 'postgres' | 'embedded' {
    return this.embedded ? 'embedded' : 'postgres';
  }

  static async open(options: SchedulerOptions): Promise<DatabaseEndpoint> {
    const { databaseUrl, databasePoolSize } = options;
    if (databaseUrl)
      return new DatabaseEndpoint(databaseUrl, databasePoolSize, null, describeServer(databaseUrl));
    const embedded = await EmbeddedPostgres.start(options.dataDir);
    DatabaseEndpoint.logger.log(
      `No DATABASE_URL: using embedded PostgreSQL (PGlite) under ${options.dataDir}`,
    );
    const description = `embedded PostgreSQL (PGlite) in ${resolvePath(options.dataDir)}`;
    return new DatabaseEndpoint(embedded.url, 1, embedded, description);
  }

  async onApplicationShutdown(): Promise<void> {
    // TypeORM closes its pool in its own shutdown hook; let that finish before the server goes.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await this.embedded?.stop();
  }
}

/** A server URL as a log may show it: host, port and database, never the user or the password. */
export function describeServer(url: string): string {
  try {
    const parsed = new URL(url);
    // A socket directory may be given as `?host=/var/run/postgresql` instead of a host name.
    const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
    const database = decodeURIComponent(parsed.pathname.slice(1)) || '(the default)';
    return `PostgreSQL server ${host}:${parsed.port || '5432'}, database ${database}`;
  } catch {
    return 'PostgreSQL server (its URL does not parse, so it is not shown)';
  }
}
