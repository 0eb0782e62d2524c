import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { decodeCursor, Page, toPage } from '../common/cursor';
import { DomainError, ErrorCode, InvalidScheduleError } from '../domain/domain-error';
import { SCHEDULER_OPTIONS, SchedulerOptions } from '../config/scheduler-options';
import { SchedulerEventEmitter } from '../events/scheduler-event.emitter';
import { ScheduleEntity } from '../persistence/schedule.entity';
import {
  ChainCycleFound,
  ChainLink,
  NewSchedule,
  ScheduleRepository,
} from '../persistence/schedule.repository';
import { NewTask } from '../persistence/task.repository';
import { TaskEntity } from '../persistence/task.entity';
import { TaskService } from '../tasks/task.service';
import { assertFiresInFuture, parseInstant, parseScheduleSpec } from '../triggers/parse-schedule-spec';
import { assertTimeZone } from '../triggers/time-zone';
import { resolveScheduleSource } from './schedule-source';
import { isSignalTrigger, Trigger } from '../triggers/trigger';
import { CreateScheduleDto, ScheduleDto, toScheduleDto } from '../api/dto/schedule.dto';
import { PreviewDto, PreviewQueryDto } from '../api/dto/preview.dto';
import { FirePlanner } from '../engine/planner/fire-planner.service';
import { HORIZON_MS } from '../engine/planner/planner-timing';
import { ScheduleChangeBus } from '../engine/planner/schedule-change-bus.service';
import { triggerOfSchedule } from '../engine/planner/trigger-cache';

export type ScheduleInput = CreateScheduleDto;

/**
 * The refusal of an `after:` schedule that would close a cycle, in firing order: from the task
 * being scheduled, through the tasks that follow it, back to it. `path` is `[signal, …, taskId]`.
 */
function cycleError(path: ChainLink[]): InvalidScheduleError {
  const steps = [...path].reverse();
  const text = [...steps, steps[0]]
    .map((link) => (link.name === null ? link.id : `${link.id} (${JSON.stringify(link.name)})`))
    .join(' → ');
  return new InvalidScheduleError(`after: would make a cycle: ${text}`);
}

/** A schedule checked whole and ready to store for some task, with its description (parsed once). */
export type PreparedSchedule = Omit<NewSchedule, 'taskId'> & { description: string };

/** Schedule use cases: create or replace, cancel, pause, resume, read, preview. */
@Injectable()
export class ScheduleService {
  constructor(
    private readonly schedules: ScheduleRepository,
    private readonly tasks: TaskService,
    private readonly planner: FirePlanner,
    private readonly changes: ScheduleChangeBus,
    private readonly events: SchedulerEventEmitter,
    private readonly clock: Clock,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
  ) {}

  /** Checks a spec and its options for `taskId` (null: a task not yet stored) without writing. */
  async prepare(taskId: string | null, input: ScheduleInput): Promise<PreparedSchedule> {
    const now = this.clock.now();
    const { spec, text, timezone } = resolveScheduleSource(input, this.options.timezone, now);
    const startAt = input.startAt ? parseInstant(input.startAt, timezone, 'startAt') : null;
    const endAt = input.endAt ? parseInstant(input.endAt, timezone, 'endAt') : null;
    if (endAt && endAt <= now) throw new InvalidScheduleError('endAt: is in the past');
    const trigger = parseScheduleSpec(spec, { timezone, scheduledAt: now, startAt, endAt });
    assertFiresInFuture(trigger, now);
    const signal = isSignalTrigger(trigger) ? trigger.signal : null;
    if (trigger.type === 'chain' && signal) {
      if (signal === taskId) throw new InvalidScheduleError('after: a task cannot follow itself');
      await this.tasks.assertExists(signal, 'after: task').catch(() => {
        throw new InvalidScheduleError(`after: unknown task ${signal}`);
      });
      // Any cycle, however long, would run its tasks round and round. Checked again, under a
      // lock, when the schedule is stored (two requests could each add one half of a cycle).
      const cycle = taskId ? await this.schedules.findChainCycle(taskId, signal) : null;
      if (cycle) throw cycleError(cycle);
    }
    const nextRunAt = isSignalTrigger(trigger) ? null : trigger.nextFireTime(null, now);
    if (!isSignalTrigger(trigger) && nextRunAt === null) {
      throw new InvalidScheduleError('schedule: never fires between startAt and endAt');
    }
    return {
      description: trigger.describe(),
      spec,
      text,
      type: trigger.type,
      timezone,
      signal,
      scheduledAt: now,
      startAt,
      endAt,
      nextRunAt,
      paused: false,
      misfirePolicy: input.misfirePolicy ?? this.options.misfirePolicy,
      misfireGraceSeconds: input.misfireGraceSeconds ?? this.options.misfireGraceSeconds,
      overlapPolicy: input.overlapPolicy ?? this.options.overlapPolicy,
      timeoutSeconds: input.timeoutSeconds ?? null,
      maxRetries: input.maxRetries ?? 0,
      retryBackoffSeconds: input.retryBackoffSeconds ?? 10,
      jitterSeconds: input.jitterSeconds ?? 0,
    };
  }

