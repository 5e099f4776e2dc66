import { periodOf, type Grain } from './period.logic.js';
import { scopeKey } from '../common/scope-key.js';
import { DIMENSIONS } from '../catalog/levels.logic.js';

/** 'H' handled-case figures; 'C' consultation figures, kept apart (R10). */
export type Bucket = 'H' | 'C';

/** Where one rating is counted (R10): each scope exactly once, however many units point at it. */
export interface Attribution {
  bucket: Bucket;
  regionCodes: string[];
  departmentIds: number[];
  itemIds: number[];
  staffIds: number[];
}

export interface RatingFacts {
  level: number;
  isDefault: boolean;
  channel: string;
  ratedAt: number;
  tags: string[];
  /** The stored `dimensions` JSON of the rating (R3), or null when it scored none. */
  dimensions?: string | null;
}

export interface CountKey {
  bucket: Bucket;
  scope: string;
  grain: Grain;
  period: number;
  channel: string;
  level: number;
  isDefault: boolean;
}
export interface CountDelta extends CountKey {
  n: number;
}
export interface TagKey {
  bucket: Bucket;
  scope: string;
  grain: Grain;
  period: number;
  channel: string;
  tag: string;
}
export interface TagDelta extends TagKey {
  n: number;
}

export interface DimensionKey {
  bucket: Bucket;
  scope: string;
  grain: Grain;
  period: number;
  channel: string;
  dimension: string;
  level: number;
}
export interface DimensionDelta extends DimensionKey {
  n: number;
}

/**
 * One cell of the flat per-unit totals (`rollup_total`): a count cell with the channel summed away.
 * Derived from the count deltas only (`totalsOf`), so it cannot disagree with `rollup_count`.
 */
export interface TotalDelta {
  bucket: Bucket;
  scope: string;
  grain: Grain;
  period: number;
  level: number;
  isDefault: boolean;
  n: number;
}

/**
 * One `rollup_total` row: bucket × scope × grain × period, all channels, with the ratings per level
 * 1–5 that are not defaults (`active[level - 1]`, columns a1–a5) and those that are (`defaults`, d1–d5).
 */
export interface TotalRow {
  bucket: Bucket;
  scope: string;
  grain: Grain;
  period: number;
  active: number[];
  defaults: number[];
}

/** The value columns of `rollup_total`, in the order of `TotalRow.active` then `TotalRow.defaults`. */
export const TOTAL_COLUMNS = ['a1', 'a2', 'a3', 'a4', 'a5', 'd1', 'd2', 'd3', 'd4', 'd5'] as const;

/** Counter changes a unit of work made; the group commit applies them once per group, merged with the others'. */
export interface Counted {
  counts: CountDelta[];
  tags: TagDelta[];
  /** Empty unless the rating scored some of the seven dimensions (R3). */
  dimensions?: DimensionDelta[];
}

const DIMENSION_KEYS = new Set<string>(DIMENSIONS.map((d) => d.key));

/**
 * The dimension levels of a stored `dimensions` JSON (R3): known keys with an integer level 1–5, in
 * key order; anything else (unparsable text, unknown keys, other values) is not counted.
 */
export function parseDimensions(text: string | null | undefined): Array<{ dimension: string; level: number }> {
  if (!text) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return [];
  const out: Array<{ dimension: string; level: number }> = [];
  for (const [dimension, level] of Object.entries(parsed as Record<string, unknown>)) {
    if (!DIMENSION_KEYS.has(dimension) || typeof level !== 'number' || !Number.isInteger(level) || level < 1 || level > 5) continue;
    out.push({ dimension, level });
  }
  return out.sort((a, b) => (a.dimension < b.dimension ? -1 : a.dimension > b.dimension ? 1 : 0));
}

export const TOTAL_SCOPE = scopeKey.total;

/** Scope keys in a fixed order: total, regions, departments, items, staff. */
export function scopesOf(a: Attribution): string[] {
  return [
    TOTAL_SCOPE,
    ...unique(a.regionCodes).map((c) => scopeKey.region(c)),
    ...unique(a.departmentIds).map((id) => scopeKey.department(id)),
    ...unique(a.itemIds).map((id) => scopeKey.item(id)),
    ...unique(a.staffIds).map((id) => scopeKey.staff(id)),
  ];
}

/** Hour rows only where a screen shows an hourly trend: total, regions and departments. */
function grainsFor(scope: string): Grain[] {
  return scope === TOTAL_SCOPE || scope.startsWith('R:') || scope.startsWith('D:') ? ['A', 'M', 'D', 'H'] : ['A', 'M', 'D'];
}

