/**
 * Deadline calendar (R16): limits in natural days (自然日) or working days (工作日), counted in Asia/Shanghai
 * calendar days. A limit of n days starts the day after the event (次日起算) and ends at the end (24:00) of
 * the n-th counted day; a limit of 0 days ends at the end of the event's own day (立整立改, on the spot).
 * Working days are Monday–Friday, except public holidays, plus the weekend days worked in exchange
 * (调休上班), both taken from the holiday calendar.
 */

import { endOfEpochDay, epochDayFromYmd, epochDayOf, formatYmd, parseYmd, shanghaiDateTime, ymdOfEpochDay } from '../common/calendar.js';

// Day helpers live in the one calendar module; re-exported for the rectification feature's callers.
export { endOfEpochDay, epochDayFromYmd, epochDayOf, formatYmd, parseYmd, shanghaiDateTime, ymdOfEpochDay };

/** No real limit is longer than a few months; this bounds the search when a calendar is broken. */
const MAX_SPAN_DAYS = 3660;

export type DayUnit = 'N' | 'W';

/** A time limit: `n` natural (N) or working (W) days. */
export interface Limit {
  n: number;
  unit: DayUnit;
}

/** An override of the weekday rule: a holiday on a weekday, or a weekend day that is worked. */
export interface CalendarDay {
  day: number;
  kind: 'HOLIDAY' | 'WORKDAY';
}

/** Which Shanghai days are working days. */
export interface WorkCalendar {
  isWorkingDay(epochDay: number): boolean;
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOf(epochDay: number): number {
  return (((epochDay + 4) % 7) + 7) % 7;
}

/** Weekdays work unless the calendar says holiday; weekends rest unless it says workday (调休). */
export function workCalendar(days: readonly CalendarDay[]): WorkCalendar {
  const overrides = new Map<number, boolean>();
  for (const d of days) overrides.set(epochDayFromYmd(d.day), d.kind === 'WORKDAY');
  return {
    isWorkingDay(epochDay: number): boolean {
      const override = overrides.get(epochDay);
      if (override !== undefined) return override;
      const wd = weekdayOf(epochDay);
      return wd !== 0 && wd !== 6;
    },
  };
}

/** The day `n` counted days after `fromDay` (natural or working), never `fromDay` itself unless n = 0. */
export function addCountedDays(fromDay: number, limit: Limit, calendar: WorkCalendar): number {
  if (limit.unit === 'N') return fromDay + limit.n;
  let day = fromDay;
  let counted = 0;
  while (counted < limit.n) {
    day += 1;
    if (day - fromDay > MAX_SPAN_DAYS) throw new RangeError(`no ${limit.n} working days within ${MAX_SPAN_DAYS} days of the calendar`);
    if (calendar.isWorkingDay(day)) counted += 1;
  }
  return day;
}

/** The deadline of a limit counted from an event (次日起算, ends at 24:00 of the last counted day). */
export function deadlineAfter(fromMs: number, limit: Limit, calendar: WorkCalendar): number {
  return endOfEpochDay(addCountedDays(epochDayOf(fromMs), limit, calendar));
}

/** Counted days after `fromDay` up to and including `toDay` (0 when toDay ≤ fromDay). */
export function countedDaysBetween(fromDay: number, toDay: number, unit: DayUnit, calendar: WorkCalendar): number {
  if (toDay <= fromDay) return 0;
  if (unit === 'N') return toDay - fromDay;
  let n = 0;
  for (let day = fromDay + 1; day <= toDay; day++) if (calendar.isWorkingDay(day)) n += 1;
  return n;
}

/**
 * A deadline after a pause (an appeal pending, R16): the counted days that were left when the pause began
 * are counted again from the day it ended, so the days of the pause do not count. A deadline that had
 * already passed when the pause began stays where it was: an appeal does not rescue an overdue case.
 */
export function resumeDeadline(dueMs: number, unit: DayUnit, pausedAtMs: number, resumedAtMs: number, calendar: WorkCalendar): number {
  if (dueMs <= pausedAtMs || resumedAtMs <= pausedAtMs) return dueMs;
  const dueDay = epochDayOf(dueMs - 1);
  const left = countedDaysBetween(epochDayOf(pausedAtMs), dueDay, unit, calendar);
  const resumed = addCountedDays(epochDayOf(resumedAtMs), { n: left, unit }, calendar);
  return Math.max(dueMs, endOfEpochDay(resumed));
}

/** "15N" = 15 natural days, "1W" = 1 working day; null when malformed. */
export function parseLimit(text: string): Limit | null {
  const match = /^(\d{1,3})\s*([NW])$/i.exec(text.trim());
  if (!match) return null;
  return { n: Number(match[1]), unit: match[2]!.toUpperCase() as DayUnit };
}

export function formatLimit(limit: Limit): string {
  return `${limit.n}${limit.unit}`;
}
