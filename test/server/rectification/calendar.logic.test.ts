import { describe, expect, it } from 'vitest';
import {
  deadlineAfter,
  epochDayOf,
  parseLimit,
  parseYmd,
  resumeDeadline,
  shanghaiDateTime,
  workCalendar,
  type CalendarDay,
} from '../../../server/src/rectification/calendar.logic.js';

/** A Shanghai wall-clock time as an instant. */
const sh = (text: string) => new Date(`${text}+08:00`).getTime();
/** The end (24:00) of a Shanghai day, the form every deadline takes. */
const endOf = (day: string) => sh(`${day}T00:00:00`) + 86_400_000;
const plain = workCalendar([]);
// Invented calendar entries for the tests (not an official arrangement).
const newYear: CalendarDay[] = [{ day: 20270101, kind: 'HOLIDAY' }];
const newYearWithMakeUp: CalendarDay[] = [...newYear, { day: 20270102, kind: 'WORKDAY' }];

describe('deadline calendar (R16, Asia/Shanghai)', () => {
  it('counts 15 natural days from the day after the bad review (Xuchang default)', () => {
    expect(deadlineAfter(sh('2026-11-20T10:00:00'), { n: 15, unit: 'N' }, plain)).toBe(endOf('2026-12-05'));
  });

  it('uses the Shanghai calendar day, not the UTC one (R16)', () => {
    // Saturday 00:30 in Shanghai is still Friday in UTC.
    const saturdayEarly = sh('2026-11-21T00:30:00');
    expect(new Date(saturdayEarly).getUTCDay()).toBe(5);
    expect(deadlineAfter(saturdayEarly, { n: 1, unit: 'N' }, plain)).toBe(endOf('2026-11-22'));
    expect(deadlineAfter(sh('2026-11-20T23:59:59'), { n: 1, unit: 'N' }, plain)).toBe(endOf('2026-11-21'));
  });

  it('skips the weekend for working days: Friday + 1 working day ends on Monday (R16)', () => {
    expect(deadlineAfter(sh('2026-11-20T10:00:00'), { n: 1, unit: 'W' }, plain)).toBe(endOf('2026-11-23'));
    expect(deadlineAfter(sh('2026-11-21T23:30:00'), { n: 1, unit: 'W' }, plain)).toBe(endOf('2026-11-23'));
  });

  it('counts 5 working days (Dezhou) and 15 working days (Liaoning, Sichuan) over weekends (R16)', () => {
    expect(deadlineAfter(sh('2026-11-20T10:00:00'), { n: 5, unit: 'W' }, plain)).toBe(endOf('2026-11-27'));
    expect(deadlineAfter(sh('2026-11-20T10:00:00'), { n: 15, unit: 'W' }, plain)).toBe(endOf('2026-12-11'));
  });

  it('skips holidays and counts worked weekend days (调休) from the calendar (R16)', () => {
    const thursday = sh('2026-12-31T10:00:00');
    expect(deadlineAfter(thursday, { n: 1, unit: 'W' }, plain)).toBe(endOf('2027-01-01'));
    expect(deadlineAfter(thursday, { n: 1, unit: 'W' }, workCalendar(newYear))).toBe(endOf('2027-01-04'));
    expect(deadlineAfter(thursday, { n: 1, unit: 'W' }, workCalendar(newYearWithMakeUp))).toBe(endOf('2027-01-02'));
    // Natural days ignore the calendar.
    expect(deadlineAfter(thursday, { n: 1, unit: 'N' }, workCalendar(newYear))).toBe(endOf('2027-01-01'));
  });

  it('ends a limit of 0 days at the end of the same day (立整立改)', () => {
    expect(deadlineAfter(sh('2026-11-21T09:00:00'), { n: 0, unit: 'W' }, plain)).toBe(endOf('2026-11-21'));
  });

  it('gives back the natural days an appeal was pending (R16)', () => {
    const due = endOf('2026-12-05');
    // 12 days were left on 23 Nov; counted again from 27 Nov they end on 9 Dec.
    expect(resumeDeadline(due, 'N', sh('2026-11-23T10:00:00'), sh('2026-11-27T15:00:00'), plain)).toBe(endOf('2026-12-09'));
  });

  it('gives back the working days an appeal was pending, over a weekend (R16)', () => {
    const due = deadlineAfter(sh('2026-11-20T10:00:00'), { n: 15, unit: 'W' }, plain);
    // Pending Mon 23 → Thu 26 Nov: Tue, Wed and Thu did not count, so the deadline moves 3 working days.
    expect(resumeDeadline(due, 'W', sh('2026-11-23T10:00:00'), sh('2026-11-26T17:00:00'), plain)).toBe(endOf('2026-12-16'));
    // With a holiday on one of those later days the deadline moves one day further.
    const withHoliday = workCalendar([{ day: 20261215, kind: 'HOLIDAY' }]);
    const due2 = deadlineAfter(sh('2026-11-20T10:00:00'), { n: 15, unit: 'W' }, withHoliday);
    expect(resumeDeadline(due2, 'W', sh('2026-11-23T10:00:00'), sh('2026-11-26T17:00:00'), withHoliday)).toBe(endOf('2026-12-17'));
  });

  it('keeps the deadline for an appeal decided the same day, and never rescues an overdue case (R16, R18)', () => {
    const due = endOf('2026-12-05');
    expect(resumeDeadline(due, 'N', sh('2026-11-23T09:00:00'), sh('2026-11-23T17:00:00'), plain)).toBe(due);
    expect(resumeDeadline(due, 'N', sh('2026-12-06T09:00:00'), sh('2026-12-10T09:00:00'), plain)).toBe(due);
  });

  it('parses limits and days strictly', () => {
    expect(parseLimit('15N')).toEqual({ n: 15, unit: 'N' });
    expect(parseLimit('1w')).toEqual({ n: 1, unit: 'W' });
    expect(parseLimit('15 days')).toBeNull();
    expect(parseYmd('2027-02-29')).toBeNull();
    expect(parseYmd('2028-02-29')).toBe(20280229);
    expect(epochDayOf(sh('1970-01-01T00:00:00'))).toBe(0);
    expect(shanghaiDateTime(endOf('2026-12-05') - 1000)).toBe('2026-12-05 23:59:59');
  });
});
