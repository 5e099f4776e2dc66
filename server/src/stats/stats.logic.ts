/**
 * The figures the public sees (R21, R22), defined once. Every figure is an exact integer count or an
 * exact fraction of two of them; rounding happens only on the screens (dashboard/src/format.ts), for display.
 *
 *   total          valid first ratings, defaults (R11) included
 *   good / bad     levels 5–3 / levels 2–1 (R2)
 *   active         ratings given by the rater, not defaulted (主动评价, R22)
 *   defaulted      default 基本满意 ratings (R11)
 *   goodRate       good / total            badRate        bad / total
 *   activeGoodRate good active / active    unratedRate    defaulted / total (未评率)
 * A rate whose denominator is 0 is null. Consultation ratings are kept in their own bucket (R10).
 */
import { InvalidInputError } from '../common/errors.js';
import { LEVELS } from '../catalog/levels.logic.js';
import { normalizeRegionCode, regionLevelOf, type RegionLevel } from '../catalog/region.logic.js';
import { CHANNELS } from '../catalog/channel.logic.js';
import { addDays, parseDay, periodOf, type Grain } from './period.logic.js';
import { formatYmd, shanghaiIso } from '../common/calendar.js';

export { shanghaiIso };
import { TOTAL_SCOPE, type Bucket } from './rollup.logic.js';
import { scopeKey } from '../common/scope-key.js';

// ---------------------------------------------------------------------------------------------
// Definitions
// ---------------------------------------------------------------------------------------------

/** Lowest level that counts as 好评 (R2): 5, 4 and 3 are good; 2 and 1 are bad. */
export const GOOD_MIN_LEVEL = 3;

/** One aggregated rollup cell: n ratings of one level, defaulted or not, on one channel. */
export interface CountCell {
  channel: string;
  level: number;
  isDefault: boolean;
  n: number;
}

/** Exact integer counts behind every figure. */
export interface Counts {
  total: number;
  good: number;
  bad: number;
  active: number;
  defaulted: number;
  activeGood: number;
  /** Index = level (1–5); index 0 is unused. */
  byLevel: number[];
}

/** What a caller sees: counts and rates, or nulls with `suppressed` when too few ratings (public only). */
export interface Figures {
  total: number | null;
  good: number | null;
  bad: number | null;
  active: number | null;
  defaulted: number | null;
  goodRate: number | null;
  badRate: number | null;
  activeGoodRate: number | null;
  unratedRate: number | null;
  suppressed: boolean;
}

export function emptyCounts(): Counts {
  return { total: 0, good: 0, bad: 0, active: 0, defaulted: 0, activeGood: 0, byLevel: [0, 0, 0, 0, 0, 0] };
}

/** Adds n ratings of one level to the counts (the single place where good and bad are decided). */
export function addToCounts(c: Counts, level: number, isDefault: boolean, n: number): void {
  c.total += n;
  const good = level >= GOOD_MIN_LEVEL;
  if (good) c.good += n;
  else if (level >= 1) c.bad += n;
  if (isDefault) c.defaulted += n;
  else {
    c.active += n;
    if (good) c.activeGood += n;
  }
  if (level >= 1 && level <= 5) c.byLevel[level] = (c.byLevel[level] ?? 0) + n;
}

export function countsOf(cells: Iterable<{ level: number; isDefault: boolean; n: number }>): Counts {
  const c = emptyCounts();
  for (const cell of cells) addToCounts(c, cell.level, cell.isDefault, cell.n);
  return c;
}

/** An exact fraction as a number; null when there is nothing to divide by. */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

/** Whether figures built from `total` ratings must be withheld from a caller with this minimum. */
export function isSuppressed(total: number, minCount: number): boolean {
  return minCount > 0 && total < minCount;
}

/** The figures of some counts; with `minCount` > 0, figures from fewer ratings are withheld. */
export function figuresOf(c: Counts, minCount = 0): Figures {
  if (isSuppressed(c.total, minCount)) {
    return {
      total: null,
      good: null,
      bad: null,
      active: null,
      defaulted: null,
      goodRate: null,
      badRate: null,
      activeGoodRate: null,
      unratedRate: null,
      suppressed: true,
    };
  }
  return {
    total: c.total,
    good: c.good,
    bad: c.bad,
    active: c.active,
    defaulted: c.defaulted,
    goodRate: ratio(c.good, c.total),
    badRate: ratio(c.bad, c.total),
    activeGoodRate: ratio(c.activeGood, c.active),
    unratedRate: ratio(c.defaulted, c.total),
    suppressed: false,
  };
}

