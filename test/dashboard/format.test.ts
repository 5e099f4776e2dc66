import { describe, expect, it } from 'vitest';
import {
  easeOutCubic,
  formatClock,
  formatCompact,
  formatCount,
  formatDay,
  formatFeedTime,
  formatPeriodDay,
  formatRate,
  tweenValue,
} from '../../dashboard/src/format.js';

describe('formatCount', () => {
  it('shows exact integers with thousands separators and a dash for missing figures', () => {
    expect(formatCount(12_486_000)).toBe('12,486,000');
    expect(formatCount(0)).toBe('0');
    expect(formatCount(null)).toBe('—');
    expect(formatCount(Number.NaN)).toBe('—');
  });
});

describe('formatCompact', () => {
  it('uses 万 and 亿 in Chinese and K/M/B in English, exact below ten thousand', () => {
    expect(formatCompact(9_999)).toBe('9,999');
    expect(formatCompact(12_486_000)).toBe('1248.6万');
    expect(formatCompact(1_248_600_000)).toBe('12.48亿');
    expect(formatCompact(12_486_000, 'en')).toBe('12.4M');
    expect(formatCompact(15_500, 'en')).toBe('15.5K');
  });

  it('truncates rather than rounds, so a figure never looks larger than it is', () => {
    expect(formatCompact(19_999, 'zh-CN')).toBe('1.9万');
  });
});

describe('formatRate', () => {
  it('truncates at the last digit so 99.96% good never reads 100.00% while bad reviews exist (R21)', () => {
    expect(formatRate(0.99996)).toBe('99.99%');
    expect(formatRate(0.999)).toBe('99.90%');
    expect(formatRate(1)).toBe('100.00%');
  });

  it('never shows a non-zero rate as zero', () => {
    expect(formatRate(0.000001)).toBe('0.01%');
    expect(formatRate(0)).toBe('0.00%');
  });

  it('copes with float noise and missing rates', () => {
    expect(formatRate(0.1 + 0.2 - 0.3 + 0.07)).toBe('7.00%');
    expect(formatRate(null)).toBe('—');
    expect(formatRate(0.5, 0)).toBe('50%');
  });
});

describe('time formatting', () => {
  it("shows Beijing time whatever the screen's time zone", () => {
    expect(formatClock('2026-11-20T16:05:09Z')).toBe('00:05:09');
    expect(formatDay(new Date('2026-11-20T16:05:09Z'))).toBe('2026-11-21');
    expect(formatClock(null)).toBe('—');
    // A feed entry shows its day when it is not from today (R12: bad reviews reach public feeds late).
    expect(formatFeedTime('2026-11-20T14:05:09+08:00', '2026-11-20T23:59:00+08:00')).toBe('14:05:09');
    expect(formatFeedTime('2026-11-19T23:40:00+08:00', '2026-11-20T00:10:00+08:00')).toBe('11-19 23:40');
    expect(formatClock('not a date')).toBe('—');
  });

  it('labels trend days by month and day', () => {
    expect(formatPeriodDay(20261121)).toBe('11-21');
  });
});

describe('counter animation', () => {
  it('eases from the old to the new value and ends exactly on it', () => {
    expect(easeOutCubic(0)).toBe(0);
    expect(easeOutCubic(1)).toBe(1);
    expect(easeOutCubic(2)).toBe(1);
    expect(tweenValue(100, 200, 0)).toBe(100);
    expect(tweenValue(100, 200, 0.5)).toBeGreaterThan(150);
    expect(tweenValue(100, 200, 1)).toBe(200);
    expect(tweenValue(200, 100, 1)).toBe(100);
  });
});
