import { describe, expect, it } from '@jest/globals';
import type { ScheduleEntity } from '../../persistence/schedule.entity';
import { TriggerCache } from './trigger-cache';

type Stored = Pick<
  ScheduleEntity,
  'id' | 'version' | 'spec' | 'timezone' | 'scheduledAt' | 'startAt' | 'endAt'
>;

const T0 = new Date('2027-01-01T00:00:00Z');

const stored = (id: string, version = 1, spec = 'cron:* * * * *'): Stored => ({
  id,
  version,
  spec,
  timezone: 'UTC',
  scheduledAt: T0,
  startAt: null,
  endAt: null,
});

describe('TriggerCache', () => {
  it('returns the same Trigger for the same id and version (no re-parse)', () => {
    const cache = new TriggerCache();
    const first = cache.get(stored('a'));
    // A fresh row object with identical contents: identity proves the parse was skipped.
    expect(cache.get(stored('a'))).toBe(first);
  });

  it('re-parses when the version changes, and keeps the new trigger', () => {
    const cache = new TriggerCache();
    const v1 = cache.get(stored('a', 1, 'cron:* * * * *'));
    const v2 = cache.get(stored('a', 2, 'every 30m'));
    expect(v2).not.toBe(v1);
    // The edit's spec is the one in force: every 30 minutes from scheduledAt, not every minute.
    expect(v2.type).toBe('interval');
    expect(v2.nextFireTime(null, T0)?.toISOString()).toBe('2027-01-01T00:30:00.000Z');
    expect(v1.type).toBe('cron');
    expect(cache.get(stored('a', 2, 'every 30m'))).toBe(v2);
  });

  it('forget drops the entry, so the next get parses again', () => {
    const cache = new TriggerCache();
    const first = cache.get(stored('a'));
    cache.forget('a');
    expect(cache.get(stored('a'))).not.toBe(first);
  });

  it('is bounded: past its size the oldest parsed entry is evicted', () => {
    const cache = new TriggerCache(2);
    const a = cache.get(stored('a'));
    const b = cache.get(stored('b'));
    const c = cache.get(stored('c'));
    // The two most recent are still cached...
    expect(cache.get(stored('b'))).toBe(b);
    expect(cache.get(stored('c'))).toBe(c);
    // ...and the first went when the third came in.
    expect(cache.get(stored('a'))).not.toBe(a);
  });

  it('a version bump of a cached schedule does not grow the cache past its size', () => {
    const cache = new TriggerCache(2);
    cache.get(stored('a', 1));
    const b = cache.get(stored('b'));
    // Replacing a's entry must not count as a third entry and push b out.
    cache.get(stored('a', 2));
    expect(cache.get(stored('b'))).toBe(b);
  });
});
