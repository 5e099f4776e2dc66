/** Asia/Shanghai has kept UTC+8 all year since 1991, so calendar arithmetic is a fixed offset. */
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

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

/** Start of a Shanghai calendar day (YYYYMMDD) as epoch ms. */
export function dayStartMs(day: number): number {
  const y = Math.floor(day / 10000);
  const m = Math.floor(day / 100) % 100;
  const d = day % 100;
  return Date.UTC(y, m - 1, d) - SHANGHAI_OFFSET_MS;
}

/** Parses "2026-11-21" (a Shanghai calendar day) into 20261121, or null when malformed. */
export function parseDay(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(y, m - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) return null;
  return y * 10000 + m * 100 + d;
}

export function addDays(day: number, n: number): number {
  return periodOf(dayStartMs(day) + n * 86_400_000, 'D');
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