  /** Creates the task's schedule, replacing the one it had. */
  async schedule(taskId: string, input: ScheduleInput): Promise<ScheduleDto> {
    await this.tasks.assertExists(taskId);
    return this.save(taskId, await this.prepare(taskId, input));
  }

  /** Stores the task's schedule, replacing the one it had. */
  async save(taskId: string, prepared: PreparedSchedule): Promise<ScheduleDto> {
    const { description, ...row } = prepared;
    const { saved, replaced } = await this.schedules
      .replaceForTask({ ...row, taskId })
      .catch((error: unknown) => {
        throw error instanceof ChainCycleFound ? cycleError(error.path) : error;
      });
    return this.stored(saved, replaced, description);
  }

  /** Stores a new task with its first schedule (one statement: both or neither). */
  async createWithTask(
    task: NewTask,
    prepared: PreparedSchedule,
  ): Promise<{ task: TaskEntity; schedule: ScheduleDto }> {
    const { description, ...row } = prepared;
    const created = await this.schedules.insertWithTask(task, row);
    return { task: created.task, schedule: await this.stored(created.schedule, null, description) };
  }

  /** After a schedule is stored: plans it if it fires soon, tells the other instances and clients. */
  private async stored(
    saved: ScheduleEntity,
    replaced: ScheduleEntity | null,
    description: string,
  ): Promise<ScheduleDto> {
    if (replaced) await this.planner.disarmSchedule(replaced.id);
    // A first fire beyond the planning horizon is claimed by the planner's own ticks, on every
    // instance, in time: planning now (and telling the others) would only cost each request.
    const dueSoon = saved.nextRunAt !== null && saved.nextRunAt.getTime() <= this.clock.nowMs() + HORIZON_MS;
    if (dueSoon) void this.planner.tick();
    if (replaced || dueSoon)
      await this.changes.publish({ disarm: replaced ? [replaced.id] : [], plan: dueSoon });
    return this.published(saved, description);
  }

  async get(taskId: string): Promise<ScheduleDto> {
    return this.toDto(await this.find(taskId));
  }

  async cancel(taskId: string): Promise<void> {
    const removed = await this.schedules.deleteByTaskId(taskId);
    if (!removed) {
      await this.tasks.assertExists(taskId);
      throw new DomainError(ErrorCode.ScheduleNotFound, `task ${taskId} has no schedule`);
    }
    await this.forget(removed);
  }

  /**
   * After a task is deleted (its schedule went with it by foreign key). Like pause and replace,
   * the change is stored before the planner hears of it and nothing waits for a planning pass:
   * a pass already in flight deletes whatever it claimed of the schedule (FirePlanner.disarmSchedule).
   */
  async forget(schedule: ScheduleEntity): Promise<void> {
    await this.disarm(schedule);
    this.events.emit('schedule_removed', { taskId: schedule.taskId });
  }

