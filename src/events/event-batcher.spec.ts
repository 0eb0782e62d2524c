import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { EventBatcher } from './event-batcher';
import type { BatchedEvent, EventsBatch } from './event-payloads';

const TASK_A = 'aaaaaaaa-0000-4000-8000-000000000000';
const TASK_B = 'bbbbbbbb-0000-4000-8000-000000000000';

/** A socket that records each batch with the fake clock's time. */
class RecordingSocket {
  readonly batches: Array<{ atMs: number; batch: EventsBatch }> = [];
  constructor(readonly id: string) {}
  emit(event: string, batch: EventsBatch): void {
    expect(event).toBe('events_batch');
    this.batches.push({ atMs: Date.now(), batch });
  }
}

const started = (taskId: string, runId: string): BatchedEvent => ({
  name: 'task_started',
  payload: { taskId, runId, scheduledFor: '2026-01-01T00:00:00.000Z', startedAt: '2026-01-01T00:00:00.000Z' },
});
const removed = (taskId: string): BatchedEvent => ({ name: 'schedule_removed', payload: { taskId } });
const runIds = (batch: EventsBatch) => batch.map((event) => (event.payload as { runId?: string }).runId);

describe('EventBatcher', () => {
  let batcher: EventBatcher;
  const everything = () => true;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    batcher = new EventBatcher(100);
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('sends the first events at once, then at most one batch per 100 ms, in order', () => {
    const socket = new RecordingSocket('s1');
    batcher.add(socket, everything);
    batcher.push([started(TASK_A, 'r1'), started(TASK_A, 'r2')]);
    expect(socket.batches).toHaveLength(0); // on the next timer turn, with the rest of this turn
    batcher.push([started(TASK_A, 'r3')]);
    jest.advanceTimersByTime(0);
    expect(socket.batches.map(({ batch }) => runIds(batch))).toEqual([['r1', 'r2', 'r3']]);

    for (let ms = 0; ms < 250; ms += 10) {
      batcher.push([started(TASK_A, `t${ms}`)]);
      jest.advanceTimersByTime(10);
    }
    jest.advanceTimersByTime(100);
    const times = socket.batches.map(({ atMs }) => atMs);
    for (let index = 1; index < times.length; index++)
      expect(times[index] - times[index - 1]).toBeGreaterThanOrEqual(100);
    expect(socket.batches.flatMap(({ batch }) => runIds(batch))).toEqual([
      'r1',
      'r2',
      'r3',
      ...Array.from({ length: 25 }, (_, index) => `t${index * 10}`),
    ]);
    expect(socket.batches).toHaveLength(4);
  });

  it('keeps each event whole: name and payload as the named event carries them', () => {
    const socket = new RecordingSocket('s1');
    batcher.add(socket, everything);
    const events = [started(TASK_A, 'r1'), removed(TASK_A)];
    batcher.push(events);
    jest.advanceTimersByTime(0);
    expect(socket.batches[0].batch).toEqual(events);
  });

  it('sends nothing when nothing is pending, however long it waits', () => {
    const socket = new RecordingSocket('s1');
    batcher.add(socket, everything);
    batcher.push([]);
    jest.advanceTimersByTime(1_000);
    expect(socket.batches).toHaveLength(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('gives each client only the tasks it asked for; a client with nothing to get gets no batch', () => {
    const onlyA = new RecordingSocket('a');
    const onlyB = new RecordingSocket('b');
    const all = new RecordingSocket('all');
    batcher.add(onlyA, (taskId) => taskId === TASK_A);
    batcher.add(onlyB, (taskId) => taskId === TASK_B);
    batcher.add(all, everything);
    batcher.push([started(TASK_A, 'r1'), started(TASK_A, 'r2'), removed(TASK_A)]);
    jest.advanceTimersByTime(100);
    expect(runIds(onlyA.batches[0].batch)).toEqual(['r1', 'r2', undefined]);
    expect(onlyB.batches).toHaveLength(0);
    expect(all.batches).toHaveLength(1);
  });

  it('reads the filter when each event arrives, so a new subscription counts from then on', () => {
    const socket = new RecordingSocket('s1');
    const tasks = new Set([TASK_A]);
    batcher.add(socket, (taskId) => tasks.has(taskId));
    batcher.push([started(TASK_B, 'before')]);
    tasks.add(TASK_B);
    batcher.push([started(TASK_B, 'after')]);
    jest.advanceTimersByTime(0);
    expect(socket.batches.flatMap(({ batch }) => runIds(batch))).toEqual(['after']);
  });

  it('flushes what is pending when a client leaves with flush (back to named events, server closing)', () => {
    const socket = new RecordingSocket('s1');
    batcher.add(socket, everything);
    batcher.push([started(TASK_A, 'r1')]);
    jest.advanceTimersByTime(0);
    batcher.push([started(TASK_A, 'r2')]); // waits for the interval
    batcher.remove('s1', true);
    expect(socket.batches.map(({ batch }) => runIds(batch))).toEqual([['r1'], ['r2']]);
    expect(batcher.has('s1')).toBe(false);
    batcher.push([started(TASK_A, 'r3')]);
    jest.advanceTimersByTime(1_000);
    expect(socket.batches).toHaveLength(2);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('drops what is pending for a client that disconnected, and leaves no timer behind', () => {
    const socket = new RecordingSocket('s1');
    batcher.add(socket, everything);
    batcher.push([started(TASK_A, 'r1')]);
    batcher.remove('s1', false);
    jest.advanceTimersByTime(1_000);
    expect(socket.batches).toHaveLength(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a socket added twice keeps its pending events and takes the new filter', () => {
    const socket = new RecordingSocket('s1');
    batcher.add(socket, everything);
    batcher.push([started(TASK_A, 'r1')]);
    batcher.add(socket, (taskId) => taskId === TASK_B);
    batcher.push([started(TASK_A, 'r2'), started(TASK_B, 'r3')]);
    jest.advanceTimersByTime(0);
    expect(socket.batches.map(({ batch }) => runIds(batch))).toEqual([['r1', 'r3']]);
    expect(batcher.size).toBe(1);
  });
});
