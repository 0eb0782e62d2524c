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
  ) {}

  get kind(): 'postgres' | 'embedded' {
    return this.embedded ? 'embedded' : 'postgres';
  }

  static async open(options: SchedulerOptions): Promise<DatabaseEndpoint> {
    if (options.databaseUrl) return new DatabaseEndpoint(options.databaseUrl, options.databasePoolSize, null);
    const embedded = await EmbeddedPostgres.start(options.dataDir);
    DatabaseEndpoint.logger.log(
      `No DATABASE_URL: using embedded PostgreSQL (PGlite) under ${options.dataDir}`,
    );
    return new DatabaseEndpoint(embedded.url, 1, embedded);
  }

  async onApplicationShutdown(): Promise<void> {
    // TypeORM closes its pool in its own shutdown hook; let that finish before the server goes.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await this.embedded?.stop();
  }
}
