import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { decodeCursor, isStorableInstant, Page, toPage } from '../common/cursor';
import { DomainError, ErrorCode } from '../domain/domain-error';
import { ScheduleRepository } from '../persistence/schedule.repository';
import { TaskRunRepository } from '../persistence/task-run.repository';
import { TaskService } from '../tasks/task.service';
import { InstanceRepository } from '../persistence/instance.repository';
import { EventAcceptedDto } from '../api/dto/event.dto';
import { InstanceDto, toInstanceDto } from '../api/dto/instance.dto';
import { ScheduleDto } from '../api/dto/schedule.dto';
import { CreateTaskDto, TaskDto, toTaskDto, UpdateTaskDto } from '../api/dto/task.dto';
import { TaskRunDto, toTaskRunDto } from '../api/dto/task-run.dto';
import { INSTANCE_LEASE_MS, RUN_LEASE_MS } from '../engine/cluster/leases';
import { InstanceIdentity } from '../engine/cluster/instance-identity';
import { RunExecutor } from '../engine/runner/run-executor.service';
import { runPolicyOf } from '../engine/runner/run-policy';
import { ScheduleInput, ScheduleService } from './schedule.service';
import { SignalDispatcher } from '../engine/runner/signal-dispatcher.service';

export const DEFAULT_PAGE_SIZE = 50;
const EVENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;

/**
 * What other agent modules (and the REST controllers) call: tasks, their schedules, runs and
 * events. Inject it from any module that imports `SchedulerModule`.
 */
@Injectable()
export class TaskSchedulerService {
  constructor(
    private readonly tasks: TaskService,
    private readonly schedules: ScheduleService,
    private readonly scheduleRows: ScheduleRepository,
    private readonly runs: TaskRunRepository,
    private readonly executor: RunExecutor,
    private readonly signals: SignalDispatcher,
    private readonly identity: InstanceIdentity,
    private readonly instances: InstanceRepository,
    private readonly clock: Clock,
  ) {}

  /** Creates a task (and its schedule, when given); nothing is stored if either is invalid. */
  async createTask(input: CreateTaskDto): Promise<TaskDto> {
    const prepared = this.tasks.prepare(input);
    const given = input.schedule != null || input.text != null;
    const schedule = given
      ? await this.schedules.prepare(null, { schedule: input.schedule, text: input.text })
      : null;
    if (!schedule) return toTaskDto(await this.tasks.create(prepared), null, null);
    const created = await this.schedules.createWithTask(prepared, schedule);
    // Just created: no run yet, and the schedule as stored.
    const nextRunAt = created.schedule.nextRunAt;
    return toTaskDto(created.task, nextRunAt ? new Date(nextRunAt) : null, null);
  }

  async getTask(id: string): Promise<TaskDto> {
    const [task] = await this.describeTasks([await this.tasks.get(id)]);
    return task;
  }

  async listTasks(limit = DEFAULT_PAGE_SIZE, cursor?: string): Promise<Page<TaskDto>> {
    const rows = await this.tasks.listPage(limit, cursor ? decodeCursor(cursor) : null);
    const page = toPage(rows, limit, (row) => ({ at: row.createdAt, id: row.id }));
    return { items: await this.describeTasks(page.items), nextCursor: page.nextCursor };
  }

  async updateTask(id: string, changes: UpdateTaskDto): Promise<TaskDto> {
    const [task] = await this.describeTasks([await this.tasks.update(id, changes)]);
    return task;
  }

  /** Deletes the task and cancels its schedule; its runs stay in history. */
  async deleteTask(id: string): Promise<void> {
    const deleted = await this.scheduleRows.deleteWithTask(id);
    if (!deleted) throw new DomainError(ErrorCode.TaskNotFound, `task ${id} not found`);
    if (deleted.schedule) await this.schedules.forget(deleted.schedule);
  }

  /** Runs the task now, outside its schedule (with its schedule's timeout and retries, if any). */
  async runNow(taskId: string): Promise<TaskRunDto> {
    const task = await this.tasks.get(taskId);
    const schedule = await this.scheduleRows.findByTaskId(taskId);
    const run = await this.runs.insertRun(
      {
        taskId,
        scheduleId: null,
        trigger: 'manual',
        scheduledFor: this.clock.now(),
        attempt: 1,
        instanceId: this.identity.id,
      },
      RUN_LEASE_MS,
      'running',
    );
    if (!run) throw new DomainError(ErrorCode.Conflict, 'could not create the run; try again');
    this.executor.launch({
      run,
      task,
      policy: { ...runPolicyOf(schedule), overlap: 'allow' },
      event: null,
      recorded: true,
    });
    return toTaskRunDto(run);
  }

