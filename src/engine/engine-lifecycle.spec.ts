import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { DEFAULT_SCHEDULER_OPTIONS } from '../config/scheduler-options';
import { SchedulerEventEmitter } from '../events/scheduler-event.emitter';
import { DatabaseState, PROBE_FIRST_MS } from '../persistence/database-state.service';
import type { InstanceRepository, InstanceRow } from '../persistence/instance.repository';
import type { TaskRunEntity } from '../persistence/task-run.entity';
import type { RunClaimsRepository } from '../persistence/run-claims.repository';
import type { TaskRunRepository } from '../persistence/task-run.repository';
import { ClusterMembership } from './cluster/cluster-membership.service';
import type { FirePlanner } from './planner/fire-planner.service';
import { InstanceIdentity } from './cluster/instance-identity';
import { INSTANCE_LEASE_MS } from './cluster/leases';
import type { RunExecutor } from './runner/run-executor.service';
import type { RunJournal } from './runner/run-journal.service';
import { RunOutcomes } from './runner/run-outcomes';
import { EngineLifecycle } from './engine-lifecycle.service';
import { FireTimers } from './fire-timers';

const T0 = Date.parse('2027-01-01T00:00:00Z');

describe('EngineLifecycle after a database outage', () => {
  let identity: InstanceIdentity;
  let membership: ClusterMembership;
  let state: DatabaseState;
  let lifecycle: EngineLifecycle;
  let peer: InstanceRow;
  let deadLookups: Array<{ leaseMs: number | null; deadIds: string[] }>;
  let interrupted: string[];
  let takenOver: string[];
  let databaseUp: boolean;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    identity = new InstanceIdentity();
    membership = new ClusterMembership(identity);
    databaseUp = true;
    state = new DatabaseState({
      driver: {},
      query: () => (databaseUp ? Promise.resolve([]) : Promise.reject(new Error('connect ECONNREFUSED'))),
    } as unknown as DataSource);
    // A peer on another host whose heartbeat went stale during the outage, like everyone's.
    peer = {
      id: 'peer',
      host: 'elsewhere',
      pid: 1,
      startedAt: new Date(T0 - 60_000),
      heartbeatAt: new Date(T0 - 15_000),
      stoppedAt: null,
      alive: false,
    };
    deadLookups = [];
    interrupted = [];
    takenOver = [];
    const self = { ...peer, id: identity.id, host: identity.host, pid: identity.pid, alive: true };
    const peerRun = {
      id: 'run-of-peer',
      taskId: 't',
      status: 'running',
      instanceId: 'peer',
    } as TaskRunEntity;
    const runs = {
      findOpenOfDeadInstances: (leaseMs: number | null, deadIds: string[]) => {
        deadLookups.push({ leaseMs, deadIds });
        // What the SQL answers: the peer's run only when silence counts (leaseMs set).
        return Promise.resolve(leaseMs === null && !deadIds.includes('peer') ? [] : [peerRun]);
      },
      findExpiredOf: () => Promise.resolve([]),
      interrupt: (ids: string[]) => {
        interrupted.push(...ids);
        return Promise.resolve([]);
      },
      takeOver: (ids: string[]) => {
        takenOver.push(...ids);
        return Promise.resolve([]);
      },
    };
    const instances = {
      findAll: () => Promise.resolve([self, peer]),
      remove: () => Promise.resolve(),
    };
    lifecycle = new EngineLifecycle(
      instances as unknown as InstanceRepository,
      runs as unknown as TaskRunRepository,
      runs as unknown as RunClaimsRepository,
      { armTakenOver: () => Promise.resolve(), tick: () => Promise.resolve() } as unknown as FirePlanner,
      { isHandling: () => false } as unknown as RunExecutor,
      { flush: () => Promise.resolve(), holds: () => false } as unknown as RunJournal,
      new RunOutcomes(
        { flush: () => Promise.resolve() } as unknown as RunJournal,
        new SchedulerEventEmitter(),
        new Clock(),
      ),
      membership,
      new FireTimers(new SchedulerRegistry(), new Clock()),
      identity,
      new Clock(),
      { ...DEFAULT_SCHEDULER_OPTIONS },
      state,
    );
  });

  afterEach(() => {
    state.onApplicationShutdown();
    jest.useRealTimers();
  });

  const loseAndRegain = async () => {
    databaseUp = false;
    state.report(new Error('Connection terminated unexpectedly'));
    await jest.advanceTimersByTimeAsync(1_000);
    databaseUp = true;
    await jest.advanceTimersByTimeAsync(2_000);
    expect(state.reachable).toBe(true);
  };

  it('judges a silent peer dead when the database was never lost (a crashed peer is recovered)', async () => {
    await lifecycle.recover();
    expect(deadLookups.at(-1)).toEqual({ leaseMs: INSTANCE_LEASE_MS, deadIds: ['peer'] });
    expect(interrupted).toEqual(['run-of-peer']);
    expect(membership.partition.count).toBe(1);
  });

  it('judges no peer dead by its stale heartbeat until its own access has lasted a whole lease', async () => {
    await loseAndRegain();
    const regainedAt = Date.now();
    for (let elapsed = 0; elapsed < INSTANCE_LEASE_MS; elapsed += 2_000) {
      await lifecycle.recover();
      expect(lifecycle.peersJudgeable).toBe(false);
      expect(deadLookups.at(-1)).toEqual({ leaseMs: null, deadIds: [] });
      // The peer still counts as a member: its schedules stay its own.
      expect(membership.partition.count).toBe(2);
      await jest.advanceTimersByTimeAsync(2_000);
    }
    expect(interrupted).toEqual([]);
    expect(takenOver).toEqual([]);

    // A full lease later a peer that still has not beaten is dead.
    await jest.advanceTimersByTimeAsync(regainedAt + INSTANCE_LEASE_MS - Date.now());
    expect(lifecycle.peersJudgeable).toBe(true);
    await lifecycle.recover();
    expect(deadLookups.at(-1)).toEqual({ leaseMs: INSTANCE_LEASE_MS, deadIds: ['peer'] });
    expect(interrupted).toEqual(['run-of-peer']);
  });

  it('still judges at once a peer that marked itself stopped, during the wait', async () => {
    await loseAndRegain();
    peer.stoppedAt = new Date(T0);
    await lifecycle.recover();
    expect(deadLookups.at(-1)).toEqual({ leaseMs: null, deadIds: ['peer'] });
    expect(interrupted).toEqual(['run-of-peer']);
  });

  it('starts the wait again when the database is lost again', async () => {
    await loseAndRegain();
    await jest.advanceTimersByTimeAsync(INSTANCE_LEASE_MS - PROBE_FIRST_MS);
    await loseAndRegain();
    expect(lifecycle.peersJudgeable).toBe(false);
  });
});
