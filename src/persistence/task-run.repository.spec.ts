import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  openRepositoryTestDatabase,
  type RepositoryTestDatabase,
} from '../../test/support/repository-test-database';
import {
  createTimedTask,
  instant,
  LONG_LEASE_MS,
  pendingClaim,
  registerInstance,
  setInstanceTimes,
  storedRun,
} from '../../test/support/run-fixtures';
import { DATABASE_KINDS } from '../../test/support/test-database';
import type { RunOutcome } from './task-run.repository';

const INTERRUPTED = 'interrupted: its instance died';

describe.each(DATABASE_KINDS)('TaskRunRepository on %s', (kind) => {
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

  /** A timed task and one `pending` claim of it by `instanceId`, planned to start at `startAt`. */
  const claimOne = async (instanceId: string, startAt: Date) => {
    const { task, schedule } = await createTimedTask(db, { nextRunAt: startAt });
    const [run] = await db.claims.claimFires(
      [pendingClaim(schedule, startAt)],
      [],
      instanceId,
      LONG_LEASE_MS,
    );
    return { task, schedule, run };
  };

  /** A run inserted `running` (as a manual run is), started at `startedAt`. */
  const runningRun = async (instanceId: string, startedAt: Date, taskId?: string) => {
    const task = taskId ?? (await createTimedTask(db, { nextRunAt: null })).task.id;
    const run = await db.runs.insertRun(
      { taskId: task, scheduleId: null, trigger: 'manual', scheduledFor: startedAt, attempt: 1, instanceId },
      LONG_LEASE_MS,
      'running',
    );
    return run!;
  };

  const outcome = (
    id: string,
    status: RunOutcome['status'],
    changes: Partial<RunOutcome> = {},
  ): RunOutcome => ({
    id,
    status,
    startedAt: null,
    finishedAt: new Date(),
    durationMs: null,
    error: null,
    result: null,
    ...changes,
  });

  describe('the derived running state', () => {
    it("a pending claim with a planned start reads pending through listForTask, and latestOf leaves it out, while its instance's watermark is short of its start", async () => {
      await registerInstance(db, 'a');
      const startAt = instant(60_000);
      const { task, run } = await claimOne('a', startAt);
      const earlier = await runningRun('a', instant(-60_000), task.id);
      await db.runs.finish([outcome(earlier.id, 'succeeded')]);
      await db.claims.markStartedThrough('a', instant(-1, startAt.getTime()), instant(60_000));

      const [listed] = await db.runs.listForTask(task.id, 1, null);
      const latest = await db.runs.latestOf([task.id]);

      expect(listed).toMatchObject({ id: run.id, status: 'pending', startedAt: null });
      expect(latest.get(task.id)).toMatchObject({ id: earlier.id, status: 'succeeded' });
    });

    it("reads running, started at its planned start, through listForTask and latestOf once its instance's watermark reaches its start", async () => {
      await registerInstance(db, 'a');
      const startAt = instant(60_000);
      const { task, run } = await claimOne('a', startAt);

      await db.claims.markStartedThrough('a', startAt, instant(60_000));

      const [listed] = await db.runs.listForTask(task.id, 10, null);
      expect(listed).toMatchObject({ id: run.id, status: 'running', startedAt: startAt });
      expect((await db.runs.latestOf([task.id])).get(task.id)).toMatchObject({
        id: run.id,
        status: 'running',
        startedAt: startAt,
      });
      expect((await storedRun(db.dataSource, run.id))?.status).toBe('pending');
    });

    it('a claim whose instance row is gone reads running (counted as started: never run twice)', async () => {
      const startAt = instant(60_000);
      const { task, run } = await claimOne('forgotten', startAt);

      expect(await db.runs.listForTask(task.id, 10, null)).toMatchObject([{ id: run.id, status: 'running' }]);
    });

    it('a pending run without a planned start (a retry for later) reads pending whatever the watermark', async () => {
      await registerInstance(db, 'a');
      const { task } = await createTimedTask(db, { nextRunAt: null });
      const retry = await db.runs.insertRun(
        {
          taskId: task.id,
          scheduleId: null,
          trigger: 'retry',
          scheduledFor: instant(60_000),
          attempt: 2,
          instanceId: 'a',
        },
        LONG_LEASE_MS,
        'pending',
      );
      await db.claims.markStartedThrough('a', instant(120_000), instant(60_000));

      expect(await db.runs.listForTask(task.id, 10, null)).toMatchObject([
        { id: retry!.id, status: 'pending', startedAt: null },
      ]);
      expect((await db.runs.latestOf([task.id])).size).toBe(0);
    });
  });

  describe('findOpenOfDeadInstances', () => {
    const openRunsOf = async (...instanceIds: string[]) => {
      const ids: string[] = [];
      for (const instanceId of instanceIds) {
        ids.push((await claimOne(instanceId, instant(60_000))).run.id);
        ids.push((await runningRun(instanceId, instant(-60_000))).id);
      }
      return ids;
    };
    const idsFound = async (leaseMs: number | null, deadIds: string[] = []) =>
      (await db.runs.findOpenOfDeadInstances(leaseMs, deadIds)).map((run) => run.id).sort();

    it('finds the open runs of a stopped instance and not those of a live one', async () => {
      await registerInstance(db, 'live');
      await registerInstance(db, 'stopped');
      await db.instances.markStopped('stopped');
      await openRunsOf('live');
      const ofStopped = await openRunsOf('stopped');

      expect(await idsFound(60_000)).toEqual(ofStopped.sort());
      expect(await idsFound(null)).toEqual(ofStopped.sort());
    });

    it('finds the open runs of an instance silent for longer than the lease; with no lease, silence alone kills nobody', async () => {
      await registerInstance(db, 'live');
      await registerInstance(db, 'silent');
      await setInstanceTimes(db.dataSource, 'silent', { heartbeatAt: instant(-10 * 60_000) });
      await openRunsOf('live');
      const ofSilent = await openRunsOf('silent');

      expect(await idsFound(60_000)).toEqual(ofSilent.sort());
      expect(await idsFound(null)).toEqual([]);
    });

    it('finds the open runs of instances listed as dead and of unknown instances, never final runs', async () => {
      await registerInstance(db, 'listed');
      const ofListed = await openRunsOf('listed');
      const ofUnknown = await openRunsOf('unknown');
      await db.runs.finish([outcome(ofListed[1], 'failed', { error: 'boom' })]);

      expect(await idsFound(60_000, ['listed'])).toEqual([ofListed[0], ...ofUnknown].sort());
    });

    it('tells a watermark-started claim of a dead instance as running and an unstarted one as pending', async () => {
      await registerInstance(db, 'dead');
      const started = (await claimOne('dead', instant(-60_000))).run;
      const unstarted = (await claimOne('dead', instant(60_000))).run;
      await db.claims.markStartedThrough('dead', instant(0), instant(60_000));
      await db.instances.markStopped('dead');

      const found = await db.runs.findOpenOfDeadInstances(60_000, []);

      expect(found.map((run) => [run.id, run.status])).toEqual([
        [started.id, 'running'],
        [unstarted.id, 'pending'],
      ]);
    });
  });

  describe('interrupt and takeOver (recovering a dead instance)', () => {
    /**
     * A dead instance, silent for ten minutes, with a run started twenty minutes ago, a claim its
     * watermark started fifteen minutes ago and a claim still ahead; every time from one `now`.
     */
    const deadInstance = async (now = Date.now()) => {
      const heartbeatAt = instant(-10 * 60_000, now);
      await registerInstance(db, 'dead');
      const running = await runningRun('dead', instant(-20 * 60_000, now));
      const watermarked = (await claimOne('dead', instant(-15 * 60_000, now))).run;
      const unstarted = (await claimOne('dead', instant(60_000, now))).run;
      await db.claims.markStartedThrough('dead', watermarked.startedAt!, instant(60_000));
      await setInstanceTimes(db.dataSource, 'dead', { heartbeatAt });
      return { heartbeatAt, running, watermarked, unstarted };
    };

    it("ends running runs and watermark-started claims at the instance's last heartbeat, not now, with duration_ms from their start to it", async () => {
      const { heartbeatAt, running, watermarked } = await deadInstance();

      const ended = await db.runs.interrupt([running.id, watermarked.id], new Date(), INTERRUPTED);

      expect(ended.map((run) => run.id).sort()).toEqual([running.id, watermarked.id].sort());
      expect(await storedRun(db.dataSource, running.id)).toMatchObject({
        status: 'interrupted',
        finishedAt: heartbeatAt,
        durationMs: 10 * 60_000,
        error: INTERRUPTED,
      });
      expect(await storedRun(db.dataSource, watermarked.id)).toMatchObject({
        status: 'interrupted',
        startedAt: watermarked.startedAt,
        finishedAt: heartbeatAt,
        durationMs: 5 * 60_000,
      });
    });

    it('leaves unstarted claims alone, and a second call changes nothing', async () => {
      const { running, watermarked, unstarted } = await deadInstance();
      const ids = [running.id, watermarked.id, unstarted.id];
      await db.runs.interrupt(ids, new Date(), INTERRUPTED);

      expect(await db.runs.interrupt(ids, new Date(), 'again')).toEqual([]);

      expect(await storedRun(db.dataSource, unstarted.id)).toMatchObject({
        status: 'pending',
        instanceId: 'dead',
        startedAt: unstarted.startedAt,
      });
      expect((await storedRun(db.dataSource, running.id))?.error).toBe(INTERRUPTED);
    });

    it('ends a run at the later of its last heartbeat and its stop mark, never before its start nor after now', async () => {
      await registerInstance(db, 'stopped');
      await registerInstance(db, 'silent');
      const base = Date.now();
      const stoppedAt = instant(-5 * 60_000, base);
      const ofStopped = await runningRun('stopped', instant(-20 * 60_000, base));
      const startedAfterHeartbeat = await runningRun('silent', instant(-5 * 60_000, base));
      const ofUnknown = await runningRun('unknown', instant(-5 * 60_000, base));
      await setInstanceTimes(db.dataSource, 'stopped', {
        heartbeatAt: instant(-10 * 60_000, base),
        stoppedAt,
      });
      await setInstanceTimes(db.dataSource, 'silent', { heartbeatAt: instant(-10 * 60_000, base) });
      const now = new Date();

      await db.runs.interrupt([ofStopped.id, startedAfterHeartbeat.id, ofUnknown.id], now, INTERRUPTED);

      expect(await storedRun(db.dataSource, ofStopped.id)).toMatchObject({
        finishedAt: stoppedAt,
        durationMs: 15 * 60_000,
      });
      expect(await storedRun(db.dataSource, startedAfterHeartbeat.id)).toMatchObject({
        finishedAt: startedAfterHeartbeat.startedAt,
        durationMs: 0,
      });
      expect(await storedRun(db.dataSource, ofUnknown.id)).toMatchObject({ finishedAt: now });
    });

    it('recovery as the engine runs it: the running runs found are interrupted, then takeOver moves the unstarted claims', async () => {
      const { running, watermarked, unstarted } = await deadInstance();
      await registerInstance(db, 'heir');

      const open = await db.runs.findOpenOfDeadInstances(60_000, []);
      const interrupted = await db.runs.interrupt(
        open.filter((run) => run.status === 'running').map((run) => run.id),
        new Date(),
        INTERRUPTED,
      );
      const pending = open.filter((run) => run.status === 'pending');
      const taken = await db.claims.takeOver(
        pending.map((run) => run.id),
        ['dead'],
        'heir',
      );

      expect(interrupted.map((run) => run.id).sort()).toEqual([running.id, watermarked.id].sort());
      expect(taken.map((run) => run.id)).toEqual([unstarted.id]);
      expect(await storedRun(db.dataSource, unstarted.id)).toMatchObject({
        status: 'pending',
        instanceId: 'heir',
        startedAt: null,
      });
      expect(await db.runs.findOpenOfDeadInstances(60_000, [])).toEqual([]);
    });
  });

  describe('finish', () => {
    it('writes the final status, start, end, duration, error and result of an open run', async () => {
      const run = await runningRun('a', instant(-1_000));
      const finishedAt = instant(0);

      await db.runs.finish([
        outcome(run.id, 'failed', {
          finishedAt,
          durationMs: 1_000,
          error: 'boom\u0000',
          result: { partial: 'x\u0000y' },
        }),
      ]);

      expect(await storedRun(db.dataSource, run.id)).toMatchObject({
        status: 'failed',
        startedAt: run.startedAt,
        finishedAt,
        durationMs: 1_000,
        error: 'boom',
        result: { partial: 'xy' },
      });
    });

    it('writes missed over an unstarted claim, clearing its planned start', async () => {
      await registerInstance(db, 'a');
      const { run } = await claimOne('a', instant(60_000));

      await db.runs.finish([outcome(run.id, 'missed', { error: 'late' })]);

      expect(await storedRun(db.dataSource, run.id)).toMatchObject({
        status: 'missed',
        startedAt: null,
        error: 'late',
      });
    });

    it('never writes missed over a claim its instance has started (watermark reached)', async () => {
      await registerInstance(db, 'a');
      const at = instant(-60_000);
      const { run } = await claimOne('a', at);
      await db.claims.markStartedThrough('a', at, instant(60_000));

      await db.runs.finish([outcome(run.id, 'missed', { error: 'late' })]);

      expect(await storedRun(db.dataSource, run.id)).toMatchObject({ status: 'pending', error: null });
      expect((await db.runs.listForTask(run.taskId, 10, null))[0].status).toBe('running');
    });

    it('never writes missed over a running run', async () => {
      const run = await runningRun('a', instant(-1_000));

      await db.runs.finish([outcome(run.id, 'missed', { error: 'late' })]);

      expect(await storedRun(db.dataSource, run.id)).toMatchObject({
        status: 'running',
        startedAt: run.startedAt,
        error: null,
      });
    });

    it('never changes a final status', async () => {
      const run = await runningRun('a', instant(-1_000));
      const finishedAt = instant(0);
      await db.runs.finish([outcome(run.id, 'succeeded', { finishedAt, durationMs: 1_000, result: 1 })]);

      await db.runs.finish([
        outcome(run.id, 'failed', { error: 'late failure' }),
        outcome(run.id, 'interrupted', { error: 'late interrupt' }),
        outcome(run.id, 'missed', { error: 'late miss' }),
      ]);

      expect(await storedRun(db.dataSource, run.id)).toMatchObject({
        status: 'succeeded',
        finishedAt,
        durationMs: 1_000,
        error: null,
        result: 1,
      });
    });
  });

  describe('insertRun', () => {
    it('answers null and inserts nothing when the (schedule, instant) is already claimed', async () => {
      await registerInstance(db, 'a');
      const at = instant(60_000);
      const { task, schedule, run } = await claimOne('a', at);

      const retried = await db.runs.insertRun(
        {
          taskId: task.id,
          scheduleId: schedule.id,
          trigger: 'retry',
          scheduledFor: at,
          attempt: 2,
          instanceId: 'a',
        },
        LONG_LEASE_MS,
        'pending',
      );

      expect(retried).toBeNull();
      expect((await db.runs.listForTask(task.id, 10, null)).map((listed) => listed.id)).toEqual([run.id]);
    });
  });

  describe('InstanceRepository.heartbeat', () => {
    it('answers true for a registered instance and false once its row is gone', async () => {
      await registerInstance(db, 'a');

      expect(await db.instances.heartbeat('a')).toBe(true);
      expect(await db.instances.heartbeat('forgotten')).toBe(false);
    });
  });
});
