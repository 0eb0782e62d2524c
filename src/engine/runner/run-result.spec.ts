import type { RunExecutor } from './run-executor.service';
import {
  afterStarts,
  flush,
  useRunExecutorBed,
  type ControlledHandler,
  type FakeJournal,
} from './run-executor.test-helper';
import { boundResult, MAX_RESULT_BYTES } from './run-result';

describe('RunExecutor', () => {
  const bed = useRunExecutorBed();
  const { fire, eventsOf } = bed;
  let executor: RunExecutor;
  let handler: ControlledHandler;
  let journal: FakeJournal;
  beforeEach(() => ({ executor, handler, journal } = bed));

  describe('result bounds', () => {
    it('keeps results up to 64 KiB as they are', () => {
      expect(MAX_RESULT_BYTES).toBe(64 * 1024);
      const small = { a: 1, list: [1, 2, 3] };
      expect(boundResult(small)).toBe(small);
      // exactly the limit: the JSON text `"xxx…"` is 64 KiB
      const atLimit = 'x'.repeat(MAX_RESULT_BYTES - 2);
      expect(boundResult(atLimit)).toBe(atLimit);
    });

    it('cuts a result over 64 KiB to a marked preview', () => {
      const big = { text: 'y'.repeat(MAX_RESULT_BYTES) };
      const bounded = boundResult(big) as { truncated: boolean; preview: string };
      expect(bounded.truncated).toBe(true);
      expect(JSON.stringify(big).startsWith(bounded.preview)).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(bounded))).toBeLessThanOrEqual(MAX_RESULT_BYTES);

      const justOver = 'x'.repeat(MAX_RESULT_BYTES - 1);
      expect(boundResult(justOver)).toMatchObject({ truncated: true });
    });

    it('maps undefined to null and refuses nothing (circular or BigInt results become a note)', () => {
      expect(boundResult(undefined)).toBeNull();
      expect(boundResult(() => 1)).toBeNull();
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      expect(boundResult(circular)).toEqual({ unserializable: true });
      expect(boundResult(10n)).toEqual({ unserializable: true });
    });

    // Regression: the preview was cut in UTF-16 units, so multi-byte text went past 64 KiB.
    it('a truncated result of multi-byte text stays within 64 KiB', () => {
      const bounded = boundResult('字'.repeat(40_000)) as { truncated: boolean; preview: string };
      expect(bounded.truncated).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(bounded))).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    });

    // Regression: cutting mid-emoji left a lone surrogate, which jsonb refuses.
    it('a truncated preview never ends in half a character', () => {
      const bounded = boundResult('😀'.repeat(20_000)) as { truncated: boolean; preview: string };
      expect(bounded.truncated).toBe(true);
      const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
      expect(loneSurrogate.test(bounded.preview)).toBe(false);
    });

    it('the executor stores and emits the bounded result', async () => {
      executor.launch(fire());
      await afterStarts();
      handler.callOf('run-1').resolve({ blob: 'z'.repeat(100 * 1024) });
      await flush();

      const finished = eventsOf('run-1')[1];
      expect(finished.name).toBe('task_finished');
      expect(finished.payload).toMatchObject({ result: { truncated: true, preview: expect.any(String) } });
      expect(journal.outcomeOf('run-1')?.result).toMatchObject({ truncated: true });
      expect(Buffer.byteLength(JSON.stringify(journal.outcomeOf('run-1')?.result))).toBeLessThanOrEqual(
        MAX_RESULT_BYTES,
      );
    });
  });
});
