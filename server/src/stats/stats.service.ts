import type { Actor } from '../common/actor.js';
import { InvalidInputError } from '../common/errors.js';
import type { Kernel } from '../common/kernel.js';
import type { Database, Em } from '../db/orm.js';
import { TOP_DEPARTMENTS_OF_REGION, type TagDictionary } from '../catalog/catalog.service.js';
import { DIMENSIONS, LEVELS } from '../catalog/levels.logic.js';
import { dayStartMs } from './period.logic.js';
import {
  bucketStartIso,
  dimensionFiguresOf,
  buildBreakdownRows,
  buildOverview,
  CHANNEL_NAMES,
  emptyCounts,
  addToCounts,
  figuresOf,
  GOOD_MIN_LEVEL,
  isSuppressed,
  nextSeq,
  normalizeFilter,
  planBreakdown,
  planRange,
  planTrend,
  regionPrefix,
  scopeKeyOf,
  shanghaiIso,
  sortChannels,
  todayOf,
  trendBucketOf,
  type BreakdownBy,
  type BreakdownCells,
  type BreakdownRow,
  type CountCell,
  type DimensionFigure,
  type Counts,
  type Figures,
  type Granularity,
  type HotTag,
  type OverviewBody,
  type PeriodRange,
  type StatsFilter,
  type StatsFilterInput,
} from './stats.logic.js';
import { TOTAL_COLUMNS } from './rollup.logic.js';
import { ROLLUP_TOTAL_ALL_TIME_INDEX } from './rollup.entities.js';
import { accessFor, assertFiguresOpen, feedViewOf, minCountFor, needsScopeFacts, withDefaultScope, type Audience, type ScopeFacts } from './access.logic.js';

/**
 * Read side of the live figures (R21). Every query reads rollup rows only, never the ratings table
 * (except the rating feed, which reads the latest N rows by primary key), in a small constant number
 * of statements whatever the data size: overview 1, breakdown 1, trend 1, hot tags 2, plus at most
 * one catalog lookup when an official's scope has to be checked. The seven dimensions (R3) are read
 * from their own rollups like the levels (`dimensionFigures`).
 */

/** A filter resolved for one caller: defaults applied, access checked, suppression decided. */
/** What reading figures needs. */
export interface StatsDeps extends Kernel, Database {
  readonly tags: TagDictionary;
}

export interface StatsQuery {
  filter: StatsFilter;
  scopeKey: string;
  audience: Audience;
  minCount: number;
}

/** Every answer carries when it was computed and a sequence number (see `nextSeq`). */
export type Snapshot<T> = T & { seq: number; asOf: string };

export interface BreakdownBody {
  scope: string;
  by: BreakdownBy;
  rows: BreakdownRow[];
}
export interface TrendPoint extends Figures {
  period: number;
  start: string;
}
export interface TrendBody {
  scope: string;
  granularity: Granularity;
  points: TrendPoint[];
}
export interface HotTagsBody {
  scope: string;
  total: number | null;
  suppressed: boolean;
  tags: HotTag[];
}
export interface FeedEntry {
  id: number;
  level: number;
  levelName: string;
  channel: string;
  channelName: string;
  ratedAt: string;
  tags: string[];
  itemName: string;
  departmentName: string;
  regionCode: string;
  /** Officials only (FeedView 'full'): public entries have neither key (R12). */
  windowNo?: string | null;
  staffWorkNo?: string | null;
}
export interface FeedBody {
  scope: string;
  entries: FeedEntry[];
}

export const HOT_TAGS_DEFAULT = 10;
export const HOT_TAGS_MAX = 50;
export const FEED_DEFAULT = 20;
export const FEED_MAX = 50;
export const BREAKDOWN_MAX = 1000;
/** Items and staff can number thousands: their rankings are cut here unless a limit is given. */
export const BREAKDOWN_DEFAULT_LONG = 100;

// ---------------------------------------------------------------------------------------------
// Public API (one EntityManager fork per call)
// ---------------------------------------------------------------------------------------------

