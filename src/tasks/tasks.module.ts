import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { SCHEDULER_OPTIONS, SchedulerOptions } from '../config/scheduler-options';
import { PersistenceModule } from '../persistence/persistence.module';
import { EgressPolicy } from './egress/egress-policy';
import { GuardedDispatcher } from './egress/guarded-dispatcher';
import { HttpHandler } from './http.handler';
import { NoopHandler } from './noop.handler';
import { TaskHandlerRegistry } from './task-handler.registry';
import { TaskService } from './task.service';

@Module({
  imports: [DiscoveryModule, PersistenceModule],
  providers: [
    TaskHandlerRegistry,
    TaskService,
    NoopHandler,
    HttpHandler,
    // Built once from the options: a bad CIDR stops start-up with a ConfigurationError.
    {
      provide: EgressPolicy,
      inject: [SCHEDULER_OPTIONS],
      useFactory: (options: SchedulerOptions) => EgressPolicy.fromOptions(options),
    },
    GuardedDispatcher,
  ],
  exports: [TaskHandlerRegistry, TaskService],
})
export class TasksModule {}
