import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  openRepositoryTestDatabase,
  type RepositoryTestDatabase,
} from '../../test/support/repository-test-database';
import {
  advanceOf,
  createTimedTask,
  instant,
  LONG_LEASE_MS,
  pendingClaim,
  registerInstance,
  setInstanceTimes,
  storedRun,
  storedRunsOf,
  storedSchedule,
  watermarkOf,
} from '../../test/support/run-fixtures';
import { DATABASE_KINDS } from '../../test/support/test-database';
import type { ScheduleEntity } from './schedule.entity';

describe.each(DATABASE_KINDS)('RunClaimsRepository on %s', (kind) => {
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

  /**
   * Claims `count` fires of a new schedule for `instanceId`, each a minute apart from `first`;
   * the runs oldest first (RETURNING keeps no order).
   */
  const claimSeries = async (instanceId: string, first: Date, count: number, leaseMs = LONG_LEASE_MS) => {
    const { schedule } = await createTimedTask(db, { nextRunAt: first });
    const claims = Array.from({ length: count }, (_, i) =>
      pendingClaim(schedule, instant(i * 60_000, first.getTime())),
    );
    const runs = await db.claims.claimFires(claims, [], instanceId, leaseMs);
    runs.sort((a, b) => a.scheduledFor.getTime() - b.scheduledFor.getTime());
    return { schedule, runs };
  };

  describe('claimFires', () => {
    it('inserts a pending claim and returns it with its task, its planned start and a lease from that start', async () => {
      const at = instant(60_000);
      const { task, schedule } = await createTimedTask(db, { nextRunAt: at });
      const startAt = instant(1_500, at.getTime());

      const [run, ...more] = await db.claims.claimFires(
        [pendingClaim(schedule, at, startAt)],
        [],
        'a',
        5_000,
      );

      expect(more).toEqual([]);
      expect(run).toMatchObject({
        taskId: task.id,
        scheduleId: schedule.id,
        trigger: 'schedule',
        scheduledFor: at,
        startedAt: startAt,
        finishedAt: null,
        status: 'pending',
        attempt: 1,
        task: { id: task.id, name: 'report', handler: 'noop', payload: { answer: 42 } },
      });
      const stored = await storedRun(db.dataSource, run.id);
      expect(stored).toMatchObject({ instanceId: 'a', status: 'pending', startedAt: startAt });
      expect(stored?.leaseUntil).toEqual(instant(5_000, startAt.getTime()));
    });

    it('a second claim of the same (schedule, instant) by the same instance inserts nothing and returns no row', async () => {
      const at = instant(60_000);
      const { schedule } = await createTimedTask(db, { nextRunAt: at });

      const first = await db.claims.claimFires([pendingClaim(schedule, at)], [], 'a', LONG_LEASE_MS);
      const second = await db.claims.claimFires([pendingClaim(schedule, at)], [], 'a', LONG_LEASE_MS);

      expect(first).toHaveLength(1);
      expect(second).toEqual([]);
      expect((await storedRunsOf(db.dataSource, schedule.id)).map((run) => run.id)).toEqual([first[0].id]);
    });

    it('a claim of the same (schedule, instant) by another instance inserts nothing, returns no row and leaves the first claimer holding it', async () => {
      const at = instant(60_000);
      const { schedule } = await createTimedTask(db, { nextRunAt: at });

      const [first] = await db.claims.claimFires([pendingClaim(schedule, at)], [], 'a', LONG_LEASE_MS);
      const other = await db.claims.claimFires([pendingClaim(schedule, at)], [], 'b', LONG_LEASE_MS);

      expect(other).toEqual([]);
      const stored = await storedRunsOf(db.dataSource, schedule.id);
      expect(stored.map((run) => [run.id, run.instanceId])).toEqual([[first.id, 'a']]);
    });

    it('records a missed fire as final at once, without a planned start or a lease', async () => {
      const at = instant(-60_000);
      const { schedule } = await createTimedTask(db, { nextRunAt: at });

      const [run] = await db.claims.claimFires(
        [
          {
            scheduleId: schedule.id,
            version: schedule.version,
            scheduledFor: at,
            status: 'missed',
            error: 'late',
            startAt: null,
          },
        ],
        [],
        'a',
        LONG_LEASE_MS,
      );

      expect(run).toMatchObject({ status: 'missed', error: 'late', startedAt: null });
      expect(run.finishedAt).toBeInstanceOf(Date);
      expect((await storedRun(db.dataSource, run.id))?.leaseUntil).toBeNull();
    });

    it('a claim made with a stale schedule version inserts nothing and returns no row', async () => {
      const at = instant(60_000);
      const { schedule } = await createTimedTask(db, { nextRunAt: at });
      // Paused and resumed at the same instant: only the version differs from the claim's.
      await db.schedules.pauseByTaskId(schedule.taskId);
      const edited = await db.schedules.resume(schedule.id, at);
      expect(edited?.version).toBe(schedule.version + 2);
      expect(edited?.nextRunAt).toEqual(at);

      const claimed = await db.claims.claimFires([pendingClaim(schedule, at)], [], 'a', LONG_LEASE_MS);

      expect(claimed).toEqual([]);
      expect(await storedRunsOf(db.dataSource, schedule.id)).toEqual([]);
    });

    it("an advance made with a stale schedule version does not move the schedule's next_run_at", async () => {
      const at = instant(60_000);
      const { schedule } = await createTimedTask(db, { nextRunAt: at });
      await db.schedules.pauseByTaskId(schedule.taskId);
      await db.schedules.resume(schedule.id, at);

      await db.claims.claimFires(
        [],
        [advanceOf(schedule, at, instant(60_000, at.getTime()), at)],
        'a',
        LONG_LEASE_MS,
      );

      expect(await storedSchedule(db.dataSource, schedule.id)).toMatchObject({
        nextRunAt: at,
        lastRunAt: null,
      });
    });

    it("an advance whose expected next_run_at is not the schedule's does not move it", async () => {
      const at = instant(60_000);
      const { schedule } = await createTimedTask(db, { nextRunAt: at });

      await db.claims.claimFires(
        [],
        [advanceOf(schedule, instant(1, at.getTime()), instant(60_000, at.getTime()))],
        'a',
        LONG_LEASE_MS,
      );

      expect((await storedSchedule(db.dataSource, schedule.id)).nextRunAt).toEqual(at);
    });

    it('an advance with the current version and next_run_at moves next_run_at, and last_run_at only forward', async () => {
      const at = instant(60_000);
      const next = instant(60_000, at.getTime());
      const { schedule } = await createTimedTask(db, { nextRunAt: at });

      await db.claims.claimFires(
        [pendingClaim(schedule, at)],
        [advanceOf(schedule, at, next, at)],
        'a',
        LONG_LEASE_MS,
      );
      expect(await storedSchedule(db.dataSource, schedule.id)).toMatchObject({
        nextRunAt: next,
        lastRunAt: at,
      });

      await db.claims.claimFires([], [advanceOf(schedule, next, null, instant(-60_000))], 'a', LONG_LEASE_MS);
      expect(await storedSchedule(db.dataSource, schedule.id)).toMatchObject({
        nextRunAt: null,
        lastRunAt: at,
      });
    });

    it('a second planner claiming the same fire from the same schedule row inserts nothing and does not advance the schedule again', async () => {
      const at = instant(60_000);
      const next = instant(60_000, at.getTime());
      const { schedule } = await createTimedTask(db, { nextRunAt: at });

      const first = await db.claims.claimFires(
        [pendingClaim(schedule, at)],
        [advanceOf(schedule, at, next)],
        'a',
        LONG_LEASE_MS,
      );
      // It still expects `at` as next_run_at; were its advance applied, `next` would never be claimed.
      const second = await db.claims.claimFires(
        [pendingClaim(schedule, at)],
        [advanceOf(schedule, at, instant(60_000, next.getTime()))],
        'b',
        LONG_LEASE_MS,
      );

      expect([first.length, second.length]).toEqual([1, 0]);
      expect((await storedSchedule(db.dataSource, schedule.id)).nextRunAt).toEqual(next);
    });

    it('claims on a paused schedule insert nothing and return no row, pending or missed', async () => {
      const at = instant(60_000);
      const { schedule } = await createTimedTask(db, { nextRunAt: at });
      const paused = (await db.schedules.pauseByTaskId(schedule.taskId)) as ScheduleEntity;

      const claimed = await db.claims.claimFires(
        [
          pendingClaim(paused, at),
          { ...pendingClaim(paused, instant(-60_000)), status: 'missed', error: 'late', startAt: null },
        ],
        [],
        'a',
        LONG_LEASE_MS,
      );

      expect(claimed).toEqual([]);
      expect(await storedRunsOf(db.dataSource, schedule.id)).toEqual([]);
    });
  });

  describe('markStartedThrough', () => {
    it('moves the watermark forward, never back, and answers true before its deadline', async () => {
      await registerInstance(db, 'a');
      const later = instant(60_000);

      expect(await db.claims.markStartedThrough('a', later, instant(60_000))).toBe(true);
      expect(await db.claims.markStartedThrough('a', instant(-60_000), instant(60_000))).toBe(true);

      expect(await watermarkOf(db.dataSource, 'a')).toEqual(later);
    });

    it('once its deadline has passed by the database clock, answers false and leaves the watermark where it was', async () => {
      await registerInstance(db, 'a');
      const before = instant(-60_000);
      await db.claims.markStartedThrough('a', before, instant(60_000));

      expect(await db.claims.markStartedThrough('a', instant(60_000), instant(-1))).toBe(false);

      expect(await watermarkOf(db.dataSource, 'a')).toEqual(before);
    });

    it('answers false and moves no watermark for a stopped instance or an unknown one', async () => {
      await registerInstance(db, 'a');
      await db.instances.markStopped('a');

      expect(await db.claims.markStartedThrough('a', instant(0), instant(60_000))).toBe(false);
      expect(await db.claims.markStartedThrough('nobody', instant(0), instant(60_000))).toBe(false);

      expect(await watermarkOf(db.dataSource, 'a')).toBeNull();
    });
  });

  describe('stillHeld and startIfHeld', () => {
    it('stillHeld answers the ids still pending and held by this instance, not those held by another or no longer pending', async () => {
      const { runs } = await claimSeries('a', instant(60_000), 3);
      const [held, started, other] = runs.map((run) => run.id);
      await db.claims.startIfHeld([started], 'a', instant(0));
      const [othersRun] = (await claimSeries('b', instant(60_000), 1)).runs;

      const answer = await db.claims.stillHeld([held, started, othersRun.id, other], 'a');

      expect(answer).toEqual(new Set([held, other]));
      expect(await db.claims.stillHeld([held], 'b')).toEqual(new Set());
      expect(await db.claims.stillHeld([], 'a')).toEqual(new Set());
    });

    it("startIfHeld marks held claims running at the given start, moves the schedule's last_run_at, and leaves ids it does not hold alone", async () => {
      const { schedule, runs } = await claimSeries('a', instant(60_000), 2);
      const [mine] = runs;
      const [othersRun] = (await claimSeries('b', instant(60_000), 1)).runs;
      const startedAt = instant(61_000);

      const started = await db.claims.startIfHeld([mine.id, othersRun.id], 'a', startedAt);

      expect(started).toEqual(new Set([mine.id]));
      expect(await storedRun(db.dataSource, mine.id)).toMatchObject({ status: 'running', startedAt });
      expect(await storedRun(db.dataSource, othersRun.id)).toMatchObject({
        status: 'pending',
        instanceId: 'b',
      });
      expect((await storedSchedule(db.dataSource, schedule.id)).lastRunAt).toEqual(startedAt);
    });

    it('startIfHeld starts a run once: a second call (or one for a final run) returns nothing and keeps the first start', async () => {
      const { runs } = await claimSeries('a', instant(60_000), 2);
      const [run, finished] = runs;
      const first = instant(60_000);
      await db.claims.startIfHeld([run.id], 'a', first);
      await db.runs.finish([
        {
          id: finished.id,
          status: 'skipped',
          startedAt: null,
          finishedAt: instant(0),
          durationMs: null,
          error: 'overlap',
          result: null,
        },
      ]);

      expect(await db.claims.startIfHeld([run.id, finished.id], 'a', instant(120_000))).toEqual(new Set());

      expect(await storedRun(db.dataSource, run.id)).toMatchObject({ status: 'running', startedAt: first });
      expect((await storedRun(db.dataSource, finished.id))?.status).toBe('skipped');
    });
  });

  describe('takeOverExpired', () => {
    it("takes other instances' expired, unstarted claims, with a fresh lease and the planned start cleared", async () => {
      await registerInstance(db, 'dead');
      const now = new Date();
      const { runs } = await claimSeries('dead', instant(-120_000), 2, 1_000);

      const taken = await db.claims.takeOverExpired('taker', now, 30_000, 10);

      expect(taken.map((run) => run.id).sort()).toEqual(runs.map((run) => run.id).sort());
      for (const run of runs) {
        expect(await storedRun(db.dataSource, run.id)).toMatchObject({
          status: 'pending',
          instanceId: 'taker',
          startedAt: null,
          leaseUntil: instant(30_000, now.getTime()),
        });
      }
    });

    it('a second call takes nothing: each expired claim is taken once', async () => {
      await registerInstance(db, 'dead');
      const now = new Date();
      const { runs } = await claimSeries('dead', instant(-600_000), 3, 1_000);

      const first = await db.claims.takeOverExpired('taker-1', now, 30_000, 10);
      const second = await db.claims.takeOverExpired('taker-2', now, 30_000, 10);

      expect(first).toHaveLength(runs.length);
      expect(second).toEqual([]);
    });

    it('takes at most `limit` claims, those whose lease ended first', async () => {
      await registerInstance(db, 'dead');
      const { runs } = await claimSeries('dead', instant(-600_000), 3, 1_000);

      const taken = await db.claims.takeOverExpired('taker', new Date(), 30_000, 2);

      expect(taken.map((run) => run.id).sort()).toEqual(
        runs
          .slice(0, 2)
          .map((run) => run.id)
          .sort(),
      );
    });

    it('never takes a claim whose lease has not expired', async () => {
      await registerInstance(db, 'alive');
      await claimSeries('alive', instant(-1_000), 1, LONG_LEASE_MS);

      expect(await db.claims.takeOverExpired('taker', new Date(), 30_000, 10)).toEqual([]);
    });

    it("never takes a claim its instance's watermark has passed (it started)", async () => {
      await registerInstance(db, 'stalled');
      const { runs } = await claimSeries('stalled', instant(-120_000), 2, 1_000);
      const [started, unstarted] = runs;
      await setInstanceTimes(db.dataSource, 'stalled', { startedThrough: started.startedAt });

      const taken = await db.claims.takeOverExpired('taker', new Date(), 30_000, 10);

      expect(taken.map((run) => run.id)).toEqual([unstarted.id]);
      expect(await storedRun(db.dataSource, started.id)).toMatchObject({
        instanceId: 'stalled',
        status: 'pending',
      });
    });

    it('never takes a claim whose instance row is gone (counted as started: never run twice)', async () => {
      await claimSeries('forgotten', instant(-120_000), 1, 1_000);

      expect(await db.claims.takeOverExpired('taker', new Date(), 30_000, 10)).toEqual([]);
    });

    it('never takes its own expired claims', async () => {
      await registerInstance(db, 'self');
      const { runs } = await claimSeries('self', instant(-120_000), 2, 1_000);

      expect(await db.claims.takeOverExpired('self', new Date(), 30_000, 10)).toEqual([]);
      expect((await storedRun(db.dataSource, runs[0].id))?.instanceId).toBe('self');
    });

    if (kind === 'postgres') {
      it('skips claims another transaction holds locked (SKIP LOCKED) and takes them once they are free', async () => {
        await registerInstance(db, 'dead');
        const { runs } = await claimSeries('dead', instant(-600_000), 4, 1_000);
        const ids = runs.map((run) => run.id);
        const other = await db.connectAgain();
        const locker = other.dataSource.createQueryRunner();
        await locker.connect();
        await locker.startTransaction();
        try {
          await locker.query(`SELECT id FROM task_run WHERE id = ANY($1::uuid[]) FOR UPDATE`, [
            ids.slice(0, 2),
          ]);

          const whileLocked = await db.claims.takeOverExpired('taker-1', new Date(), 30_000, 10);
          expect(whileLocked.map((run) => run.id).sort()).toEqual(ids.slice(2).sort());
        } finally {
          await locker.rollbackTransaction();
          await locker.release();
        }

        const afterwards = await db.claims.takeOverExpired('taker-2', new Date(), 30_000, 10);
        expect(afterwards.map((run) => run.id).sort()).toEqual(ids.slice(0, 2).sort());
      });

      it('two takers racing on two connections take each expired claim exactly once', async () => {
        await registerInstance(db, 'dead');
        const { runs } = await claimSeries('dead', instant(-6_000_000), 60, 1_000);
        const other = await db.connectAgain();
        const now = new Date();

        const [one, two] = await Promise.all([
          db.claims.takeOverExpired('taker-1', now, 30_000, runs.length),
          other.claims.takeOverExpired('taker-2', now, 30_000, runs.length),
        ]);

        const oneIds = one.map((run) => run.id);
        const twoIds = two.map((run) => run.id);
        expect(oneIds.filter((id) => twoIds.includes(id))).toEqual([]);
        expect([...oneIds, ...twoIds].sort()).toEqual(runs.map((run) => run.id).sort());
        for (const run of one) expect((await storedRun(db.dataSource, run.id))?.instanceId).toBe('taker-1');
        for (const run of two) expect((await storedRun(db.dataSource, run.id))?.instanceId).toBe('taker-2');
      });
    }
  });

  describe('takeOver', () => {
    it("moves a dead instance's unstarted claims to this instance with the planned start cleared; a second call takes nothing", async () => {
      await registerInstance(db, 'dead');
      const { runs } = await claimSeries('dead', instant(60_000), 2);
      const ids = runs.map((run) => run.id);

      const taken = await db.claims.takeOver(ids, ['dead'], 'heir');
      const again = await db.claims.takeOver(ids, ['dead'], 'other-heir');

      expect(taken.map((run) => run.id).sort()).toEqual([...ids].sort());
      expect(again).toEqual([]);
      for (const id of ids) {
        expect(await storedRun(db.dataSource, id)).toMatchObject({
          instanceId: 'heir',
          startedAt: null,
          status: 'pending',
        });
      }
    });

    it('never moves a watermark-started claim, a running run, nor a claim of an instance it was not told is dead', async () => {
      await registerInstance(db, 'dead');
      await registerInstance(db, 'alive');
      const dead = (await claimSeries('dead', instant(-120_000), 2)).runs;
      const [watermarked, running] = dead;
      await setInstanceTimes(db.dataSource, 'dead', { startedThrough: watermarked.startedAt });
      await db.claims.startIfHeld([running.id], 'dead', instant(-60_000));
      const [alive] = (await claimSeries('alive', instant(60_000), 1)).runs;

      const taken = await db.claims.takeOver([watermarked.id, running.id, alive.id], ['dead'], 'heir');

      expect(taken).toEqual([]);
      expect((await storedRun(db.dataSource, alive.id))?.instanceId).toBe('alive');
    });
  });

  describe('deletePendingOf', () => {
    it("deletes the schedule's unstarted claims and never a watermark-started one, a running run or another schedule's claim", async () => {
      await registerInstance(db, 'a');
      const { schedule, runs } = await claimSeries('a', instant(-120_000), 4);
      const [watermarked, running, unstarted, later] = runs;
      await setInstanceTimes(db.dataSource, 'a', { startedThrough: watermarked.startedAt });
      await db.claims.startIfHeld([running.id], 'a', instant(-60_000));
      const [othersRun] = (await claimSeries('a', instant(60_000), 1)).runs;

      await db.claims.deletePendingOf(schedule.id);

      expect((await storedRunsOf(db.dataSource, schedule.id)).map((run) => run.id)).toEqual([
        watermarked.id,
        running.id,
      ]);
      expect(await storedRun(db.dataSource, unstarted.id)).toBeNull();
      expect(await storedRun(db.dataSource, later.id)).toBeNull();
      expect(await storedRun(db.dataSource, othersRun.id)).not.toBeNull();
    });
  });

  describe('deleteClaims', () => {
    it("deletes this instance's pending claims among the ids, whatever its watermark says, and nothing else", async () => {
      await registerInstance(db, 'a');
      const { runs } = await claimSeries('a', instant(-120_000), 2);
      const [watermarked, running] = runs;
      await setInstanceTimes(db.dataSource, 'a', { startedThrough: watermarked.startedAt });
      await db.claims.startIfHeld([running.id], 'a', instant(-60_000));
      const [othersRun] = (await claimSeries('b', instant(60_000), 1)).runs;

      await db.claims.deleteClaims([watermarked.id, running.id, othersRun.id], 'a');

      expect(await storedRun(db.dataSource, watermarked.id)).toBeNull();
      expect(await storedRun(db.dataSource, running.id)).not.toBeNull();
      expect(await storedRun(db.dataSource, othersRun.id)).not.toBeNull();
    });
  });
});