export async function overview(app: StatsDeps, actor: Actor, input?: StatsFilterInput | null): Promise<Snapshot<OverviewBody>> {
  const em = fork(app);
  const q = await resolveStatsQuery(app, em, actor, input, false);
  return stamp(await computeOverview(em, q), app);
}

export async function breakdown(
  app: StatsDeps,
  actor: Actor,
  input: StatsFilterInput | null | undefined,
  by: BreakdownBy,
  limit?: number | null,
): Promise<Snapshot<BreakdownBody>> {
  const em = fork(app);
  const q = await resolveStatsQuery(app, em, actor, input, by === 'STAFF');
  return stamp(await computeBreakdown(em, q, by, breakdownLimit(by, limit)), app);
}

export async function trend(app: StatsDeps, actor: Actor, input: StatsFilterInput | null | undefined, granularity: Granularity): Promise<Snapshot<TrendBody>> {
  const em = fork(app);
  const q = await resolveStatsQuery(app, em, actor, input, false);
  return stamp(await computeTrend(em, q, granularity, todayOf(app.clock.now().getTime())), app);
}

export async function hotTags(app: StatsDeps, actor: Actor, input: StatsFilterInput | null | undefined, limit?: number | null): Promise<Snapshot<HotTagsBody>> {
  const em = fork(app);
  const q = await resolveStatsQuery(app, em, actor, input, false);
  return stamp(await computeHotTags(app, em, q, hotTagsLimit(limit)), app);
}

export async function ratingFeed(app: StatsDeps, actor: Actor, input: StatsFilterInput | null | undefined, limit?: number | null): Promise<Snapshot<FeedBody>> {
  const em = fork(app);
  const q = await resolveStatsQuery(app, em, actor, input, false);
  return stamp((await computeFeed(em, q, feedLimit(limit), feedTiming(app))).body, app);
}

export interface DimensionsBody {
  scope: string;
  dimensions: DimensionFigure[];
}

/**
 * The seven dimensions (R3) of a scope over any period (default: all time, like the overview), read
 * from the dimension rollups in one statement; access and the public minimum are decided as for
 * every figure.
 */
export async function dimensionFigures(app: StatsDeps, actor: Actor, input: StatsFilterInput | null | undefined): Promise<Snapshot<DimensionsBody>> {
  const em = fork(app);
  const q = await resolveStatsQuery(app, em, actor, input, false);
  return stamp(await computeDimensions(em, q), app);
}