/** Display names of the channels (R5). */
export const CHANNEL_NAMES: Readonly<Record<string, string>> = {
  PC: 'PC端网上办事大厅',
  APP: '移动端App',
  MINI_PROGRAM: '小程序',
  QR: '办件二维码',
  WINDOW: '窗口评价器',
  TERMINAL: '自助终端',
  HOTLINE: '12345热线',
  SMS: '短信',
  IMPORT: '部门业务系统',
  DEFAULT: '默认评价',
};

// ---------------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------------

export interface LevelCount {
  level: number;
  name: string;
  count: number | null;
}
export interface ChannelFigures extends Figures {
  channel: string;
  name: string;
}

export interface OverviewBody extends Figures {
  /** The rollup scope the figures are for ("T", "R:410100000000", "D:12", ...). */
  scope: string;
  byLevel: LevelCount[];
  byChannel: ChannelFigures[];
}

/** Builds an overview from the rollup cells of one scope (any periods, already filtered). */
export function buildOverview(scope: string, cells: CountCell[], minCount: number): OverviewBody {
  const all = countsOf(cells);
  const perChannel = new Map<string, Counts>();
  for (const cell of cells) {
    let c = perChannel.get(cell.channel);
    if (!c) perChannel.set(cell.channel, (c = emptyCounts()));
    addToCounts(c, cell.level, cell.isDefault, cell.n);
  }
  const figures = figuresOf(all, minCount);
  return {
    scope,
    ...figures,
    byLevel: LEVELS.map((l) => ({ level: l.value, name: l.name, count: figures.suppressed ? null : (all.byLevel[l.value] ?? 0) })),
    byChannel: sortChannels([...perChannel.keys()])
      .filter((ch) => perChannel.get(ch)!.total !== 0)
      .map((ch) => ({ channel: ch, name: CHANNEL_NAMES[ch] ?? ch, ...figuresOf(perChannel.get(ch)!, minCount) })),
  };
}

/** Channels in the order of R5 (unknown ones last, alphabetically). */
export function sortChannels(channels: string[]): string[] {
  const order = (ch: string) => {
    const i = (CHANNELS as readonly string[]).indexOf(ch);
    return i < 0 ? CHANNELS.length : i;
  };
  return [...channels].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
}

/** One row of a breakdown before suppression: a child unit and its counts. */
export interface BreakdownCells {
  key: string;
  name: string;
  code: string | null;
  regionLevel: string | null;
  counts: Counts;
}
export interface BreakdownRow extends Figures {
  key: string;
  name: string;
  code: string | null;
  regionLevel: string | null;
}

/** Ranks child units by total (then key), applies the public minimum, and cuts at `limit`. */
export function buildBreakdownRows(rows: BreakdownCells[], minCount: number, limit: number | null): BreakdownRow[] {
  const ranked = [...rows].sort((a, b) => b.counts.total - a.counts.total || compareKeys(a.key, b.key));
  const cut = limit === null ? ranked : ranked.slice(0, limit);
  return cut.map((r) => ({ key: r.key, name: r.name, code: r.code, regionLevel: r.regionLevel, ...figuresOf(r.counts, minCount) }));
}

function compareKeys(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  return Number.isFinite(na) && Number.isFinite(nb) && String(na) === a && String(nb) === b ? na - nb : a.localeCompare(b);
}

export interface HotTag {
  code: string;
  name: string;
  nameEn: string;
  level: number;
  count: number;
}

/**
 * The next sequence number of a live topic: strictly increasing, and at least the wall-clock
 * milliseconds, so a topic that is dropped and recreated (or served by another server with a
 * synchronised clock) does not go backwards. Updates are at least 10 ms apart, so it tracks the clock.
 */
export function nextSeq(previous: number, nowMs: number): number {
  return Math.max(previous + 1, Math.floor(nowMs));
}

/** Whether a received snapshot should replace the one a client holds (the client's half of `nextSeq`). */
export function isNewerSnapshot(seq: number, held: number | null): boolean {
  return held === null || seq > held;
}

