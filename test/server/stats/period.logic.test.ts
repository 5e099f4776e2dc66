import { describe, expect, it } from 'vitest';
import { addDays, coverDays, dayStartMs, parseDay, periodOf } from '../../../server/src/stats/period.logic.js';

describe('periodOf', () => {
  it('uses the Shanghai calendar: 16:00 UTC is already the next day (R21 daily figures)', () => {
    const justBefore = Date.UTC(2026, 10, 20, 15, 59, 59, 999);
    const midnight = Date.UTC(2026, 10, 20, 16, 0, 0);
    expect(periodOf(justBefore, 'D')).toBe(20261120);
    expect(periodOf(midnight, 'D')).toBe(20261121);
    expect(periodOf(midnight, 'H')).toBe(2026112100);
    expect(periodOf(justBefore, 'H')).toBe(2026112023);
  });

  it('rolls months and years over at Shanghai midnight', () => {
    const newYear = Date.UTC(2026, 11, 31, 16, 0, 0);
    expect(periodOf(newYear, 'M')).toBe(202701);
    expect(periodOf(newYear - 1, 'M')).toBe(202612);
    expect(periodOf(newYear, 'A')).toBe(0);
  });
});

describe('parseDay and dayStartMs', () => {
  it('parses calendar days and rejects impossible ones', () => {
    expect(parseDay('2026-11-21')).toBe(20261121);
    expect(parseDay('2028-02-29')).toBe(20280229);
    expect(parseDay('2026-02-29')).toBeNull();
    expect(parseDay('2026-13-01')).toBeNull();
    expect(parseDay('20261121')).toBeNull();
  });

  it('starts a day at 00:00 Shanghai time', () => {
    expect(new Date(dayStartMs(20261121)).toISOString()).toBe('2026-11-20T16:00:00.000Z');
    expect(periodOf(dayStartMs(20261121), 'D')).toBe(20261121);
    expect(addDays(20261231, 1)).toBe(20270101);
    expect(addDays(20240301, -1)).toBe(20240229);
  });
});

describe('coverDays', () => {
  it('reads whole months as month rows and ragged ends as day rows', () => {
    expect(coverDays(20261130, 20270102)).toEqual({ months: [202612], days: [20261130, 20270101, 20270102] });
    expect(coverDays(20260101, 20261231).months).toHaveLength(12);
    expect(coverDays(20260101, 20261231).days).toHaveLength(0);
    expect(coverDays(20261105, 20261107)).toEqual({ months: [], days: [20261105, 20261106, 20261107] });
  });
});
