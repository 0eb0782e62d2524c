import { beforeEach, describe, expect, it } from '@jest/globals';
import type { SchedulerOptions } from '../../config/scheduler-options';
import type { DatabaseEndpoint } from '../../persistence/database-endpoint';
import type { DataSource } from 'typeorm';
import type { FirePlanner } from './fire-planner.service';
import type { InstanceIdentity } from '../cluster/instance-identity';
import {
  SCHEDULE_CHANGES_CHANNEL,
  ScheduleChangeBus,
  type ScheduleChange,
} from './schedule-change-bus.service';

/** Lets every pending promise callback run (the bus chains its sends on promises). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A data source whose queries the test answers: by default at once, or held until released. */
class FakeDataSource {
  readonly calls: Array<{ sql: string; params: unknown[]; resolve: () => void; reject: (e: Error) => void }> =
    [];
  hold = false;

  query(sql: string, params: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.calls.push({ sql, params, resolve: () => resolve([]), reject });
      if (!this.hold) resolve([]);
    });
  }

  /** The notifications each query carried, decoded. */
  payloadsOf(call: number): ScheduleChange[] {
    const [channel, payloads] = this.calls[call].params as [string, string[]];
    expect(channel).toBe(SCHEDULE_CHANGES_CHANNEL);
    return payloads.map((payload) => JSON.parse(payload) as ScheduleChange);
  }
}

describe('ScheduleChangeBus.publish', () => {
  let db: FakeDataSource;

  const build = (kind: 'postgres' | 'embedded' = 'postgres') =>
    new ScheduleChangeBus(
      { kind, url: '' } as DatabaseEndpoint,
      db as unknown as DataSource,
      {} as FirePlanner,
      { id: 'me' } as unknown as InstanceIdentity,
      {} as SchedulerOptions,
    );

  beforeEach(() => {
    db = new FakeDataSource();
  });

  it('sends the changes of one turn as one pg_notify query: union of disarms, plan if any asked', async () => {
    const bus = build();
    await Promise.all([
      bus.publish({ disarm: ['a'], plan: false }),
      bus.publish({ disarm: ['b', 'a'], plan: true }),
      bus.publish({ disarm: [], plan: false }),
    ]);
    expect(db.calls).toHaveLength(1);
    expect(db.calls[0].sql).toContain('pg_notify');
    expect(db.payloadsOf(0)).toEqual([{ disarm: ['a', 'b'], plan: true, origin: 'me' }]);
  });

  it('sends a change with nothing to disarm as one payload (plan only)', async () => {
    await build().publish({ disarm: [], plan: true });
    expect(db.payloadsOf(0)).toEqual([{ disarm: [], plan: true, origin: 'me' }]);
  });

  it('gathers what is published during a send into the next single send', async () => {
    db.hold = true;
    const bus = build();
    const first = bus.publish({ disarm: ['a'], plan: false });
    await settle();
    expect(db.calls).toHaveLength(1);

    // The first send is in flight: these wait, together, for it to finish.
    const later = [bus.publish({ disarm: ['b'], plan: false }), bus.publish({ disarm: ['c'], plan: true })];
    await settle();
    expect(db.calls).toHaveLength(1);

    db.calls[0].resolve();
    await first;
    await settle();
    expect(db.calls).toHaveLength(2);
    expect(db.payloadsOf(1)).toEqual([{ disarm: ['b', 'c'], plan: true, origin: 'me' }]);
    // The first batch's settings do not leak into the second, nor the reverse.
    expect(db.payloadsOf(0)).toEqual([{ disarm: ['a'], plan: false, origin: 'me' }]);

    db.calls[1].resolve();
    await Promise.all(later);
  });

  it('splits more than 150 disarm ids across payloads of the same query', async () => {
    const ids = Array.from(
      { length: 320 },
      (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    );
    const bus = build();
    await Promise.all([
      bus.publish({ disarm: ids.slice(0, 200), plan: true }),
      bus.publish({ disarm: ids.slice(200), plan: false }),
    ]);
    expect(db.calls).toHaveLength(1);
    const payloads = db.payloadsOf(0);
    expect(payloads.map((change) => change.disarm.length)).toEqual([150, 150, 20]);
    expect(payloads.flatMap((change) => change.disarm)).toEqual(ids);
    expect(payloads.every((change) => change.origin === 'me')).toBe(true);
    // Planning is asked once, by the last payload: the receiver disarms everything first.
    expect(payloads.map((change) => change.plan)).toEqual([false, false, true]);
    // Each must fit PostgreSQL's 8000-byte NOTIFY payload limit.
    const raw = db.calls[0].params[1] as string[];
    for (const payload of raw) expect(Buffer.byteLength(payload)).toBeLessThan(8000);
  });

  it('a failed send rejects only its own callers; the next batch still goes out', async () => {
    db.hold = true;
    const bus = build();
    const failing = [
      bus.publish({ disarm: ['a'], plan: false }),
      bus.publish({ disarm: ['b'], plan: false }),
    ];
    await settle();
    const next = bus.publish({ disarm: ['c'], plan: true });

    db.calls[0].reject(new Error('connection lost'));
    for (const publish of failing) await expect(publish).rejects.toThrow('connection lost');
    await settle();
    expect(db.calls).toHaveLength(2);
    db.calls[1].resolve();
    await expect(next).resolves.toBeUndefined();
    expect(db.payloadsOf(1)).toEqual([{ disarm: ['c'], plan: true, origin: 'me' }]);

    // And a publish after the failure, with nothing in flight, is sent too.
    db.hold = false;
    await expect(bus.publish({ disarm: ['d'], plan: false })).resolves.toBeUndefined();
    expect(db.calls).toHaveLength(3);
  });

  it('with the embedded database there is no one to tell: nothing is queried', async () => {
    await expect(build('embedded').publish({ disarm: ['a'], plan: true })).resolves.toBeUndefined();
    await settle();
    expect(db.calls).toHaveLength(0);
  });
});
