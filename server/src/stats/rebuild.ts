import type { Dialect } from '../db/orm.js';
import type { Em } from '../db/orm.js';
import { attributionFromUnits } from './attribution.store.js';
import {
  countKeyString,
  dimensionKeyString,
  mergeDeltas,
  rollupDeltas,
  tagKeyString,
  cellsOfTotalRow,
  TOTAL_COLUMNS,
  totalKeyString,
  totalRowKeyString,
  totalRowsOf,
  totalsOf,
  type Bucket,
  type CountDelta,
  type DimensionDelta,
  type TagDelta,
  type TotalDelta,
  type TotalRow,
} from './rollup.logic.js';
import type { Grain } from './period.logic.js';

/**
 * `stats:rebuild` (R21: figures must equal the raw rows): recomputes every rollup from the raw rows, with the same rules
 * as the rating transaction (attribution from the covered services' case units, `rollupDeltas`),
 * compares with the stored counters, and optionally writes the differences back.
 */

const PAGE = 2000;

export interface Recount extends StoredRollups {
  ratings: number;
}

export interface StoredRollups {
  counts: Map<string, CountDelta>;
  tags: Map<string, TagDelta>;
  /** The seven dimensions (R3), recounted from each rating's `dimensions` JSON. */
  dimensions: Map<string, DimensionDelta>;
  /** The flat per-unit totals (`rollup_total`) as cells `bucket|scope|grain|period|level|default`. */
  totals: Map<string, TotalDelta>;
}

interface RatingRow {
  id: number;
  level: number;
  is_default: number | boolean;
  channel: string;
  rated_at: number | string;
  tags: string;
  dimensions: string | null;
  kind: string;
  staff_id: number | null;
}
interface CoveredRow {
  rating_id: number;
  case_id: number;
}
interface UnitRow {
  case_id: number;
  department_id: number;
  item_id: number;
  region_code: string;
  path: string;
}

/**
 * The rollups the raw rows imply: every valid first rating (assess_number 1), counted in every scope
 * of every case its services cover (R10), with its level, default flag, channel, time and tags.
 */
