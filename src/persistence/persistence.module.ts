import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SCHEDULER_OPTIONS, SchedulerOptions } from '../config/scheduler-options';
import { buildDataSourceOptions, ENTITIES } from './data-source.options';
import { DatabaseEndpoint } from './database-endpoint';
import { DatabaseState } from './database-state.service';
import { InstanceRepository } from './instance.repository';
import { SchemaMigrator } from './schema-migrator';
import { SCOUT_DATA_SOURCE } from './scout-data-source';
import { ScheduleRepository } from './schedule.repository';
import { RunClaimsRepository } from './run-claims.repository';
import { TaskRunRepository } from './task-run.repository';
import { TaskRepository } from './task.repository';
import { TableMaintenance } from './table-maintenance.service';

@Module({
  providers: [
    {
      provide: DatabaseEndpoint,
      inject: [SCHEDULER_OPTIONS],
      useFactory: (options: SchedulerOptions) => DatabaseEndpoint.open(options),
    },
  ],
  exports: [DatabaseEndpoint],
})
class DatabaseEndpointModule {}

/**
 * The scheduler's own data source (named, so a host app's default TypeORM connection is left
 * alone) and the repositories that speak in the scheduler's terms.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      name: SCOUT_DATA_SOURCE,
      imports: [DatabaseEndpointModule],
      inject: [DatabaseEndpoint],
      useFactory: (endpoint: DatabaseEndpoint) => ({
        ...buildDataSourceOptions(endpoint.url, { poolSize: endpoint.poolSize }),
        retryAttempts: 2,
        retryDelay: 1000,
        // An idle connection that dies is reported to DatabaseState, which logs the outage once.
        poolErrorHandler: () => undefined,
      }),
    }),
    TypeOrmModule.forFeature(ENTITIES, SCOUT_DATA_SOURCE),
    DatabaseEndpointModule,
  ],
  providers: [
    SchemaMigrator,
    DatabaseState,
    TableMaintenance,
    TaskRepository,
    ScheduleRepository,
    TaskRunRepository,
    RunClaimsRepository,
    InstanceRepository,
  ],
  exports: [
    DatabaseState,
    TaskRepository,
    ScheduleRepository,
    TaskRunRepository,
    RunClaimsRepository,
    InstanceRepository,
    DatabaseEndpointModule,
  ],
})
export class PersistenceModule {}