/** The counter changes one rating makes (sign +1 when counted, -1 when it becomes invalid). */
export function rollupDeltas(a: Attribution, facts: RatingFacts, sign: 1 | -1): Counted {
  const counts: CountDelta[] = [];
  const tags: TagDelta[] = [];
  const dimensions: DimensionDelta[] = [];
  const scored = parseDimensions(facts.dimensions);
  for (const scope of scopesOf(a)) {
    for (const grain of grainsFor(scope)) {
      const period = periodOf(facts.ratedAt, grain);
      counts.push({
        bucket: a.bucket,
        scope,
        grain,
        period,
        channel: facts.channel,
        level: facts.level,
        isDefault: facts.isDefault,
        n: sign,
      });
      if (grain === 'H') continue;
      for (const tag of facts.tags) tags.push({ bucket: a.bucket, scope, grain, period, channel: facts.channel, tag, n: sign });
      for (const d of scored)
        dimensions.push({ bucket: a.bucket, scope, grain, period, channel: facts.channel, dimension: d.dimension, level: d.level, n: sign });
    }
  }
  return scored.length > 0 ? { counts, tags, dimensions } : { counts, tags };
}

export function countKeyString(k: CountKey): string {
  return `${k.bucket}|${k.scope}|${k.grain}|${k.period}|${k.channel}|${k.level}|${k.isDefault ? 1 : 0}`;
}

export function tagKeyString(k: TagKey): string {
  return `${k.bucket}|${k.scope}|${k.grain}|${k.period}|${k.channel}|${k.tag}`;
}

export function dimensionKeyString(k: DimensionKey): string {
  return `${k.bucket}|${k.scope}|${k.grain}|${k.period}|${k.channel}|${k.dimension}|${k.level}`;
}

export function totalKeyString(k: Omit<TotalDelta, 'n'>): string {
  return `${k.bucket}|${k.scope}|${k.grain}|${k.period}|${k.level}|${k.isDefault ? 1 : 0}`;
}

export function totalRowKeyString(k: Pick<TotalRow, 'bucket' | 'scope' | 'grain' | 'period'>): string {
  return `${k.bucket}|${k.scope}|${k.grain}|${k.period}`;
}

/** The count deltas with their channel summed away (zeros dropped): what `rollup_total` adds. */
export function totalsOf(counts: Iterable<CountDelta>): Map<string, TotalDelta> {
  const cells: TotalDelta[] = [];
  for (const c of counts) cells.push({ bucket: c.bucket, scope: c.scope, grain: c.grain, period: c.period, level: c.level, isDefault: c.isDefault, n: c.n });
  return mergeDeltas(cells, totalKeyString);
}

/** Total cells gathered into `rollup_total` rows (one per bucket × scope × grain × period), in key order. */
export function totalRowsOf(cells: Iterable<TotalDelta>): TotalRow[] {
  const rows = new Map<string, TotalRow>();
  for (const c of cells) {
    if (!Number.isInteger(c.level) || c.level < 1 || c.level > 5) throw new RangeError(`level ${c.level} has no rollup_total column`);
    const key = totalRowKeyString(c);
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { bucket: c.bucket, scope: c.scope, grain: c.grain, period: c.period, active: [0, 0, 0, 0, 0], defaults: [0, 0, 0, 0, 0] }));
    (c.isDefault ? row.defaults : row.active)[c.level - 1]! += c.n;
  }
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

/** The non-zero cells of a stored `rollup_total` row (the inverse of `totalRowsOf`). */
export function cellsOfTotalRow(row: TotalRow): TotalDelta[] {
  const out: TotalDelta[] = [];
  for (let i = 0; i < 5; i++) {
    const base = { bucket: row.bucket, scope: row.scope, grain: row.grain, period: row.period, level: i + 1 };
    if (row.active[i]) out.push({ ...base, isDefault: false, n: row.active[i]! });
    if (row.defaults[i]) out.push({ ...base, isDefault: true, n: row.defaults[i]! });
  }
  return out;
}

/** Sums deltas by key, dropping zeros; used to batch many ratings into one write and to recount. */
export function mergeDeltas<T extends { n: number }>(rows: Iterable<T>, keyOf: (row: T) => string): Map<string, T> {
  const merged = new Map<string, T>();
  for (const row of rows) {
    const key = keyOf(row);
    const existing = merged.get(key);
    if (existing) existing.n += row.n;
    else merged.set(key, { ...row });
  }
  for (const [key, row] of merged) if (row.n === 0) merged.delete(key);
  return merged;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
