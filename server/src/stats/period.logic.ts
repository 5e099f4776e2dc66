import { addDays, dayStartMs, parseYmd, SHANGHAI_OFFSET_MS } from '../common/calendar.js';

// Day helpers live in the one calendar module; re-exported for the stats feature's callers.
export { addDays, dayStartMs, parseYmd as parseDay, SHANGHAI_OFFSET_MS };

export type Grain = 'A' | 'M' | 'D' | 'H';

/** Period keys as integers: month 202611, day 20261121, hour 2026112113; all-time is 0. */
export function periodOf(ms: number, grain: Grain): number {
  if (grain === 'A') return 0;
  const d = new Date(ms + SHANGHAI_OFFSET_MS);
  const month = d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
  if (grain === 'M') return month;
  const day = month * 100 + d.getUTCDate();
  return grain === 'D' ? day : day * 100 + d.getUTCHours();
}

/**
 * Covers an inclusive day range with the fewest rollup rows: whole months as month rows, the ragged
 * ends as day rows. Returns the month periods and the day periods to read.
 */
export function coverDays(from: number, to: number): { months: number[]; days: number[] } {
  const months: number[] = [];
  const days: number[] = [];
  let day = from;
  while (day <= to) {
    const month = Math.floor(day / 100);
    const monthEnd = lastDayOfMonth(month);
    if (day % 100 === 1 && monthEnd <= to) {
      months.push(month);
      day = addDays(monthEnd, 1);
    } else {
      days.push(day);
      day = addDays(day, 1);
    }
  }
  return { months, days };
}

function lastDayOfMonth(month: number): number {
  const y = Math.floor(month / 100);
  const m = month % 100;
  return month * 100 + new Date(Date.UTC(y, m, 0)).getUTCDate();
}