  /**
   * Sets (or replaces) the task's schedule: a spec and its options, or a body shaped as the REST
   * route's, which takes plain English as `text` in place of `schedule` (exactly one of the two:
   * both, or neither, is refused with the REST API's message).
   */
  scheduleTask(
    taskId: string,
    spec: string,
    options?: Omit<ScheduleInput, 'schedule' | 'text'>,
  ): Promise<ScheduleDto>;
  scheduleTask(taskId: string, body: ScheduleInput): Promise<ScheduleDto>;
  scheduleTask(
    taskId: string,
    specOrBody: string | ScheduleInput,
    options: Omit<ScheduleInput, 'schedule' | 'text'> = {},
  ): Promise<ScheduleDto> {
    // Anything but an object is taken as the spec, so a missing one gets "schedule or text is required".
    const input =
      typeof specOrBody === 'object' && specOrBody !== null
        ? specOrBody
        : { ...options, schedule: specOrBody };
    return this.schedules.schedule(taskId, input);
  }

  cancelTask(taskId: string): Promise<void> {
    return this.schedules.cancel(taskId);
  }

  getTaskSchedule(taskId: string): Promise<ScheduleDto> {
    return this.schedules.get(taskId);
  }

  pauseTask(taskId: string): Promise<ScheduleDto> {
    return this.schedules.pause(taskId);
  }

  resumeTask(taskId: string): Promise<ScheduleDto> {
    return this.schedules.resume(taskId);
  }

  listSchedules(query: { limit?: number; cursor?: string } = {}): Promise<Page<ScheduleDto>> {
    return this.schedules.list(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
  }

  /** Newest first; `before` is a `nextCursor` or an ISO instant. */
  async getTaskRuns(
    taskId: string,
    query: { limit?: number; before?: string } = {},
  ): Promise<Page<TaskRunDto>> {
    await this.tasks.get(taskId).catch(async (error: unknown) => {
      // A deleted task's runs stay readable.
      if (!(await this.runs.listForTask(taskId, 1, null)).length) throw error;
    });
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.runs.listForTask(taskId, limit, this.beforeCursor(query.before));
    const page = toPage(rows, limit, (row) => ({ at: row.scheduledFor, id: row.id }));
    return { items: page.items.map(toTaskRunDto), nextCursor: page.nextCursor };
  }

  /**
   * Runs every task scheduled `on:<name>`. A handler publishing an event passes its own
   * `context.chainDepth`, so that a loop of events stops at `SCHEDULER_MAX_CHAIN_DEPTH`.
   */
  async publishEvent(
    name: string,
    payload?: unknown,
    options: { chainDepth?: number } = {},
  ): Promise<EventAcceptedDto> {
    const chainDepth = options.chainDepth ?? 0;
    if (!Number.isSafeInteger(chainDepth) || chainDepth < 0) {
      throw new DomainError(
        ErrorCode.InvalidInput,
        `chainDepth must be a non-negative integer (got ${chainDepth})`,
      );
    }
    if (!EVENT_NAME.test(name)) {
      throw new DomainError(
        ErrorCode.InvalidInput,
        `event name ${JSON.stringify(name)} is not valid; expected 1-200 letters, digits, _ . : or -, starting with a letter or digit`,
      );
    }
    const runs = await this.signals.publish(name, payload, chainDepth);
    return { event: name, runs: runs.map(toTaskRunDto) };
  }

  async listInstances(): Promise<InstanceDto[]> {
    const rows = await this.instances.findAll(INSTANCE_LEASE_MS);
    return rows.map((row) => toInstanceDto(row, this.identity.id));
  }

  private beforeCursor(before: string | undefined) {
    if (!before) return null;
    if (/^\d{4}-\d{2}-\d{2}T/.test(before) && isStorableInstant(new Date(before))) {
      // Paired with the smallest id, the keyset condition reads "scheduled strictly before this instant".
      return { at: new Date(before), id: '00000000-0000-0000-0000-000000000000' };
    }
    return decodeCursor(before, 'before');
  }

  private async describeTasks(tasks: Awaited<ReturnType<TaskService['get']>>[]): Promise<TaskDto[]> {
    const ids = tasks.map((task) => task.id);
    const [nextRuns, lastRuns] = await Promise.all([
      this.scheduleRows.nextRunAtOf(ids),
      this.runs.latestOf(ids),
    ]);
    return tasks.map((task) => toTaskDto(task, nextRuns.get(task.id) ?? null, lastRuns.get(task.id) ?? null));
  }
}