// ---------------------------------------------------------------------------------------------
// Filters and scopes
// ---------------------------------------------------------------------------------------------

/** The unit a filter lands on; at most one of region, department, item and staff may be given. */
export type FilterScope =
  { kind: 'TOTAL' } | { kind: 'REGION'; code: string } | { kind: 'DEPARTMENT'; id: number } | { kind: 'ITEM'; id: number } | { kind: 'STAFF'; id: number };

export interface StatsFilterInput {
  regionCode?: string | null;
  departmentId?: number | null;
  itemId?: number | null;
  staffId?: number | null;
  channel?: string | null;
  /** Shanghai calendar days, inclusive, "YYYY-MM-DD". */
  from?: string | null;
  to?: string | null;
  /** Consultation figures (咨询类, R10) instead of the handled-case figures. */
  consultation?: boolean | null;
}

export interface StatsFilter {
  scope: FilterScope;
  channel: string | null;
  fromDay: number | null;
  toDay: number | null;
  bucket: Bucket;
}

/** Validates and canonicalises a filter; equal filters give equal `filterKey`s. */
export function normalizeFilter(input: StatsFilterInput | null | undefined): StatsFilter {
  const f = input ?? {};
  const given = (['regionCode', 'departmentId', 'itemId', 'staffId'] as const).filter((k) => f[k] !== null && f[k] !== undefined);
  if (given.length > 1) {
    throw InvalidInputError.field('filter', 'at most one of regionCode, departmentId, itemId and staffId', given.join(' and '));
  }
  let scope: FilterScope = { kind: 'TOTAL' };
  if (f.regionCode != null) scope = { kind: 'REGION', code: regionCodeOf(f.regionCode) };
  else if (f.departmentId != null) scope = { kind: 'DEPARTMENT', id: positiveId('departmentId', f.departmentId) };
  else if (f.itemId != null) scope = { kind: 'ITEM', id: positiveId('itemId', f.itemId) };
  else if (f.staffId != null) scope = { kind: 'STAFF', id: positiveId('staffId', f.staffId) };
  if (f.channel != null && !(CHANNELS as readonly string[]).includes(f.channel)) {
    throw InvalidInputError.field('filter.channel', `one of ${CHANNELS.join(', ')}`, f.channel);
  }
  const fromDay = dayOf('from', f.from);
  const toDay = dayOf('to', f.to);
  if (fromDay !== null && toDay !== null && fromDay > toDay) {
    throw InvalidInputError.field('filter.to', `a day on or after filter.from (${f.from})`, f.to);
  }
  return { scope, channel: f.channel ?? null, fromDay, toDay, bucket: f.consultation ? 'C' : 'H' };
}

function regionCodeOf(code: string): string {
  try {
    return normalizeRegionCode(code);
  } catch {
    throw InvalidInputError.field('filter.regionCode', 'a 12-digit 行政区划代码 (6 or 9 digits are padded)', code);
  }
}

function positiveId(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw InvalidInputError.field(`filter.${field}`, 'a positive integer', value);
  return value;
}

function dayOf(field: string, text: string | null | undefined): number | null {
  if (text == null || text === '') return null;
  const day = parseDay(text);
  if (day === null) throw InvalidInputError.field(`filter.${field}`, 'a calendar day YYYY-MM-DD (Asia/Shanghai)', text);
  return day;
}

/** The rollup scope key of a filter scope. */
export function scopeKeyOf(scope: FilterScope): string {
  switch (scope.kind) {
    case 'TOTAL':
      return TOTAL_SCOPE;
    case 'REGION':
      return scopeKey.region(scope.code);
    case 'DEPARTMENT':
      return scopeKey.department(scope.id);
    case 'ITEM':
      return scopeKey.item(scope.id);
    case 'STAFF':
      return scopeKey.staff(scope.id);
  }
}

/** A canonical string for a normalised filter: the identity of a live topic. */
export function filterKey(f: StatsFilter): string {
  return [f.bucket, scopeKeyOf(f.scope), f.channel ?? '*', f.fromDay ?? '', f.toDay ?? ''].join('|');
}

// ---------------------------------------------------------------------------------------------
// Which rollup rows a time range needs
// ---------------------------------------------------------------------------------------------

/** Rows of one grain whose period lies in [from, to]; period keys are integers, so BETWEEN works. */
export interface PeriodRange {
  grain: Grain;
  from: number;
  to: number;
}