/** One statement: the dimension × level cells of one scope over the filter's periods. */
export async function computeDimensions(em: Em, q: StatsQuery): Promise<DimensionsBody> {
  const where = rollupWhere(q, 'r');
  const rows = await em.execute<Array<{ dimension: string; level: number; n: number | string }>>(
    `select r.dimension, r.level, sum(r.n) as n from rollup_dimension r
      where r.scope = ? and ${where.sql}
      group by r.dimension, r.level`,
    [q.scopeKey, ...where.params],
  );
  return {
    scope: q.scopeKey,
    dimensions: dimensionFiguresOf(
      rows.map((r) => ({ dimension: r.dimension, level: Number(r.level), n: Number(r.n) })),
      DIMENSIONS,
      q.minCount,
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// Resolution and access
// ---------------------------------------------------------------------------------------------

/**
 * Normalises a filter, applies the caller's default scope, checks access (one catalog lookup at
 * most, only for officials on a department, item or staff scope) and decides the suppression.
 */
export async function resolveStatsQuery(
  app: StatsDeps,
  em: Em,
  actor: Actor,
  input: StatsFilterInput | null | undefined,
  perStaffBreakdown: boolean,
): Promise<StatsQuery> {
  assertFiguresOpen(actor, app.config.publicFigures);
  const filter = withDefaultScope(actor, normalizeFilter(input));
  const facts = needsScopeFacts(actor, filter.scope) ? await scopeFacts(em, filter) : null;
  const audience = accessFor(actor, filter.scope, perStaffBreakdown || filter.scope.kind === 'STAFF', facts);
  return { filter, scopeKey: scopeKeyOf(filter.scope), audience, minCount: minCountFor(audience, app.config.minPublicRatings) };
}

async function scopeFacts(em: Em, filter: StatsFilter): Promise<ScopeFacts | null> {
  const scope = filter.scope;
  const sql = {
    DEPARTMENT: 'select d.path, d.region_code from department d where d.id = ?',
    ITEM: 'select d.path, d.region_code from item x join department d on d.id = x.department_id where x.id = ?',
    STAFF: 'select d.path, d.region_code from staff x join department d on d.id = x.department_id where x.id = ?',
  };
  if (scope.kind !== 'DEPARTMENT' && scope.kind !== 'ITEM' && scope.kind !== 'STAFF') return null;
  const rows = await em.execute<Array<{ path: string; region_code: string }>>(sql[scope.kind], [scope.id]);
  return rows[0] ? { departmentPath: rows[0].path, regionCode: rows[0].region_code } : null;
}

// ---------------------------------------------------------------------------------------------
// Computations (exported for the live hub and the tests)
// ---------------------------------------------------------------------------------------------

/** One statement: the level × default × channel cells of one scope over the filter's periods. */
export async function computeOverview(em: Em, q: StatsQuery): Promise<OverviewBody> {
  const where = rollupWhere(q, 'r');
  const rows = await em.execute<Array<{ channel: string; level: number; is_default: number; n: number | string }>>(
    `select r.channel, r.level, r.is_default, sum(r.n) as n from rollup_count r
      where r.scope = ? and ${where.sql}
      group by r.channel, r.level, r.is_default`,
    [q.scopeKey, ...where.params],
  );
  return buildOverview(q.scopeKey, rows.map(toCell), q.minCount);
}

/** One statement: the children of the filter's unit joined to their names and their rollup cells. */
export async function computeBreakdown(em: Em, q: StatsQuery, by: BreakdownBy, limit: number | null): Promise<BreakdownBody> {
  const plan = planBreakdown(by, q.filter.scope);
  if (plan.by === 'CHANNEL') {
    const where = rollupWhere(q, 'r');
    const rows = await em.execute<Array<{ channel: string; level: number; is_default: number; n: number | string }>>(
      `select r.channel, r.level, r.is_default, sum(r.n) as n from rollup_count r
        where r.scope = ? and ${where.sql}
        group by r.channel, r.level, r.is_default`,
      [q.scopeKey, ...where.params],
    );
    const perChannel = new Map<string, Counts>();
    for (const row of rows) {
      let c = perChannel.get(row.channel);
      if (!c) perChannel.set(row.channel, (c = emptyCounts()));
      addToCounts(c, Number(row.level), Number(row.is_default) === 1, Number(row.n));
    }
    const cells: BreakdownCells[] = sortChannels([...perChannel.keys()]).map((ch) => ({
      key: ch,
      name: CHANNEL_NAMES[ch] ?? ch,
      code: ch,
      regionLevel: null,
      counts: perChannel.get(ch)!,
    }));
    return { scope: q.scopeKey, by, rows: buildBreakdownRows(cells, q.minCount, limit) };
  }

  let units: { from: string; key: string; name: string; code: string; level: string; prefix: string; where: string; params: unknown[] };
  const join = rollupWhere(q, 'r');
  switch (plan.by) {
    case 'REGION':
      units = {
        from: 'region c',
        key: 'c.code',
        name: 'c.name',
        code: 'c.code',
        level: 'c.level',
        prefix: 'R:',
        where: plan.parentCode === null ? 'c.parent_code is null' : 'c.parent_code = ?',
        params: plan.parentCode === null ? [] : [plan.parentCode],
      };
      break;
    case 'DEPARTMENT': {
      const base = { from: 'department c', key: 'c.id', name: 'c.name', code: 'c.credit_code', level: 'null', prefix: 'D:' };
      if ('parentId' in plan) units = { ...base, where: 'c.parent_id = ?', params: [plan.parentId] };
      else if ('regionCode' in plan) {
        units = { ...base, where: TOP_DEPARTMENTS_OF_REGION, params: [plan.regionCode] };
      } else units = { ...base, where: 'c.parent_id is null', params: [] };
      break;
    }
    case 'ITEM':
    case 'STAFF': {
      const base =
        plan.by === 'ITEM'
          ? { from: 'item c join department d on d.id = c.department_id', key: 'c.id', name: 'c.name', code: 'c.task_code', level: 'null', prefix: 'I:' }
          : { from: 'staff c join department d on d.id = c.department_id', key: 'c.id', name: 'c.name', code: 'c.work_no', level: 'null', prefix: 'S:' };
      if ('underDepartment' in plan) units = { ...base, where: 'd.path like ?', params: [`%/${plan.underDepartment}/%`] };
      else if ('regionPrefix' in plan) units = { ...base, where: 'd.region_code like ?', params: [`${plan.regionPrefix}%`] };
      else units = { ...base, where: EVERY_UNIT, params: [] };
      break;
    }
  }
  type UnitRow = { k: string | number; name: string; code: string | null; region_level: string | null };
  const unitGroup = [units.key, units.name, units.code, ...(units.level === 'null' ? [] : [units.level])].join(', ');
  const unitColumns = `${units.key} as k, ${units.name} as name, ${units.code} as code, ${units.level} as region_level`;
  const scopeOfUnit = `'${units.prefix}' || cast(${units.key} as varchar(40))`;
  const byKey = new Map<string, BreakdownCells>();
  const cellsOf = (row: UnitRow): BreakdownCells => {
    const key = String(row.k);
    let cells = byKey.get(key);
    if (!cells) byKey.set(key, (cells = { key, name: row.name, code: row.code, regionLevel: row.region_level, counts: emptyCounts() }));
    return cells;
  };
  if (!q.filter.channel && isAllTime(q)) {
    // All channels, all time: one all-time rollup_total row per unit, read from the small partial index
    // (ALL_TIME_TOTALS), so the cost follows the number of units, not of ratings (P5).
    const on = `r.scope = ${scopeOfUnit} and r.bucket = ? and ${ALL_TIME_TOTALS('r')}`;
    const allTime = allTimeTotalsTable(em, 'r');
    const columns = `${unitColumns}, ${TOTAL_COLUMNS.map((c) => `r.${c}`).join(', ')}`;
    // A cut ranking over every unit of a kind (city-wide items or staff: top 100 of thousands) is ranked in
    // SQL like buildBreakdownRows does (total desc, key asc) and reads only its rows: the rated units first,
    // then, when they are fewer than the limit, the unrated ones by key. A filtered set (a department's
    // staff) is small: reading it whole is cheaper than ranking it twice.
    if (limit !== null && plan.by !== 'REGION' && units.where === EVERY_UNIT) {
      // One statement: the top rated units, then (only when they are fewer than the limit: the condition
      // on `rated` is evaluated once) the unrated ones by key; buildBreakdownRows orders the union.
      const sum = TOTAL_COLUMNS.map((c) => `r.${c}`).join(' + ');
      const rows = await em.execute<Array<UnitRow & TotalSums>>(
        `with rated as (
           select ${columns} from ${units.from} join ${allTime} on ${on}
            where ${units.where} and ${sum} > 0
            order by ${sum} desc, ${units.key} limit ?)
         select * from rated
         union all
         select * from (
           select ${unitColumns}, ${TOTAL_COLUMNS.map((c) => `cast(null as integer) as ${c}`).join(', ')} from ${units.from}
            where (select count(*) from rated) < ? and ${units.where}
              and not exists (select 1 from ${allTime} where ${on} and ${sum} > 0)
            order by ${units.key} limit ? - (select count(*) from rated)) unrated`,
        [q.filter.bucket, ...units.params, limit, limit, ...units.params, q.filter.bucket, limit],
      );
      for (const row of rows) addTotals(cellsOf(row).counts, row);
    } else {
      const rows = await em.execute<Array<UnitRow & TotalSums>>(`select ${columns} from ${units.from} left join ${allTime} on ${on} where ${units.where}`, [
        q.filter.bucket,
        ...units.params,
      ]);
      for (const row of rows) addTotals(cellsOf(row).counts, row);
    }
    return { scope: q.scopeKey, by, rows: buildBreakdownRows([...byKey.values()], q.minCount, limit) };
  }
  if (!q.filter.channel) {
    // All channels: one flat row per unit and period (rollup_total), not channel × level × default rows (P5).
    const rows = await em.execute<Array<UnitRow & TotalSums>>(
      `select ${unitColumns}, ${totalSums('r')}
         from ${units.from}
         left join rollup_total r on r.scope = ${scopeOfUnit} and ${join.sql}
        where ${units.where}
        group by ${unitGroup}`,
      [...join.params, ...units.params],
    );
    for (const row of rows) addTotals(cellsOf(row).counts, row);
    return { scope: q.scopeKey, by, rows: buildBreakdownRows([...byKey.values()], q.minCount, limit) };
  }
  const rows = await em.execute<Array<UnitRow & { level: number | null; is_default: number | null; n: number | string | null }>>(
    `select ${unitColumns}, r.level, r.is_default, sum(r.n) as n
       from ${units.from}
       left join rollup_count r on r.scope = ${scopeOfUnit} and ${join.sql}
      where ${units.where}
      group by ${unitGroup}, r.level, r.is_default`,
    [...join.params, ...units.params],
  );
  for (const row of rows) {
    const cells = cellsOf(row);
    if (row.level !== null && row.n !== null) addToCounts(cells.counts, Number(row.level), Number(row.is_default) === 1, Number(row.n));
  }
  return { scope: q.scopeKey, by, rows: buildBreakdownRows([...byKey.values()], q.minCount, limit) };
}

/** One statement: the cells of every point of the series; points without ratings are zeros. */
export async function computeTrend(em: Em, q: StatsQuery, granularity: Granularity, today: number): Promise<TrendBody> {
  const plan = planTrend(granularity, q.filter.fromDay, q.filter.toDay, today, q.filter.scope);
  const where = rangeWhere(plan.ranges, 'r');
  const params: unknown[] = [q.filter.bucket, q.scopeKey, ...where.params];
  const perBucket = new Map<number, Counts>(plan.buckets.map((b) => [b, emptyCounts()]));
  if (!q.filter.channel) {
    // All channels: the flat totals, one row per period (P5).
    const rows = await em.execute<Array<{ grain: string; period: number | string } & TotalSums>>(
      `select r.grain, r.period, ${TOTAL_COLUMNS.map((c) => `r.${c}`).join(', ')} from rollup_total r
        where r.bucket = ? and r.scope = ? and ${where.sql}`,
      params,
    );
    for (const row of rows) {
      const counts = perBucket.get(trendBucketOf(granularity, row.grain, Number(row.period)));
      if (counts) addTotals(counts, row);
    }
  } else {
    const rows = await em.execute<Array<{ grain: string; period: number | string; level: number; is_default: number; n: number | string }>>(
      `select r.grain, r.period, r.level, r.is_default, sum(r.n) as n from rollup_count r
        where r.bucket = ? and r.scope = ? and ${where.sql} and r.channel = ?
        group by r.grain, r.period, r.level, r.is_default`,
      [...params, q.filter.channel],
    );
    for (const row of rows) {
      const counts = perBucket.get(trendBucketOf(granularity, row.grain, Number(row.period)));
      if (counts) addToCounts(counts, Number(row.level), Number(row.is_default) === 1, Number(row.n));
    }
  }
  return {
    scope: q.scopeKey,
    granularity,
    points: plan.buckets.map((b) => ({ period: b, start: bucketStartIso(granularity, b), ...figuresOf(perBucket.get(b)!, q.minCount) })),
  };
}

/** Two statements: the top tags, and the scope's total (the base of the public minimum and of tag shares). */
export async function computeHotTags(app: StatsDeps, em: Em, q: StatsQuery, limit: number): Promise<HotTagsBody> {
  const where = rollupWhere(q, 'r');
  // Without a channel filter the flat totals (P5); with one the detailed counters.
  const totalSql = q.filter.channel
    ? `select sum(r.n) as n from rollup_count r where r.scope = ? and ${where.sql}`
    : isAllTime(q)
      ? `select sum(${TOTAL_COLUMNS.map((c) => `r.${c}`).join(' + ')}) as n from ${allTimeTotalsTable(em, 'r')} where r.scope = ? and r.bucket = ? and ${ALL_TIME_TOTALS('r')}`
      : `select sum(${TOTAL_COLUMNS.map((c) => `r.${c}`).join(' + ')}) as n from rollup_total r where r.scope = ? and ${where.sql}`;
  const totalParams = !q.filter.channel && isAllTime(q) ? [q.scopeKey, q.filter.bucket] : [q.scopeKey, ...where.params];
  const totalRows = await em.execute<Array<{ n: number | string | null }>>(totalSql, totalParams);
  const total = Number(totalRows[0]?.n ?? 0);
  if (isSuppressed(total, q.minCount)) return { scope: q.scopeKey, total: null, suppressed: true, tags: [] };
  const rows = await em.execute<Array<{ tag: string; cnt: number | string }>>(
    `select r.tag, sum(r.n) as cnt from rollup_tag r
      where r.scope = ? and ${where.sql}
      group by r.tag having sum(r.n) > 0 order by cnt desc, r.tag limit ?`,
    [q.scopeKey, ...where.params, limit],
  );
  const dictionary = await app.tags.byCode();
  return {
    scope: q.scopeKey,
    total,
    suppressed: false,
    tags: rows.map((row) => {
      const t = dictionary.get(row.tag);
      return { code: row.tag, name: t?.name ?? row.tag, nameEn: t?.nameEn ?? row.tag, level: t?.level ?? Number(row.tag.charAt(0)), count: Number(row.cnt) };
    }),
  };
}

/** The moment a feed is computed for, and how long a bad review stays out of public feeds (R12). */
export interface FeedTiming {
  now: number;
  badDelayMs: number;
}

export function feedTiming(app: StatsDeps): FeedTiming {
  return { now: app.clock.now().getTime(), badDelayMs: app.config.feedBadDelayMinutes * 60_000 };
}

/**
 * One statement (two for a delayed public feed): the latest rated services, newest first, walking the
 * ratings table backwards by primary key. No personal data: no rater (not even masked: the staff who
 * served them could tell who it was, R12), no comment. What else an entry shows depends on the
 * audience (`feedViewOf`, R12): officials get window and staff at once; public feeds get neither, a
 * bad review only after the delay, and on a hall-sized scope none at all (only in the counts).
 * `changesAt` is when the feed changes by itself (the next held-back bad review falls due), or null.
 */
export async function computeFeed(em: Em, q: StatsQuery, limit: number, timing: FeedTiming): Promise<{ body: FeedBody; changesAt: number | null }> {
  const f = q.filter;
  const view = feedViewOf(q.audience, f.scope);
  const conds = ['r.valid = true', 'r.assess_number = 1', 'r.is_default = false', f.bucket === 'C' ? "c.kind = 'CONSULTATION'" : "c.kind <> 'CONSULTATION'"];
  const params: unknown[] = [];
  switch (f.scope.kind) {
    case 'REGION':
      conds.push('d.region_code like ?');
      params.push(`${regionPrefix(f.scope.code)}%`);
      break;
    case 'DEPARTMENT':
      conds.push('d.path like ?');
      params.push(`%/${f.scope.id}/%`);
      break;
    case 'ITEM':
      conds.push('s.item_id = ?');
      params.push(f.scope.id);
      break;
    case 'STAFF':
      conds.push('s.staff_id = ?');
      params.push(f.scope.id);
      break;
    case 'TOTAL':
      break;
  }
  if (f.channel) {
    conds.push('r.channel = ?');
    params.push(f.channel);
  }
  if (f.fromDay !== null || f.toDay !== null) {
    const [from, to] = dayBoundsMs(f.fromDay, f.toDay);
    conds.push('r.rated_at >= ? and r.rated_at < ?');
    params.push(from, to);
  }
  const from = `from rating r
       join service s on s.id = r.service_id
       join case_record c on c.id = r.case_id
       join item i on i.id = s.item_id
       join department d on d.id = s.department_id`;
  // Bad reviews held back from public feeds: all of them on a hall-sized scope, recent ones elsewhere.
  const dueBefore = timing.now - timing.badDelayMs;
  const shown =
    view === 'countsOnly'
      ? { sql: 'r.level >= ?', params: [GOOD_MIN_LEVEL] }
      : view === 'delayed'
        ? { sql: '(r.level >= ? or r.rated_at <= ?)', params: [GOOD_MIN_LEVEL, dueBefore] }
        : { sql: '1 = 1', params: [] };
  const full = view === 'full';
  const rows = await em.execute<
    Array<{
      id: number;
      level: number;
      channel: string;
      rated_at: number | string;
      tags: string;
      item_name: string;
      department_name: string;
      region_code: string;
      window_no?: string | null;
      staff_work_no?: string | null;
    }>
  >(
    `select r.id, r.level, r.channel, r.rated_at, r.tags, i.name as item_name, d.name as department_name, d.region_code${
      full ? ', w.no as window_no, st.work_no as staff_work_no' : ''
    }
       ${from}${full ? ' left join service_window w on w.id = s.window_id left join staff st on st.id = s.staff_id' : ''}
      where ${conds.join(' and ')} and ${shown.sql}
      order by r.id desc limit ?`,
    [...params, ...shown.params, limit],
  );
  let changesAt: number | null = null;
  if (view === 'delayed' && timing.badDelayMs > 0) {
    const [next] = await em.execute<Array<{ at: number | string | null }>>(
      `select min(r.rated_at) as at ${from} where ${conds.join(' and ')} and r.level < ? and r.rated_at > ?`,
      [...params, GOOD_MIN_LEVEL, dueBefore],
    );
    if (next?.at != null) changesAt = Number(next.at) + timing.badDelayMs;
  }
  const body: FeedBody = {
    scope: q.scopeKey,
    entries: rows.map((row) => ({
      id: Number(row.id),
      level: Number(row.level),
      levelName: LEVELS.find((l) => l.value === Number(row.level))?.name ?? String(row.level),
      channel: row.channel,
      channelName: CHANNEL_NAMES[row.channel] ?? row.channel,
      ratedAt: shanghaiIso(Number(row.rated_at)),
      tags: row.tags ? row.tags.split(',') : [],
      itemName: row.item_name,
      departmentName: row.department_name,
      regionCode: row.region_code,
      ...(full ? { windowNo: row.window_no ?? null, staffWorkNo: row.staff_work_no ?? null } : {}),
    })),
  };
  return { body, changesAt };
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function fork(app: StatsDeps): Em {
  return app.orm.em.fork() as Em;
}

function stamp<T extends object>(body: T, app: StatsDeps): Snapshot<T> {
  const now = app.clock.now().getTime();
  return { ...body, seq: nextSeq(0, now), asOf: shanghaiIso(now) };
}

/**
 * The all-time rows of rollup_total on alias `a`, spelled so the planner can use the partial covering
 * index `rollup_total_all_time` (rollup.entities.ts): a literal grain and no period condition (all-time
 * rows have period 0 only).
 */
const ALL_TIME_TOTALS = (a: string): string => `${a}.grain = 'A'`;

/**
 * `rollup_total` as alias `a` for an all-time read. Without statistics SQLite's planner prefers the primary
 * key (it matches bucket, scope and grain) and then reads one table page per unit: it is told to use the
 * partial index. PostgreSQL plans from its statistics.
 */
function allTimeTotalsTable(em: Em, a: string): string {
  return em.getPlatform().constructor.name.startsWith('PostgreSql') ? `rollup_total ${a}` : `rollup_total ${a} indexed by ${ROLLUP_TOTAL_ALL_TIME_INDEX}`;
}

/** The unit condition of a breakdown over every unit of its kind. */
const EVERY_UNIT = '1 = 1';

/** Whether a filter covers all time (no day range): its rollup rows are the all-time grain only. */
function isAllTime(q: StatsQuery): boolean {
  return q.filter.fromDay === null && q.filter.toDay === null;
}

type TotalSums = Record<(typeof TOTAL_COLUMNS)[number], number | string | null>;

/** `sum(a.a1) as a1, …, sum(a.d5) as d5` over rollup_total alias `a`. */
function totalSums(a: string): string {
  return TOTAL_COLUMNS.map((c) => `sum(${a}.${c}) as ${c}`).join(', ');
}

/** Adds one (summed) rollup_total row to the counts; nulls (a unit without a row) add nothing. */
function addTotals(c: Counts, row: TotalSums): void {
  for (const column of TOTAL_COLUMNS) {
    const n = row[column];
    if (n !== null && Number(n) !== 0) addToCounts(c, Number(column.slice(1)), column.startsWith('d'), Number(n));
  }
}

function toCell(row: { channel: string; level: number; is_default: number; n: number | string }): CountCell {
  return { channel: row.channel, level: Number(row.level), isDefault: Number(row.is_default) === 1, n: Number(row.n) };
}

/** bucket, periods and channel of a filter on rollup alias `a` (the scope is matched by the caller). */
function rollupWhere(q: StatsQuery, a: string): { sql: string; params: unknown[] } {
  const range = rangeWhere(planRange(q.filter.fromDay, q.filter.toDay), a);
  const params: unknown[] = [q.filter.bucket, ...range.params];
  let sql = `${a}.bucket = ? and ${range.sql}`;
  if (q.filter.channel) {
    sql += ` and ${a}.channel = ?`;
    params.push(q.filter.channel);
  }
  return { sql, params };
}

export function rangeWhere(ranges: PeriodRange[], a: string): { sql: string; params: unknown[] } {
  if (ranges.length === 0) return { sql: '1 = 0', params: [] };
  return {
    sql: `(${ranges.map(() => `(${a}.grain = ? and ${a}.period between ? and ?)`).join(' or ')})`,
    params: ranges.flatMap((r) => [r.grain, r.from, r.to]),
  };
}

function dayBoundsMs(fromDay: number | null, toDay: number | null): [number, number] {
  return [fromDay === null ? 0 : dayStartMs(fromDay), toDay === null ? Number.MAX_SAFE_INTEGER : dayStartMs(toDay) + 86_400_000];
}

export function hotTagsLimit(limit: number | null | undefined): number {
  return boundedLimit('limit', limit, HOT_TAGS_DEFAULT, HOT_TAGS_MAX);
}

export function feedLimit(limit: number | null | undefined): number {
  return boundedLimit('limit', limit, FEED_DEFAULT, FEED_MAX);
}

export function breakdownLimit(by: BreakdownBy, limit: number | null | undefined): number | null {
  if (limit == null) return by === 'ITEM' || by === 'STAFF' ? BREAKDOWN_DEFAULT_LONG : null;
  return boundedLimit('limit', limit, BREAKDOWN_DEFAULT_LONG, BREAKDOWN_MAX);
}

function boundedLimit(field: string, limit: number | null | undefined, fallback: number, max: number): number {
  if (limit == null) return fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw InvalidInputError.field(field, `an integer 1–${max}`, limit);
  return limit;
}
