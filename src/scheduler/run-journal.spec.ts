import { Logger } from '@nestjs/common';
import type { RunOutcome, TaskRunRepository } from '../persistence/task-run.repository';
import { JOURNAL_BATCH, RunJournal } from './run-journal.service';

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
