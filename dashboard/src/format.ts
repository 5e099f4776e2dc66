/** Number and time formatting for the screens: exact integers, rates rounded only for display. */

export type Lang = 'zh-CN' | 'en';

/** 12486000 → "12,486,000" (zh-CN groups by thousands too on public figures). */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return Math.round(value).toLocaleString('en-US');
}

/**
 * Compact counts for tight places: 12486000 → "1248.6万" (zh) or "12.5M" (en). Below 10,000 the exact
 * number is shown.
 */
export function formatCompact(value: number | null | undefined, lang: Lang = 'zh-CN'): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const n = Math.round(value);
  if (Math.abs(n) < 10_000) return formatCount(n);
  if (lang === 'zh-CN') {
    if (Math.abs(n) >= 100_000_000) return `${trim(n / 100_000_000, 2)}亿`;
    return `${trim(n / 10_000, 1)}万`;
  }
  if (Math.abs(n) >= 1_000_000_000) return `${trim(n / 1_000_000_000, 2)}B`;
  if (Math.abs(n) >= 1_000_000) return `${trim(n / 1_000_000, 1)}M`;
  return `${trim(n / 1_000, 1)}K`;
}

function trim(value: number, digits: number): string {
  const factor = 10 ** digits;
  return String(Math.floor(value * factor) / factor);
}

/**
 * A rate (0–1) as a percentage. It is truncated, not rounded, at the last digit shown, so 99.96% of
 * good reviews never reads as 100.00% while a bad review exists, and a non-zero rate never reads 0.
 */
export function formatRate(rate: number | null | undefined, digits = 2): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  const factor = 10 ** digits;
  let scaled = Math.floor(rate * 100 * factor + 1e-9) / factor;
  if (scaled === 0 && rate > 0) scaled = 1 / factor;
  return `${scaled.toFixed(digits)}%`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "14:05:09" in Asia/Shanghai, whatever the screen's own time zone (halls run on Beijing time). */
export function formatClock(date: Date | string | null | undefined): string {
  if (!date) return '—';
  const d = typeof date === 'string' ? new Date(date) : date;
  if (Number.isNaN(d.getTime())) return '—';
  const shanghai = new Date(d.getTime() + 8 * 3600_000);
  return `${pad(shanghai.getUTCHours())}:${pad(shanghai.getUTCMinutes())}:${pad(shanghai.getUTCSeconds())}`;
}

/**
 * When a feed entry was given: "14:05:09" today, "11-19 14:05" on an earlier day (R12: public feeds
 * hold bad reviews back, so older entries must say which day they are from). "Today" is that of `now`
 * (the snapshot's asOf), in Asia/Shanghai.
 */
export function formatFeedTime(at: string, now: Date | string | null | undefined): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return '—';
  if (!now || formatDay(d) === formatDay(now)) return formatClock(d);
  const shanghai = new Date(d.getTime() + 8 * 3600_000);
  return `${pad(shanghai.getUTCMonth() + 1)}-${pad(shanghai.getUTCDate())} ${pad(shanghai.getUTCHours())}:${pad(shanghai.getUTCMinutes())}`;
}

/** "2026-11-20" in Asia/Shanghai. */
export function formatDay(date: Date | string): string {
  const d = typeof date === 'string' ? new Date(date) : date;
  const shanghai = new Date(d.getTime() + 8 * 3600_000);
  return `${shanghai.getUTCFullYear()}-${pad(shanghai.getUTCMonth() + 1)}-${pad(shanghai.getUTCDate())}`;
}

const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A moment such as the end of a follow-up period, in Asia/Shanghai whatever the phone's own time zone:
 * "2026年11月27日 10:00" in Chinese, "27 Nov 2026, 10:00" in English.
 */
export function formatDateTime(date: Date | string | null | undefined, lang: Lang = 'zh-CN'): string {
  if (!date) return '—';
  const d = typeof date === 'string' ? new Date(date) : date;
  if (Number.isNaN(d.getTime())) return '—';
  const s = new Date(d.getTime() + 8 * 3600_000);
  const time = `${pad(s.getUTCHours())}:${pad(s.getUTCMinutes())}`;
  if (lang === 'en') return `${s.getUTCDate()} ${MONTHS_EN[s.getUTCMonth()]} ${s.getUTCFullYear()}, ${time}`;
  return `${s.getUTCFullYear()}年${s.getUTCMonth() + 1}月${s.getUTCDate()}日 ${time}`;
}

/** A trend period (YYYYMMDD) as "11-20". */
export function formatPeriodDay(period: number): string {
  const s = String(period);
  return s.length >= 8 ? `${s.slice(4, 6)}-${s.slice(6, 8)}` : s;
}

/** Easing for animated counters: fast start, gentle stop. */
export function easeOutCubic(t: number): number {
  const x = Math.min(1, Math.max(0, t));
  return 1 - (1 - x) ** 3;
}

/** The value an animated counter shows at time `t` (0–1) of its way from `from` to `to`: whole numbers only. */
export function tweenValue(from: number, to: number, t: number): number {
  return Math.round(from + (to - from) * easeOutCubic(t));
}
