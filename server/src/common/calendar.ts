/**
 * The Asia/Shanghai calendar, written once. China has kept UTC+8 all year since 1991, so calendar
 * arithmetic is a fixed offset. Days are written as YYYYMMDD integers (20261121) or as epoch days
 * (days since 1970-01-01, Shanghai), whichever the caller counts in.
 */
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
export const DAY_MS = 86_400_000;

/** The Shanghai calendar day of an instant, as YYYYMMDD. */
export function ymdOf(ms: number): number {
  const d = new Date(ms + SHANGHAI_OFFSET_MS);
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** Start (00:00 Shanghai) of a calendar day YYYYMMDD, as epoch ms. */
export function dayStartMs(ymd: number): number {
  return Date.UTC(Math.floor(ymd / 10000), (Math.floor(ymd / 100) % 100) - 1, ymd % 100) - SHANGHAI_OFFSET_MS;
}

/** "2026-11-21" → 20261121, or null when it is not a real calendar day. */
export function parseYmd(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(y, m - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) return null;
  return y * 10000 + m * 100 + d;
}

/** 20261121 → "2026-11-21". */
export function formatYmd(ymd: number): string {
  const s = String(ymd).padStart(8, '0');
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

/** The day `n` calendar days after (or before) YYYYMMDD. */
export function addDays(ymd: number, n: number): number {
  return ymdOf(dayStartMs(ymd) + n * DAY_MS);
}

/** Shanghai calendar day of an instant, as days since 1970-01-01. */
export function epochDayOf(ms: number): number {
  return Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS);
}

/** The instant a Shanghai day ends (= the next day's 00:00), the form every deadline takes. */
export function endOfEpochDay(epochDay: number): number {
  return (epochDay + 1) * DAY_MS - SHANGHAI_OFFSET_MS;
}

/** 20261121 → epoch day. */
export function epochDayFromYmd(ymd: number): number {
  return (dayStartMs(ymd) + SHANGHAI_OFFSET_MS) / DAY_MS;
}

/** Epoch day → 20261121. */
export function ymdOfEpochDay(epochDay: number): number {
  return ymdOf(epochDay * DAY_MS - SHANGHAI_OFFSET_MS);
}

/** An instant as ISO 8601 in Shanghai time ("2026-11-21T10:00:00+08:00"). */
export function shanghaiIso(ms: number): string {
  return `${new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** Shanghai wall-clock text of an instant, "yyyy-MM-dd HH:mm:ss", as the provincial interface writes times. */
export function shanghaiDateTime(ms: number): string {
  return shanghaiIso(ms).slice(0, 19).replace('T', ' ');
}

/** "2026-11-21 10:00:00" (Shanghai wall clock, the provincial interface's form) → epoch ms, or null when not a real time. */
export function parseShanghaiDateTime(text: string): number | null {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const ymd = parseYmd(match[1]!);
  const [h, m, s] = [Number(match[2]), Number(match[3]), Number(match[4])];
  if (ymd === null || h > 23 || m > 59 || s > 59) return null;
  return dayStartMs(ymd) + ((h * 60 + m) * 60 + s) * 1000;
}