export async function recountRollups(em: Em): Promise<Recount> {
  const counts: CountDelta[] = [];
  const tags: TagDelta[] = [];
  const mergedCounts = new Map<string, CountDelta>();
  const mergedTags = new Map<string, TagDelta>();
  const dimensions: DimensionDelta[] = [];
  const mergedDimensions = new Map<string, DimensionDelta>();
  let ratings = 0;
  let afterId = 0;
  for (;;) {
    const page = await em.execute<RatingRow[]>(
      `select r.id, r.level, r.is_default, r.channel, r.rated_at, r.tags, r.dimensions, c.kind, s.staff_id
         from rating r
         join service s on s.id = r.service_id
         join case_record c on c.id = r.case_id
        where r.valid = true and r.assess_number = 1 and r.id > ?
        order by r.id limit ?`,
      [afterId, PAGE],
    );
    if (page.length === 0) break;
    afterId = Number(page[page.length - 1]!.id);
    const ids = page.map((r) => Number(r.id));
    const covered = await em.execute<CoveredRow[]>(
      `select distinct rating_id, case_id from service where rating_id in (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    const casesOf = new Map<number, number[]>();
    for (const row of covered) {
      const list = casesOf.get(Number(row.rating_id)) ?? [];
      list.push(Number(row.case_id));
      casesOf.set(Number(row.rating_id), list);
    }
    const caseIds = [...new Set(covered.map((c) => Number(c.case_id)))];
    const units =
      caseIds.length === 0
        ? []
        : await em.execute<UnitRow[]>(
            `select cu.case_id, cu.department_id, cu.item_id, d.region_code, d.path
         from case_unit cu join department d on d.id = cu.department_id
        where cu.case_id in (${caseIds.map(() => '?').join(', ')})`,
            caseIds,
          );
    const unitsOf = new Map<number, UnitRow[]>();
    for (const unit of units) {
      const list = unitsOf.get(Number(unit.case_id)) ?? [];
      list.push(unit);
      unitsOf.set(Number(unit.case_id), list);
    }
    for (const r of page) {
      ratings += 1;
      const rUnits = (casesOf.get(Number(r.id)) ?? []).flatMap((caseId) => unitsOf.get(caseId) ?? []);
      const attribution = attributionFromUnits(rUnits, r.kind, r.staff_id === null ? null : Number(r.staff_id));
      const deltas = rollupDeltas(
        attribution,
        {
          level: Number(r.level),
          isDefault: r.is_default === true || Number(r.is_default) === 1,
          channel: r.channel,
          ratedAt: Number(r.rated_at),
          tags: r.tags ? r.tags.split(',') : [],
          dimensions: r.dimensions,
        },
        1,
      );
      counts.push(...deltas.counts);
      tags.push(...deltas.tags);
      if (deltas.dimensions) dimensions.push(...deltas.dimensions);
    }
    // Merge page by page so memory follows the number of distinct counters, not of ratings.
    mergeInto(mergedCounts, counts.splice(0), countKeyString);
    mergeInto(mergedTags, tags.splice(0), tagKeyString);
    mergeInto(mergedDimensions, dimensions.splice(0), dimensionKeyString);
  }
  // The flat totals follow from the recounted cells with the channel summed away (as the writers derive them).
  return { ratings, counts: mergedCounts, tags: mergedTags, dimensions: mergedDimensions, totals: totalsOf(mergedCounts.values()) };
}

function mergeInto<T extends { n: number }>(target: Map<string, T>, rows: T[], keyOf: (row: T) => string): void {
  for (const [key, row] of mergeDeltas(rows, keyOf)) {
    const existing = target.get(key);
    if (existing) existing.n += row.n;
    else target.set(key, row);
  }
}

/** The columns every rollup table shares, as the driver returns them. */
interface StoredRow {
  bucket: string;
  scope: string;
  grain: string;
  period: number | string;
  channel: string;
  n: number | string;
}

/** Those shared columns as a delta's fields (bigints and 0/1 come back as strings or numbers). */
function sharedFields(r: StoredRow): Pick<CountDelta, 'bucket' | 'scope' | 'grain' | 'period' | 'channel' | 'n'> {
  return { bucket: r.bucket as Bucket, scope: r.scope, grain: r.grain as Grain, period: Number(r.period), channel: r.channel, n: Number(r.n) };
}

/** The stored counters, keyed like the recount (rows with n = 0 count as absent). */
export async function readRollups(em: Em): Promise<StoredRollups> {
  const counts = new Map<string, CountDelta>();
  const tags = new Map<string, TagDelta>();
  const dimensions = new Map<string, DimensionDelta>();
  const shared = 'bucket, scope, grain, period, channel';
  for (const r of await em.execute<Array<StoredRow & { level: number; is_default: number }>>(
    `select ${shared}, level, is_default, n from rollup_count where n <> 0`,
  )) {
    const row: CountDelta = { ...sharedFields(r), level: Number(r.level), isDefault: Number(r.is_default) === 1 };
    counts.set(countKeyString(row), row);
  }
  for (const r of await em.execute<Array<StoredRow & { tag: string }>>(`select ${shared}, tag, n from rollup_tag where n <> 0`)) {
    const row: TagDelta = { ...sharedFields(r), tag: r.tag };
    tags.set(tagKeyString(row), row);
  }
  for (const r of await em.execute<Array<StoredRow & { dimension: string; level: number }>>(
    `select ${shared}, dimension, level, n from rollup_dimension where n <> 0`,
  )) {
    const row: DimensionDelta = { ...sharedFields(r), dimension: r.dimension, level: Number(r.level) };
    dimensions.set(dimensionKeyString(row), row);
  }
  const totals = new Map<string, TotalDelta>();
  for (const r of await em.execute<Array<Omit<StoredRow, 'channel' | 'n'> & Record<(typeof TOTAL_COLUMNS)[number], number | string>>>(
    `select bucket, scope, grain, period, ${TOTAL_COLUMNS.join(', ')} from rollup_total`,
  )) {
    const row: TotalRow = {
      bucket: r.bucket as Bucket,
      scope: r.scope,
      grain: r.grain as Grain,
      period: Number(r.period),
      active: [Number(r.a1), Number(r.a2), Number(r.a3), Number(r.a4), Number(r.a5)],
      defaults: [Number(r.d1), Number(r.d2), Number(r.d3), Number(r.d4), Number(r.d5)],
    };
    for (const cell of cellsOfTotalRow(row)) totals.set(totalKeyString(cell), cell);
  }
  return { counts, tags, dimensions, totals };
}

export interface RollupDifference {
  table: 'rollup_count' | 'rollup_tag' | 'rollup_dimension' | 'rollup_total';
  /**
   * `bucket|scope|grain|period|channel|level|default`, `bucket|scope|grain|period|channel|tag`, `…|channel|dimension|level`
   * or, for `rollup_total` (one column of a row), `bucket|scope|grain|period|level|default`.
   */
  key: string;
  expected: number;
  stored: number;
}

/** Every counter whose stored value differs from the recount (missing, wrong or extra). */
export function diffRollups(expected: StoredRollups, stored: StoredRollups): RollupDifference[] {
  const out: RollupDifference[] = [];
  const compare = (table: RollupDifference['table'], exp: Map<string, { n: number }>, got: Map<string, { n: number }>) => {
    for (const [key, row] of exp) {
      const n = got.get(key)?.n ?? 0;
      if (n !== row.n) out.push({ table, key, expected: row.n, stored: n });
    }
    for (const [key, row] of got) if (!exp.has(key) && row.n !== 0) out.push({ table, key, expected: 0, stored: row.n });
  };
  compare('rollup_count', expected.counts, stored.counts);
  compare('rollup_tag', expected.tags, stored.tags);
  compare('rollup_dimension', expected.dimensions, stored.dimensions);
  compare('rollup_total', expected.totals, stored.totals);
  return out.sort((a, b) => a.table.localeCompare(b.table) || a.key.localeCompare(b.key));
}

export interface RebuildReport {
  ratings: number;
  countRows: number;
  tagRows: number;
  dimensionRows: number;
  /** Non-zero cells of the flat totals (a row holds up to ten). */
  totalCells: number;
  differences: RollupDifference[];
  fixed: boolean;
  ms: number;
}

export interface RebuildOptions {
  /** Write the recount over the differences (default true); false only reports. */
  fix?: boolean;
  dialect: Dialect;
}

/**
 * Recounts, compares and (by default) fixes, in one transaction that keeps rating writes out while it
 * runs (they would otherwise change counters between the recount and the fix): on PostgreSQL a
 * table lock that still lets screens read, on SQLite the database write lock.
 */
export async function rebuildRollups(em: Em, options: RebuildOptions): Promise<RebuildReport> {
  const started = Date.now();
  const fix = options.fix ?? true;
  return em.transactional(async (tx) => {
    const t = tx as Em;
    if (fix) {
      if (options.dialect === 'postgresql')
        await t.execute('lock table rollup_count, rollup_tag, rollup_dimension, rollup_total in share row exclusive mode', [], 'run');
      else await t.execute('delete from rollup_count where 1 = 0', [], 'run');
    } else if (options.dialect === 'postgresql') {
      await t.execute('set transaction isolation level repeatable read', [], 'run');
    }
    const expected = await recountRollups(t);
    const stored = await readRollups(t);
    const differences = diffRollups(expected, stored);
    if (fix && differences.length > 0) await applyDifferences(t, expected, differences);
    return {
      ratings: expected.ratings,
      countRows: expected.counts.size,
      tagRows: expected.tags.size,
      dimensionRows: expected.dimensions.size,
      totalCells: expected.totals.size,
      differences,
      fixed: fix && differences.length > 0,
      ms: Date.now() - started,
    };
  });
}

async function applyDifferences(em: Em, expected: Recount, differences: RollupDifference[]): Promise<void> {
  // A wrong total cell rewrites its whole row from the recount (or deletes it when the recount has none).
  const totalRows = new Map(totalRowsOf(expected.totals.values()).map((row) => [totalRowKeyString(row), row]));
  const fixedTotalRows = new Set<string>();
  for (const d of differences) {
    if (d.table === 'rollup_total') {
      const [bucket, scope, grain, period] = splitKey(d.key, 6);
      const rowKey = `${bucket}|${scope}|${grain}|${period}`;
      if (fixedTotalRows.has(rowKey)) continue;
      fixedTotalRows.add(rowKey);
      const row = totalRows.get(rowKey);
      if (!row) {
        await em.execute('delete from rollup_total where bucket = ? and scope = ? and grain = ? and period = ?', [bucket, scope, grain, Number(period)], 'run');
      } else {
        await em.execute(
          `insert into rollup_total (bucket, scope, grain, period, ${TOTAL_COLUMNS.join(', ')}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           on conflict (bucket, scope, grain, period) do update set ${TOTAL_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
          [row.bucket, row.scope, row.grain, row.period, ...row.active, ...row.defaults],
          'run',
        );
      }
    } else if (d.table === 'rollup_count') {
      const [bucket, scope, grain, period, channel, level, isDefault] = splitKey(d.key, 7);
      if (d.expected === 0) {
        await em.execute(
          'delete from rollup_count where bucket = ? and scope = ? and grain = ? and period = ? and channel = ? and level = ? and is_default = ?',
          [bucket, scope, grain, Number(period), channel, Number(level), Number(isDefault)],
          'run',
        );
      } else {
        const row = expected.counts.get(d.key)!;
        await em.execute(
          `insert into rollup_count (bucket, scope, grain, period, channel, level, is_default, n) values (?, ?, ?, ?, ?, ?, ?, ?)
           on conflict (bucket, scope, grain, period, channel, level, is_default) do update set n = excluded.n`,
          [row.bucket, row.scope, row.grain, row.period, row.channel, row.level, row.isDefault ? 1 : 0, row.n],
          'run',
        );
      }
    } else if (d.table === 'rollup_dimension') {
      const [bucket, scope, grain, period, channel, dimension, level] = splitKey(d.key, 7);
      if (d.expected === 0) {
        await em.execute(
          'delete from rollup_dimension where bucket = ? and scope = ? and grain = ? and period = ? and channel = ? and dimension = ? and level = ?',
          [bucket, scope, grain, Number(period), channel, dimension, Number(level)],
          'run',
        );
      } else {
        const row = expected.dimensions.get(d.key)!;
        await em.execute(
          `insert into rollup_dimension (bucket, scope, grain, period, channel, dimension, level, n) values (?, ?, ?, ?, ?, ?, ?, ?)
           on conflict (bucket, scope, grain, period, channel, dimension, level) do update set n = excluded.n`,
          [row.bucket, row.scope, row.grain, row.period, row.channel, row.dimension, row.level, row.n],
          'run',
        );
      }
    } else {
      const [bucket, scope, grain, period, channel, tag] = splitKey(d.key, 6);
      if (d.expected === 0) {
        await em.execute(
          'delete from rollup_tag where bucket = ? and scope = ? and grain = ? and period = ? and channel = ? and tag = ?',
          [bucket, scope, grain, Number(period), channel, tag],
          'run',
        );
      } else {
        const row = expected.tags.get(d.key)!;
        await em.execute(
          `insert into rollup_tag (bucket, scope, grain, period, channel, tag, n) values (?, ?, ?, ?, ?, ?, ?)
           on conflict (bucket, scope, grain, period, channel, tag) do update set n = excluded.n`,
          [row.bucket, row.scope, row.grain, row.period, row.channel, row.tag, row.n],
          'run',
        );
      }
    }
  }
}

function splitKey(key: string, parts: number): string[] {
  const values = key.split('|');
  if (values.length !== parts) throw new RangeError(`rollup key '${key}' has ${values.length} parts, expected ${parts}`);
  return values;
}
