import {
  DynamicModule,
  Inject,
  InjectionToken,
  MiddlewareConsumer,
  Module,
  ModuleMetadata,
  NestModule,
  Optional,
  Provider,
  Type,
} from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { Clock } from '../common/clock';
import { SchedulerConfigModule } from '../config/scheduler-config.module';
import {
  resolveSchedulerOptions,
  SCHEDULER_MODULE_PARTS,
  SCHEDULER_OPTIONS,
  SchedulerModuleParts,
  SchedulerOptions,
} from '../config/scheduler-options';
import { EventsGateway } from '../events/events.gateway';
import { EventsModule } from '../events/events.module';
import { PersistenceModule } from '../persistence/persistence.module';
import { TasksModule } from '../tasks/tasks.module';
import { EventsController } from '../api/events.controller';
import { InstancesController } from '../api/instances.controller';
import { JsonBodyMiddleware } from '../api/json-body.middleware';
import { McpController } from '../api/mcp.controller';
import { FirePlanner } from '../engine/planner/fire-planner.service';
import { FireTimers } from '../engine/fire-timers';
import { InstanceIdentity } from '../engine/cluster/instance-identity';
import { RunExecutor } from '../engine/runner/run-executor.service';
import { RunJournal } from '../engine/runner/run-journal.service';
import { RunOutcomes } from '../engine/runner/run-outcomes';
import { RunRetries } from '../engine/runner/run-retries';
import { RunRetention } from '../engine/run-retention.service';
import { EngineLifecycle } from '../engine/engine-lifecycle.service';
import { ScheduleChangeBus } from '../engine/planner/schedule-change-bus.service';
import { ClusterMembership } from '../engine/cluster/cluster-membership.service';
import { ClusterPeers } from '../events/cluster-peers';
import { ScheduleService } from './schedule.service';
import { SchedulerStats } from './scheduler-stats';
import { SchedulesController } from '../api/schedules.controller';
import { SignalDispatcher } from '../engine/runner/signal-dispatcher.service';
import { TaskSchedulerService } from './task-scheduler.service';
import { TasksController } from '../api/tasks.controller';

const CONTROLLERS: Type[] = [TasksController, SchedulesController, EventsController, InstancesController];

/** The routes the requested parts mount: the REST API and the MCP server (`/mcp`). */
function controllersOf(parts: Required<SchedulerModuleParts>): Type[] {
  return [...(parts.rest ? CONTROLLERS : []), ...(parts.mcp ? [McpController] : [])];
}

/**
 * The scheduler as a Nest module: REST API, live events, runner and `TaskSchedulerService` for
 * the module importing it, whose app contributes handlers with `@TaskHandler('name')` providers
 * of its own. It exports `TaskSchedulerService`, `SchedulerEventEmitter` (EventsModule),
 * `TasksModule` and the read-only `SchedulerStats`; the engine stays inside. `rest: false` leaves
 * out the routes, `gateway: false` the Socket.IO gateway, `mcp: false` the MCP server at `/mcp`,
 * for hosts that only want DI.
 *
 *   imports: [SchedulerModule.forRoot({ databaseUrl: process.env.DATABASE_URL })]
 */
@Module({})
export class SchedulerModule implements NestModule {
  constructor(
    @Optional() @Inject(SCHEDULER_MODULE_PARTS) private readonly parts?: Required<SchedulerModuleParts>,
  ) {}

  static forRoot(options: Partial<SchedulerOptions> & SchedulerModuleParts = {}): DynamicModule {
    const { rest, gateway, mcp, ...schedulerOptions } = options;
    return SchedulerModule.build(
      { provide: SCHEDULER_OPTIONS, useValue: resolveSchedulerOptions(schedulerOptions) },
      { rest, gateway, mcp },
    );
  }

  static forRootAsync(
    options: SchedulerModuleParts & {
      imports?: ModuleMetadata['imports'];
      inject?: InjectionToken[];
      useFactory: (...args: never[]) => Partial<SchedulerOptions> | Promise<Partial<SchedulerOptions>>;
    },
  ): DynamicModule {
    return SchedulerModule.build(
      {
        provide: SCHEDULER_OPTIONS,
        inject: options.inject ?? [],
        useFactory: async (...args: never[]) => resolveSchedulerOptions(await options.useFactory(...args)),
      },
      options,
      options.imports,
    );
  }

  /** The module's routes refuse non-JSON bodies themselves, in the service and in any host app. */
  configure(consumer: MiddlewareConsumer): void {
    const controllers = this.parts ? controllersOf(this.parts) : [];
    if (controllers.length > 0) consumer.apply(JsonBodyMiddleware).forRoutes(...controllers);
  }

  private static build(
    options: Provider,
    requested: SchedulerModuleParts,
    imports: ModuleMetadata['imports'] = [],
  ): DynamicModule {
    const parts: Required<SchedulerModuleParts> = {
      rest: requested.rest ?? true,
      gateway: requested.gateway ?? true,
      mcp: requested.mcp ?? true,
    };
    return {
      module: SchedulerModule,
      imports: [
        SchedulerConfigModule.forRoot(options, imports),
        ScheduleModule.forRoot(),
        PersistenceModule,
        TasksModule,
        EventsModule,
      ],
      controllers: controllersOf(parts),
      providers: [
        { provide: SCHEDULER_MODULE_PARTS, useValue: parts },
        {
          provide: Clock,
          inject: [SCHEDULER_OPTIONS],
          useFactory: (o: SchedulerOptions) => new Clock(o.clockSkewMs),
        },
        InstanceIdentity,
        FireTimers,
        RunJournal,
        RunOutcomes,
        RunRetries,
        RunExecutor,
        FirePlanner,
        SignalDispatcher,
        ScheduleService,
        TaskSchedulerService,
        EngineLifecycle,
        RunRetention,
        ScheduleChangeBus,
        ClusterMembership,
        { provide: ClusterPeers, useExisting: ClusterMembership },
        ...(parts.gateway ? [EventsGateway] : []),
        SchedulerStats,
      ],
      exports: [TaskSchedulerService, TasksModule, EventsModule, SchedulerStats],
    };
  }
}