  /**
   * After a schedule is stopped in the database: its pending claims go, and the other instances
   * hear of it. Neither waits for the other (the stop is stored already), so the request pays
   * for one round trip here, not two.
   */
  private async disarm(schedule: ScheduleEntity): Promise<void> {
    await Promise.all([
      this.planner.disarmSchedule(schedule.id),
      this.changes.publish({ disarm: [schedule.id], plan: false }),
    ]);
  }

  async pause(taskId: string): Promise<ScheduleDto> {
    // The new version first: from here on no claim of the old one inserts anything.
    const paused = await this.schedules.pauseByTaskId(taskId);
    if (!paused) return this.toDto(await this.find(taskId)); // paused already, or a 404
    await this.disarm(paused);
    return this.published(paused);
  }

  /** Fires that fell due while paused are skipped: the schedule picks up at its next instant. */
  async resume(taskId: string): Promise<ScheduleDto> {
    const schedule = await this.find(taskId);
    if (!schedule.paused) return this.toDto(schedule);
    const resumed = await this.schedules.resume(schedule.id, this.resumeAt(schedule));
    if (!resumed) return this.toDto(await this.find(taskId)); // resumed or replaced meanwhile
    void this.planner.tick();
    await this.changes.publish({ disarm: [], plan: true });
    return this.published(resumed);
  }

  async list(limit: number, cursor: string | undefined): Promise<Page<ScheduleDto>> {
    const rows = await this.schedules.listPage(limit, cursor ? decodeCursor(cursor) : null);
    const page = toPage(rows, limit, (row) => ({ at: row.createdAt, id: row.id }));
    return { items: page.items.map((row) => this.toDto(row)), nextCursor: page.nextCursor };
  }

  preview(query: PreviewQueryDto): PreviewDto {
    const now = this.clock.now();
    const requested = assertTimeZone(query.timezone ?? this.options.timezone);
    const from = query.from ? parseInstant(query.from, requested, 'from') : now;
    const { spec, text, timezone } = resolveScheduleSource(query, this.options.timezone, from);
    const trigger = parseScheduleSpec(spec, { timezone, scheduledAt: from });
    assertFiresInFuture(trigger, now);
    const nextRunTimes: string[] = [];
    let previous: Date | null = null;
    for (let index = 0; index < (query.count ?? 5); index++) {
      const next = trigger.nextFireTime(previous, from);
      if (!next) break;
      nextRunTimes.push(next.toISOString());
      previous = next;
    }
    return {
      spec,
      type: trigger.type,
      description: trigger.describe(),
      timezone,
      nextRunTimes,
      interpretedFrom: text,
    };
  }

  toDto(schedule: ScheduleEntity, description = this.describe(schedule)): ScheduleDto {
    return toScheduleDto(schedule, description);
  }

  private describe(schedule: ScheduleEntity): string {
    try {
      return triggerOfSchedule(schedule).describe();
    } catch {
      return schedule.spec;
    }
  }

  private resumeAt(schedule: ScheduleEntity): Date | null {
    const trigger: Trigger = triggerOfSchedule(schedule);
    if (isSignalTrigger(trigger)) return null;
    // A one-shot keeps its instant: if it passed while paused, the misfire policy decides.
    if (trigger.type === 'once') return schedule.nextRunAt;
    const now = this.clock.now();
    const latest = trigger.latestFireTimeAtOrBefore(now);
    return trigger.nextFireTime(latest, now);
  }

  private async find(taskId: string): Promise<ScheduleEntity> {
    const schedule = await this.schedules.findByTaskId(taskId);
    if (schedule) return schedule;
    await this.tasks.assertExists(taskId);
    throw new DomainError(ErrorCode.ScheduleNotFound, `task ${taskId} has no schedule`);
  }

  private published(schedule: ScheduleEntity, description?: string): ScheduleDto {
    const dto = this.toDto(schedule, description);
    this.events.emit('schedule_update', { taskId: schedule.taskId, schedule: dto });
    return dto;
  }
}
