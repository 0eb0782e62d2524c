import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { TASK_HANDLER_METADATA, TaskHandler } from './task-handler';

/** Handlers by name: every `@TaskHandler` provider of the app, plus any registered by hand. */
@Injectable()
export class TaskHandlerRegistry implements OnModuleInit {
  private readonly logger = new Logger(TaskHandlerRegistry.name);
  private readonly handlers = new Map<string, TaskHandler>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      const metatype = wrapper.metatype;
      if (!instance || !metatype || typeof metatype !== 'function') continue;
      const name = this.reflector.get<string | undefined>(TASK_HANDLER_METADATA, metatype);
      if (name) this.register(name, instance as TaskHandler);
    }
    this.logger.log(`Task handlers: ${this.names().join(', ')}`);
  }

  register(name: string, handler: TaskHandler): void {
    if (typeof handler.run !== 'function')
      throw new Error(`Task handler "${name}" has no run(context) method`);
    const existing = this.handlers.get(name);
    if (existing && existing !== handler) throw new Error(`Two task handlers are named "${name}"`);
    this.handlers.set(name, handler);
  }

  get(name: string): TaskHandler | undefined {
    return this.handlers.get(name);
  }

  names(): string[] {
    return [...this.handlers.keys()].sort();
  }
}
