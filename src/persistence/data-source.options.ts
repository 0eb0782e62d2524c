import { DataSourceOptions } from 'typeorm';
import { InitialSchema1764115200000 } from './migrations/1764115200000-initial-schema';
import { Cluster1764201600000 } from './migrations/1764201600000-cluster';
import { StartWatermark1764374400000 } from './migrations/1764374400000-start-watermark';
import { LeanerRunIndexes1764460800000 } from './migrations/1764460800000-leaner-run-indexes';
import { RunChainDepth1764547200000 } from './migrations/1764547200000-run-chain-depth';
import { ScheduleText1764640800000 } from './migrations/1764640800000-schedule-text';
import { InstanceEntity } from './instance.entity';
import { ScheduleEntity } from './schedule.entity';
import { TaskRunEntity } from './task-run.entity';
import { TaskEntity } from './task.entity';

export const ENTITIES = [TaskEntity, ScheduleEntity, TaskRunEntity, InstanceEntity];
export const MIGRATIONS = [
  InitialSchema1764115200000,
  Cluster1764201600000,
  StartWatermark1764374400000,
  LeanerRunIndexes1764460800000,
  RunChainDepth1764547200000,
  ScheduleText1764640800000,
];

/**
 * One set of options for the app, the TypeORM CLI and the tests. Schema changes only ever go
 * through migrations (run at start-up), never `synchronize`.
 */
export function buildDataSourceOptions(url: string, options: { poolSize: number }): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    // Run at start-up by SchemaMigrator, under a lock when instances share a server.
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    // gen_random_uuid() is core PostgreSQL and exists in PGlite; no extension to install.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    extra: { max: options.poolSize },
  };
}
