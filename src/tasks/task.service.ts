import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '../domain/domain-error';
import { PageCursor } from '../common/cursor';
import { SCHEDULER_OPTIONS, SchedulerOptions } from '../config/scheduler-options';
import { TaskEntity } from '../persistence/task.entity';
import { NewTask, TaskChanges, TaskRepository } from '../persistence/task.repository';
import { TaskHandlerRegistry } from './task-handler.registry';
import { mergeSecretHeaders } from './secret-header-update';

export const MAX_PAYLOAD_BYTES = 64 * 1024;

export interface TaskInput {
  name: string;
  description?: string | null;
  handler?: string;
  payload?: Record<string, unknown> | null;
}

/** Tasks as stored rows: checks handler names and payloads before anything is written. */
@Injectable()
export class TaskService {
  constructor(
    private readonly tasks: TaskRepository,
    private readonly handlers: TaskHandlerRegistry,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
  ) {}

  /** Validates without writing, so a request that also carries a schedule can be checked whole first. */
  prepare(input: TaskInput): NewTask {
    const task: NewTask = {
      name: input.name,
      description: input.description ?? null,
      handler: input.handler ?? this.options.defaultHandler,
      payload: input.payload ? mergeSecretHeaders(null, input.payload) : null,
    };
    this.assertRunnable(task);
    return task;
  }

  create(task: NewTask): Promise<TaskEntity> {
    return this.tasks.create(task);
  }

  async get(id: string): Promise<TaskEntity> {
    const task = await this.tasks.findById(id);
    if (!task) throw new DomainError(ErrorCode.TaskNotFound, `task ${id} not found`);
    return task;
  }

  async assertExists(id: string, label = 'task'): Promise<void> {
    if (!(await this.tasks.exists(id)))
      throw new DomainError(ErrorCode.TaskNotFound, `${label} ${id} not found`);
  }

  listPage(limit: number, after: PageCursor | null): Promise<TaskEntity[]> {
    return this.tasks.listPage(limit, after);
  }

  async update(id: string, changes: TaskChanges): Promise<TaskEntity> {
    // Fields left out of a PATCH arrive as undefined properties; they change nothing.
    const given = Object.fromEntries(
      Object.entries(changes).filter(([, value]) => value !== undefined),
    ) as TaskChanges;
    const current = await this.get(id);
    // Secret headers left out or sent as "***" keep their stored values (see mergeSecretHeaders).
    if (given.payload) given.payload = mergeSecretHeaders(current.payload, given.payload);
    this.assertRunnable({ ...current, ...given });
    const updated = await this.tasks.update(id, given);
    if (!updated) throw new DomainError(ErrorCode.TaskNotFound, `task ${id} not found`);
    return updated;
  }

  private assertRunnable(task: Pick<TaskEntity, 'handler' | 'payload'>): void {
    const handler = this.handlers.get(task.handler);
    if (!handler) {
      throw new DomainError(
        ErrorCode.UnknownHandler,
        `handler: unknown handler ${JSON.stringify(task.handler)}; registered handlers are ${this.handlers.names().join(', ')}`,
      );
    }
    if (task.payload != null && Buffer.byteLength(JSON.stringify(task.payload)) > MAX_PAYLOAD_BYTES) {
      throw new DomainError(ErrorCode.InvalidInput, 'payload: must be at most 64 KiB of JSON');
    }
    const problem = handler.validatePayload?.(task.payload ?? null);
    if (problem) throw new DomainError(ErrorCode.InvalidInput, problem);
  }
}
