import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { PersistenceModule } from '../persistence/persistence.module';
import { HttpHandler } from './http.handler';
import { NoopHandler } from './noop.handler';
import { TaskHandlerRegistry } from './task-handler.registry';
import { TaskService } from './task.service';

@Module({
  imports: [DiscoveryModule, PersistenceModule],
  providers: [TaskHandlerRegistry, TaskService, NoopHandler, HttpHandler],
  exports: [TaskHandlerRegistry, TaskService],
})
export class TasksModule {}
