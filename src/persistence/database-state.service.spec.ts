import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DatabaseState, PROBE_FIRST_MS, PROBE_MAX_MS } from './database-state.service';

const T0 = Date.parse('2027-01-01T00:00:00Z');
const lost = () => Object.assign(new Error('Connection terminated unexpectedly'), { code: undefined });

describe('DatabaseState', () => {
  let up: boolean;
  let probes: number[];
  let state: DatabaseState;
  let logged: string[];

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    up = true;
    probes = [];
    logged = [];
    const dataSource = {
      driver: {},
      query: () => {
        probes.push(Date.now() - T0);
        return up ? Promise.resolve([]) : Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
      },
    };
    state = new DatabaseState(dataSource as unknown as DataSource);
    const record = (message: unknown) => void logged.push(String(message));
    Logger.overrideLogger({ log: record, error: record, warn: record, debug: record, verbose: record });
  });

  afterEach(() => {
    state.onApplicationShutdown();
    jest.useRealTimers();
    Logger.overrideLogger(false);
  });

  it('is reachable, and has been for any length of time, until a connection error', () => {
    expect(state.reachable).toBe(true);
    expect(state.reachableFor(10_000)).toBe(true);
    expect(state.report(new Error('duplicate key value'))).toBe(false);
    expect(state.reachable).toBe(true);
    expect(state.report(lost())).toBe(true);
    expect(state.reachable).toBe(false);
    expect(state.outage).toEqual({ since: new Date(T0), reason: 'Connection terminated unexpectedly' });
  });

  it('logs the outage once however many errors are reported, probes with a doubling backoff, logs the return once with its length', async () => {
    let restored = 0;
    state.onRestored(() => restored++);
    up = false;
    for (let index = 0; index < 50; index++) state.report(lost());
    await jest.advanceTimersByTimeAsync(30_000);
    // 250, 500, 1000, then every 2 s.
    const waits = probes.map((at, index) => at - (index === 0 ? 0 : probes[index - 1]));
    expect(waits.slice(0, 6)).toEqual([PROBE_FIRST_MS, 500, 1_000, PROBE_MAX_MS, PROBE_MAX_MS, PROBE_MAX_MS]);
    expect(logged.filter((line) => line.startsWith('Database unreachable'))).toHaveLength(1);
    expect(restored).toBe(0);

    up = true;
    await jest.advanceTimersByTimeAsync(PROBE_MAX_MS);
    expect(state.reachable).toBe(true);
    expect(restored).toBe(1);
    const back = logged.filter((line) => line.startsWith('Database reachable again'));
    expect(back).toEqual([`Database reachable again after ${((probes.at(-1) ?? 0) / 1000).toFixed(1)} s`]);
    // Probing stops once it is back.
    const count = probes.length;
    await jest.advanceTimersByTimeAsync(60_000);
    expect(probes).toHaveLength(count);
  });

  it('counts the time reachable again from the return, not from the start', async () => {
    state.report(lost());
    await jest.advanceTimersByTimeAsync(PROBE_FIRST_MS);
    expect(state.reachable).toBe(true);
    expect(state.reachableFor(10_000)).toBe(false);
    await jest.advanceTimersByTimeAsync(9_999);
    expect(state.reachableFor(10_000)).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(state.reachableFor(10_000)).toBe(true);
  });
});
