import { describe, expect, it } from 'vitest';
import { shouldApplySnapshot } from '../../dashboard/src/composables/snapshot.js';
import { backoffDelay } from '../../dashboard/src/api/backoff.js';

describe('shouldApplySnapshot', () => {
  it('takes the first snapshot and then only newer ones on the same connection', () => {
    expect(shouldApplySnapshot(null, { seq: 5, generation: 1 })).toBe(true);
    expect(shouldApplySnapshot({ seq: 5, generation: 1 }, { seq: 6, generation: 1 })).toBe(true);
    expect(shouldApplySnapshot({ seq: 6, generation: 1 }, { seq: 6, generation: 1 })).toBe(false);
    expect(shouldApplySnapshot({ seq: 6, generation: 1 }, { seq: 4, generation: 1 })).toBe(false);
  });

  it('replaces what is held with the first snapshot after a reconnect, unless it is the very one shown', () => {
    // Another server (or a restarted one) may number lower: its snapshot is still the current truth.
    expect(shouldApplySnapshot({ seq: 900, generation: 1 }, { seq: 300, generation: 2 })).toBe(true);
    expect(shouldApplySnapshot({ seq: 900, generation: 1 }, { seq: 900, generation: 2 })).toBe(false);
  });

  it('ignores a snapshot without a sequence number', () => {
    expect(shouldApplySnapshot(null, { seq: Number.NaN, generation: 1 })).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially from the base, with jitter, up to the cap', () => {
    const low = () => 0;
    const high = () => 1;
    expect(backoffDelay(0, { random: low })).toBe(250);
    expect(backoffDelay(0, { random: high })).toBe(500);
    expect(backoffDelay(3, { random: high })).toBe(4000);
    expect(backoffDelay(30, { random: high })).toBe(30_000);
    expect(backoffDelay(30, { random: low })).toBe(15_000);
    expect(backoffDelay(-1, { random: high, baseMs: 1000 })).toBe(1000);
  });
});