const MAX_MONTH = 999912;

export function monthOfDay(day: number): number {
  return Math.floor(day / 100);
}

export function lastDayOf(month: number): number {
  const y = Math.floor(month / 100);
  const m = month % 100;
  return month * 100 + new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function addMonths(month: number, n: number): number {
  const index = Math.floor(month / 100) * 12 + (month % 100) - 1 + n;
  return Math.floor(index / 12) * 100 + (index % 12) + 1;
}

/**
 * The fewest rollup rows covering an inclusive range of Shanghai days: all-time when unbounded,
 * otherwise whole months as month rows and the ragged ends as day rows (the same cover as
 * `coverDays`, expressed as at most three ranges, and open-ended on either side).
 */
export function planRange(fromDay: number | null, toDay: number | null): PeriodRange[] {
  if (fromDay === null && toDay === null) return [{ grain: 'A', from: 0, to: 0 }];
  if (fromDay !== null && toDay !== null) {
    if (fromDay > toDay) return [];
    const month = monthOfDay(fromDay);
    const whole = fromDay % 100 === 1 && toDay === lastDayOf(month);
    if (month === monthOfDay(toDay) && !whole) return [{ grain: 'D', from: fromDay, to: toDay }];
  }
  const ranges: PeriodRange[] = [];
  let monthFrom = 0;
  let monthTo = MAX_MONTH;
  if (fromDay !== null) {
    const month = monthOfDay(fromDay);
    if (fromDay % 100 === 1) monthFrom = month;
    else {
      ranges.push({ grain: 'D', from: fromDay, to: lastDayOf(month) });
      monthFrom = addMonths(month, 1);
    }
  }
  let tail: PeriodRange | null = null;
  if (toDay !== null) {
    const month = monthOfDay(toDay);
    if (toDay === lastDayOf(month)) monthTo = month;
    else {
      tail = { grain: 'D', from: month * 100 + 1, to: toDay };
      monthTo = addMonths(month, -1);
    }
  }
  if (monthFrom <= monthTo) ranges.push({ grain: 'M', from: monthFrom, to: monthTo });
  if (tail) ranges.push(tail);
  return ranges;
}

// ---------------------------------------------------------------------------------------------
// Trends
// ---------------------------------------------------------------------------------------------

export type Granularity = 'HOUR' | 'DAY' | 'MONTH';

/**
 * Longest trend per granularity, so one request cannot ask for an unbounded series. A century of months
 * (still one statement, a point per month): a longer range than a day trend allows always has a month trend.
 */
export const MAX_TREND_POINTS: Readonly<Record<Granularity, number>> = { HOUR: 31 * 24, DAY: 366, MONTH: 1200 };

export interface TrendPlan {
  granularity: Granularity;
  fromDay: number;
  toDay: number;
  ranges: PeriodRange[];
  buckets: number[];
}

/**
 * The rows and points of a trend. Without a range: today by hour, the last 30 days by day, the last
 * 12 months by month. Hourly rows exist only for the total, regions and departments.
 */
export function planTrend(granularity: Granularity, fromDay: number | null, toDay: number | null, today: number, scope: FilterScope): TrendPlan {
  if (granularity === 'HOUR' && (scope.kind === 'ITEM' || scope.kind === 'STAFF')) {
    throw InvalidInputError.field(
      'granularity',
      'DAY or MONTH for an item or staff member (hourly figures are kept for the total, regions and departments)',
      granularity,
    );
  }
  const to = toDay ?? (granularity === 'HOUR' && fromDay !== null ? fromDay : today);
  let from = fromDay;
  if (from === null) {
    if (granularity === 'HOUR') from = to;
    else if (granularity === 'DAY') from = addDays(to, -29);
    else from = addMonths(monthOfDay(to), -11) * 100 + 1;
  }
  if (from > to) throw InvalidInputError.field('filter.from', `a day on or before ${formatYmd(to)}`, formatYmd(from));
  const buckets: number[] = [];
  const max = MAX_TREND_POINTS[granularity];
  const tooLong = () =>
    InvalidInputError.field('filter', `a range of at most ${max} ${granularity.toLowerCase()}s for this trend`, `${formatYmd(from!)}..${formatYmd(to)}`);
  if (granularity === 'MONTH') {
    for (let m = monthOfDay(from); m <= monthOfDay(to); m = addMonths(m, 1)) {
      if (buckets.length >= max) throw tooLong();
      buckets.push(m);
    }
    return { granularity, fromDay: from, toDay: to, ranges: planRange(from, to), buckets };
  }
  for (let d = from; d <= to; d = addDays(d, 1)) {
    if (granularity === 'DAY') {
      if (buckets.length >= max) throw tooLong();
      buckets.push(d);
    } else {
      if (buckets.length + 24 > max) throw tooLong();
      for (let h = 0; h < 24; h++) buckets.push(d * 100 + h);
    }
  }
  const ranges: PeriodRange[] = granularity === 'DAY' ? [{ grain: 'D', from, to }] : [{ grain: 'H', from: from * 100, to: to * 100 + 23 }];
  return { granularity, fromDay: from, toDay: to, ranges, buckets };
}

/** The trend point a rollup row belongs to (month trends read day rows for ragged months). */
export function trendBucketOf(granularity: Granularity, grain: string, period: number): number {
  return granularity === 'MONTH' && grain === 'D' ? monthOfDay(period) : period;
}

/** Start of a trend point as ISO 8601 in Shanghai time: "2026-11-21T13:00:00+08:00". */
export function bucketStartIso(granularity: Granularity, bucket: number): string {
  let y: number,
    m: number,
    d = 1,
    h = 0;
  if (granularity === 'MONTH') [y, m] = [Math.floor(bucket / 100), bucket % 100];
  else if (granularity === 'DAY') [y, m, d] = [Math.floor(bucket / 10000), Math.floor(bucket / 100) % 100, bucket % 100];
  else [y, m, d, h] = [Math.floor(bucket / 1000000), Math.floor(bucket / 10000) % 100, Math.floor(bucket / 100) % 100, bucket % 100];
  return `${y}-${pad(m)}-${pad(d)}T${pad(h)}:00:00+08:00`;
}

export function todayOf(ms: number): number {
  return periodOf(ms, 'D');
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

// ---------------------------------------------------------------------------------------------
// Breakdowns and drill-down
// ---------------------------------------------------------------------------------------------

export type BreakdownBy = 'REGION' | 'DEPARTMENT' | 'CHANNEL' | 'ITEM' | 'STAFF';

/** Which units a breakdown lists, as data; the service turns it into one SQL statement. */
export type BreakdownPlan =
  | { by: 'CHANNEL' }
  | { by: 'REGION'; parentCode: string | null }
  | { by: 'DEPARTMENT'; parentId: number }
  | { by: 'DEPARTMENT'; regionCode: string }
  | { by: 'DEPARTMENT'; roots: true }
  | { by: 'ITEM' | 'STAFF'; underDepartment: number }
  | { by: 'ITEM' | 'STAFF'; regionPrefix: string }
  | { by: 'ITEM' | 'STAFF'; all: true };

const CHILD_LEVEL: Partial<Record<RegionLevel, RegionLevel>> = {
  PROVINCE: 'CITY',
  CITY: 'DISTRICT',
  DISTRICT: 'TOWNSHIP',
  TOWNSHIP: 'VILLAGE',
};

/**
 * Drill-down rules: regions go one level down (city → districts → townships → villages, following the
 * region table, so a county-less city goes straight to its townships); departments list the
 * sub-units of a department, or the top departments of a region; items and staff list those of a
 * department's subtree or of a region; channels split any scope.
 */
export function planBreakdown(by: BreakdownBy, scope: FilterScope): BreakdownPlan {
  const invalid = (what: string) => InvalidInputError.field('by', `a breakdown that fits the filter (${what})`, by);
  if (by === 'CHANNEL') return { by };
  if (scope.kind === 'ITEM' || scope.kind === 'STAFF') throw invalid(`a single ${scope.kind.toLowerCase()} splits only by CHANNEL`);
  switch (by) {
    case 'REGION':
      if (scope.kind === 'DEPARTMENT') throw invalid('a department splits by DEPARTMENT, ITEM, STAFF or CHANNEL');
      if (scope.kind === 'REGION' && !CHILD_LEVEL[regionLevelOf(scope.code)]) throw invalid('a village has no smaller regions');
      return { by, parentCode: scope.kind === 'REGION' ? scope.code : null };
    case 'DEPARTMENT':
      if (scope.kind === 'DEPARTMENT') return { by, parentId: scope.id };
      if (scope.kind === 'REGION') return { by, regionCode: scope.code };
      return { by, roots: true };
    case 'ITEM':
    case 'STAFF':
      if (scope.kind === 'DEPARTMENT') return { by, underDepartment: scope.id };
      if (scope.kind === 'REGION') return { by, regionPrefix: regionPrefix(scope.code) };
      return { by, all: true };
  }
}

/** The significant digits of a region code: every code inside the region starts with them. */
export function regionPrefix(code: string): string {
  const level = regionLevelOf(code);
  const end = { PROVINCE: 2, CITY: 4, DISTRICT: 6, TOWNSHIP: 9, VILLAGE: 12 }[level];
  return code.slice(0, end);
}

/** The scope keys whose changes can alter a breakdown (live topics recompute only on these). */
export function breakdownRelevance(by: BreakdownBy, scope: FilterScope): string[] {
  // Staff of a one-stop window (综合窗口) may belong to another department than the case they serve,
  // so a staff ranking listens to every staff change rather than to its parent scope only.
  return by === 'STAFF' ? [scopeKeyOf(scope), scopeKey.anyStaff] : [scopeKeyOf(scope)];
}

// ---------------------------------------------------------------------------------------------
// The seven dimensions (R3)
// ---------------------------------------------------------------------------------------------

export interface DimensionFigure {
  key: string;
  name: string;
  /** Ratings that scored this dimension. */
  rated: number | null;
  /** Mean level 1–5 over them; null without any (or withheld). */
  average: number | null;
  /** Levels 5–3 on this dimension (R2's good). */
  good: number | null;
  goodRate: number | null;
}

/**
 * Counts the seven optional dimensions (R3) from the stored `dimensions` JSON of valid ratings, in the
 * guide's order; a dimension scored by fewer than `minCount` ratings is withheld (public minimum).
 */
export function countDimensions(
  stored: Iterable<string | null>,
  definitions: ReadonlyArray<{ key: string; name: string }>,
  minCount: number,
): DimensionFigure[] {
  const sums = new Map(definitions.map((d) => [d.key, { rated: 0, sum: 0, good: 0 }]));
  for (const text of stored) {
    if (!text) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      continue;
    }
    if (!parsed || typeof parsed !== 'object') continue;
    for (const [key, level] of Object.entries(parsed as Record<string, unknown>)) {
      const s = sums.get(key);
      if (!s || typeof level !== 'number' || !Number.isInteger(level) || level < 1 || level > 5) continue;
      s.rated++;
      s.sum += level;
      if (level >= GOOD_MIN_LEVEL) s.good++;
    }
  }
  return definitions.map((d) => {
    const s = sums.get(d.key)!;
    if (isSuppressed(s.rated, minCount)) return { key: d.key, name: d.name, rated: null, average: null, good: null, goodRate: null };
    return { key: d.key, name: d.name, rated: s.rated, average: ratio(s.sum, s.rated), good: s.good, goodRate: ratio(s.good, s.rated) };
  });
}

/**
 * The seven dimensions (R3) from their rollup cells (dimension × level → count), in the guide's order;
 * a dimension scored by fewer than `minCount` ratings is withheld (public minimum), as in `countDimensions`.
 */
export function dimensionFiguresOf(
  cells: Iterable<{ dimension: string; level: number; n: number }>,
  definitions: ReadonlyArray<{ key: string; name: string }>,
  minCount: number,
): DimensionFigure[] {
  const sums = new Map(definitions.map((d) => [d.key, { rated: 0, sum: 0, good: 0 }]));
  for (const cell of cells) {
    const s = sums.get(cell.dimension);
    if (!s || cell.level < 1 || cell.level > 5 || cell.n === 0) continue;
    s.rated += cell.n;
    s.sum += cell.level * cell.n;
    if (cell.level >= GOOD_MIN_LEVEL) s.good += cell.n;
  }
  return definitions.map((d) => {
    const s = sums.get(d.key)!;
    if (isSuppressed(s.rated, minCount)) return { key: d.key, name: d.name, rated: null, average: null, good: null, goodRate: null };
    return { key: d.key, name: d.name, rated: s.rated, average: ratio(s.sum, s.rated), good: s.good, goodRate: ratio(s.good, s.rated) };
  });
}
