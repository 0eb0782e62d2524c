import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  openRepositoryTestDatabase,
  type RepositoryTestDatabase,
} from '../../test/support/repository-test-database';
import { createTimedTask, instant, LONG_LEASE_MS, pendingClaim } from '../../test/support/run-fixtures';
import { DATABASE_KINDS } from '../../test/support/test-database';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

/** The control plane's one-round-trip statements: pause, resume, cancel, delete a task, edit a task. */
describe.each(DATABASE_KINDS)('control statements on %s', (kind) => {
  let db: RepositoryTestDatabase;

  beforeAll(async () => {
    db = await openRepositoryTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    await db.clear();
  });

  describe('ScheduleRepository.pauseByTaskId', () => {
    it('pauses the schedule, bumps its version and answers the row as stored', async () => {
      const at = instant(60_000);
      const { task, schedule } = await createTimedTask(db, { nextRunAt: at });

      const paused = await db.schedules.pauseByTaskId(task.id);

      expect(paused).toMatchObject({
        id: schedule.id,
        taskId: task.id,
        paused: true,
        version: schedule.version + 1,
      });
      expect(paused?.nextRunAt).toEqual(at);
      expect(paused?.createdAt).toEqual(schedule.createdAt);
      expect(paused?.updatedAt.getTime()).toBeGreaterThanOrEqual(schedule.updatedAt.getTime());
      expect(await db.schedules.findById(schedule.id)).toMatchObject({
        paused: true,
        version: schedule.version + 1,
      });
    });

    it('answers null and changes nothing when the schedule is paused already, or the task has none', async () => {
      const { task, schedule } = await createTimedTask(db, { nextRunAt: instant(60_000), paused: true });

      expect(await db.schedules.pauseByTaskId(task.id)).toBeNull();
      expect(await db.schedules.pauseByTaskId(UNKNOWN)).toBeNull();
      expect((await db.schedules.findById(schedule.id))?.version).toBe(schedule.version);
    });
  });

  describe('ScheduleRepository.resume', () => {
    it('resumes a paused schedule at the given instant and bumps its version', async () => {
      const { task, schedule } = await createTimedTask(db, { nextRunAt: instant(60_000), paused: true });
      const next = instant(120_000);

      const resumed = await db.schedules.resume(schedule.id, next);

      expect(resumed).toMatchObject({ taskId: task.id, paused: false, version: schedule.version + 1 });
      expect(resumed?.nextRunAt).toEqual(next);
    });

    it('answers null and changes nothing for a schedule that is not paused', async () => {
      const at = instant(60_000);
      const { schedule } = await createTimedTask(db, { nextRunAt: at });

      expect(await db.schedules.resume(schedule.id, instant(120_000))).toBeNull();
      const stored = await db.schedules.findById(schedule.id);
      expect(stored?.nextRunAt).toEqual(at);
      expect(stored?.version).toBe(schedule.version);
    });
  });

  describe('ScheduleRepository.deleteByTaskId', () => {
    it('deletes the schedule and answers it; the task stays', async () => {
      const { task, schedule } = await createTimedTask(db, { nextRunAt: instant(60_000) });

      const removed = await db.schedules.deleteByTaskId(task.id);

      expect(removed).toMatchObject({ id: schedule.id, taskId: task.id, spec: schedule.spec });
      expect(await db.schedules.findByTaskId(task.id)).toBeNull();
      expect(await db.tasks.findById(task.id)).not.toBeNull();
      expect(await db.schedules.deleteByTaskId(task.id)).toBeNull();
    });
  });

  describe('ScheduleRepository.deleteWithTask', () => {
    it('deletes the task with its schedule, answers the schedule, and keeps the runs', async () => {
      const at = instant(60_000);
      const { task, schedule } = await createTimedTask(db, { nextRunAt: at });
      const [run] = await db.claims.claimFires([pendingClaim(schedule, at)], [], 'a', LONG_LEASE_MS);

      const deleted = await db.schedules.deleteWithTask(task.id);

      expect(deleted?.schedule).toMatchObject({
        id: schedule.id,
        taskId: task.id,
        version: schedule.version,
      });
      expect(deleted?.schedule?.nextRunAt).toBeInstanceOf(Date);
      expect(await db.tasks.findById(task.id)).toBeNull();
      expect(await db.schedules.findById(schedule.id)).toBeNull();
      const [kept] = await db.dataSource.query<Array<{ id: string }>>(
        'SELECT id FROM task_run WHERE id = $1',
        [run.id],
      );
      expect(kept?.id).toBe(run.id);
    });

    it('answers a task without a schedule with schedule null, and an unknown task with null', async () => {
      const task = await db.tasks.create({ name: 'bare', description: null, handler: 'noop', payload: null });

      expect(await db.schedules.deleteWithTask(task.id)).toEqual({ schedule: null });
      expect(await db.tasks.findById(task.id)).toBeNull();
      expect(await db.schedules.deleteWithTask(UNKNOWN)).toBeNull();
    });
  });

  describe('TaskRepository.update', () => {
    it('writes only the fields given and answers the task as stored', async () => {
      const { task } = await createTimedTask(db, { nextRunAt: null, name: 'before' });

      const renamed = await db.tasks.update(task.id, { name: 'after' });
      expect(renamed).toMatchObject({ id: task.id, name: 'after', handler: 'noop', payload: { answer: 42 } });

      const edited = await db.tasks.update(task.id, { description: 'now described', payload: { answer: 7 } });
      expect(edited).toMatchObject({ name: 'after', description: 'now described', payload: { answer: 7 } });
      expect(edited?.updatedAt).toBeInstanceOf(Date);
      expect(await db.tasks.findById(task.id)).toMatchObject({ name: 'after', payload: { answer: 7 } });
    });

    it('sets a nullable field to null when given null, and answers null for an unknown task', async () => {
      const { task } = await createTimedTask(db, { nextRunAt: null });
      await db.tasks.update(task.id, { description: 'x' });

      expect(await db.tasks.update(task.id, { description: null, payload: null })).toMatchObject({
        description: null,
        payload: null,
        name: 'report',
      });
      expect(await db.tasks.update(UNKNOWN, { name: 'ghost' })).toBeNull();
    });
  });
});
