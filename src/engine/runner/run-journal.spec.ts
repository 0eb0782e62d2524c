import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { isConnectionError } from '../../persistence/connection-error';
import type { DatabaseState } from '../../persistence/database-state.service';
import type { RunOutcome, TaskRunRepository } from '../../persistence/task-run.repository';
import { JOURNAL_BATCH, JOURNAL_FLUSH_MS, JOURNAL_MAX_WAITING, RunJournal } from './run-journal.service';

const outcome = (index: number): RunOutcome => ({
  id: `run-${index}`,
  status: 'succeeded',
  startedAt: new Date(0),
  finishedAt: new Date(5),
  durationMs: 5,
  error: null,
  result: null,
});

describe('RunJournal', () => {
  let statements: string[][];
  let journal: RunJournal;
  let refuse: (ids: string[]) => boolean;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    statements = [];
    refuse = () => false;
    const runs = {
      finish: (outcomes: RunOutcome[]) => {
        const ids = outcomes.map((one) => one.id);
        if (refuse(ids)) return Promise.reject(new Error('value too long'));
        statements.push(ids);
        return Promise.resolve();
      },
    };
    journal = new RunJournal(runs as unknown as TaskRunRepository);
  });

  it('writes a large flush in statements of at most JOURNAL_BATCH runs, each run once, in order', async () => {
    const count = JOURNAL_BATCH * 2 + 1;
    for (let index = 0; index < count; index++) journal.finished(outcome(index));
    await journal.flush();

    expect(statements.map((ids) => ids.length)).toEqual([JOURNAL_BATCH, JOURNAL_BATCH, 1]);
    expect(statements.flat()).toEqual(Array.from({ length: count }, (_, index) => `run-${index}`));
  });

  it('writes a refused batch run by run, and the other batches whole', async () => {
    const bad = `run-${JOURNAL_BATCH + 3}`;
    refuse = (ids) => ids.includes(bad) && ids.length > 1;
    for (let index = 0; index < JOURNAL_BATCH * 2; index++) journal.finished(outcome(index));
    await journal.flush();

    expect(statements[0]).toHaveLength(JOURNAL_BATCH);
    expect(statements.slice(1).every((ids) => ids.length === 1)).toBe(true);
    expect(statements.flat()).toHaveLength(JOURNAL_BATCH * 2);
  });
});

describe('RunJournal while the database is away', () => {
  let attempts: Array<{ at: number; ids: string[] }>;
  let written: string[];
  let down: boolean;
  let restore: () => void;
  let journal: RunJournal;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
    attempts = [];
    written = [];
    down = false;
    const runs = {
      finish: (outcomes: RunOutcome[]) => {
        const ids = outcomes.map((one) => one.id);
        attempts.push({ at: Date.now(), ids });
        if (down) return Promise.reject(new Error('Connection terminated unexpectedly'));
        written.push(...ids);
        return Promise.resolve();
      },
    };
    const database = {
      report: (error: unknown) => isConnectionError(error),
      onRestored: (listener: () => void) => (restore = listener),
    };
    journal = new RunJournal(runs as unknown as TaskRunRepository, database as unknown as DatabaseState);
  });

  afterEach(() => jest.useRealTimers());

  it('keeps a failed batch whole (never row by row) and tries it again with a doubling backoff', async () => {
    down = true;
    for (let index = 0; index < 5; index++) journal.finished(outcome(index));
    await jest.advanceTimersByTimeAsync(JOURNAL_FLUSH_MS + 250 + 500 + 1_000 + 2_000);
    expect(attempts.every((attempt) => attempt.ids.length === 5)).toBe(true);
    expect(attempts.map((attempt) => attempt.at)).toEqual([
      JOURNAL_FLUSH_MS,
      JOURNAL_FLUSH_MS + 250,
      JOURNAL_FLUSH_MS + 750,
      JOURNAL_FLUSH_MS + 1_750,
      JOURNAL_FLUSH_MS + 3_750,
    ]);
    expect(journal.holds('run-0')).toBe(true);
    expect(journal.waiting).toBe(5);

    // Back: written at once, each once, and nothing waits any more.
    down = false;
    journal.finished(outcome(5));
    restore();
    await jest.advanceTimersByTimeAsync(0);
    expect(written.sort()).toEqual(['run-0', 'run-1', 'run-2', 'run-3', 'run-4', 'run-5']);
    expect(journal.waiting).toBe(0);
    expect(journal.holds('run-0')).toBe(false);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(written).toHaveLength(6);
  });

  it(`keeps at most ${JOURNAL_MAX_WAITING} statuses, dropping the oldest`, async () => {
    down = true;
    for (let index = 0; index < JOURNAL_MAX_WAITING + 10; index++) journal.finished(outcome(index));
    expect(journal.waiting).toBe(JOURNAL_MAX_WAITING);
    expect(journal.holds('run-9')).toBe(false);
    expect(journal.holds('run-10')).toBe(true);
    expect(journal.holds(`run-${JOURNAL_MAX_WAITING + 9}`)).toBe(true);
    await jest.advanceTimersByTimeAsync(JOURNAL_FLUSH_MS);
    down = false;
    restore();
    await jest.advanceTimersByTimeAsync(0);
    expect(written).toHaveLength(JOURNAL_MAX_WAITING);
  });
});
