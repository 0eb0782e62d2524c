import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/persistence/data-source.options';
import { EmbeddedPostgres } from '../../src/persistence/embedded-postgres';
import { InstanceRepository } from '../../src/persistence/instance.repository';
import { RunClaimsRepository } from '../../src/persistence/run-claims.repository';
import { ScheduleEntity } from '../../src/persistence/schedule.entity';
import { ScheduleRepository } from '../../src/persistence/schedule.repository';
import { TaskRunEntity } from '../../src/persistence/task-run.entity';
import { TaskRunRepository } from '../../src/persistence/task-run.repository';
import { TaskEntity } from '../../src/persistence/task.entity';
import { TaskRepository } from '../../src/persistence/task.repository';
import { createTestDatabase, type DatabaseKind } from './test-database';

/** The persistence layer's repositories, built on one data source as the module builds them. */
export interface Repositories {
  dataSource: DataSource;
  claims: RunClaimsRepository;
  runs: TaskRunRepository;
  schedules: ScheduleRepository;
  instances: InstanceRepository;
  tasks: TaskRepository;
}

export interface RepositoryTestDatabase extends Repositories {
  kind: DatabaseKind;
  /**
   * The repositories on a second data source (its own connection pool) on the same database, for
   * statements that race. Real PostgreSQL only: PGlite serves a single connection.
   */
  connectAgain(): Promise<Repositories>;
  /** Empties every table the repositories write, so each test starts from nothing. */
  clear(): Promise<void>;
  /** Closes every data source, stops the embedded server and drops the database. */
  close(): Promise<void>;
}

function repositoriesOf(dataSource: DataSource): Repositories {
  return {
    dataSource,
    claims: new RunClaimsRepository(dataSource),
    runs: new TaskRunRepository(dataSource.getRepository(TaskRunEntity), dataSource),
    schedules: new ScheduleRepository(dataSource.getRepository(ScheduleEntity), dataSource),
    instances: new InstanceRepository(dataSource),
    tasks: new TaskRepository(dataSource.getRepository(TaskEntity), dataSource),
  };
}

async function connect(url: string, poolSize: number): Promise<DataSource> {
  const dataSource = new DataSource(buildDataSourceOptions(url, { poolSize }));
  await dataSource.initialize();
  return dataSource;
}

/**
 * A fresh database of its own (a temporary PGlite served on loopback as the service serves it, or
 * a new database on the DATABASE_URL server), migrated as at start-up, with the repositories.
 */
export async function openRepositoryTestDatabase(kind: DatabaseKind): Promise<RepositoryTestDatabase> {
  const database = await createTestDatabase(kind);
  let embedded: EmbeddedPostgres | null = null;
  const dataSources: DataSource[] = [];
  const close = async () => {
    for (const dataSource of dataSources.splice(0)) await dataSource.destroy().catch(() => undefined);
    await embedded?.stop();
    await database.drop();
  };
  try {
    embedded = kind === 'pglite' ? await EmbeddedPostgres.start(database.env.DATA_DIR) : null;
    const url = embedded ? embedded.url : database.env.DATABASE_URL;
    const poolSize = embedded ? 1 : 4;
    const dataSource = await connect(url, poolSize);
    dataSources.push(dataSource);
    await dataSource.runMigrations({ transaction: 'each' });
    return {
      kind,
      ...repositoriesOf(dataSource),
      connectAgain: async () => {
        if (embedded) throw new Error('PGlite serves one connection: no second data source');
        const another = await connect(url, poolSize);
        dataSources.push(another);
        return repositoriesOf(another);
      },
      clear: async () => {
        await dataSource.query('TRUNCATE task_run, schedule, task, scheduler_instance');
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
