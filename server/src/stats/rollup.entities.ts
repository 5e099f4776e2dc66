import { EntitySchema } from '@mikro-orm/core';
import { int, str } from '../common/columns.js';

/** The key every rollup table starts with: which counter set, scope and period, through which channel. */
interface RollupKey {
  bucket: string;
  scope: string;
  grain: string;
  period: number;
  channel: string;
}
const KEY_COLUMNS = {
  bucket: { ...str(1), primary: true },
  scope: { ...str(40), primary: true },
  grain: { ...str(1), primary: true },
  period: { ...int, primary: true },
  channel: { ...str(16), primary: true },
} as const;

/**
 * Exact counters (R21, R22): one row per bucket × scope × period × channel × level × default.
 * Written only in the transaction that changes the ratings they count.
 */
export interface RollupCount extends RollupKey {
  level: number;
  isDefault: number;
  n: number;
}
export const RollupCountSchema = new EntitySchema<RollupCount>({
  name: 'RollupCount',
  tableName: 'rollup_count',
  properties: {
    ...KEY_COLUMNS,
    level: { ...int, primary: true },
    isDefault: { ...int, primary: true },
    n: int,
  },
});

export interface RollupTag extends RollupKey {
  tag: string;
  n: number;
}
export const RollupTagSchema = new EntitySchema<RollupTag>({
  name: 'RollupTag',
  tableName: 'rollup_tag',
  properties: {
    ...KEY_COLUMNS,
    tag: { ...str(10), primary: true },
    n: int,
  },
});

/**
 * The seven dimensions (R3) counted like the levels: one row per bucket × scope × period (all-time,
 * month, day) × channel × dimension × level 1–5, written in the rating's transaction and subtracted
 * again by an invalidation (R18), like `rollup_count`.
 */
export interface RollupDimension extends RollupKey {
  dimension: string;
  level: number;
  n: number;
}
export const RollupDimensionSchema = new EntitySchema<RollupDimension>({
  name: 'RollupDimension',
  tableName: 'rollup_dimension',
  properties: {
    ...KEY_COLUMNS,
    dimension: { ...str(16), primary: true },
    level: { ...int, primary: true },
    n: int,
  },
});

/**
 * Flat per-unit totals (P5): one row per bucket × scope × grain × period over all channels, with the
 * ratings per level 1–5 that are not defaults (a1–a5) and those that are (d1–d5). The same cells as
 * `rollup_count` with the channel summed away, written by the same upsert step in the same
 * transaction (`applyRollupDeltas`), so a breakdown, trend or total without a channel filter reads
 * one row per unit and period instead of summing channel × level × default rows. Only all-channel
 * rows are kept: a channel filter reads `rollup_count`.
 */
export interface RollupTotal {
  bucket: string;
  scope: string;
  grain: string;
  period: number;
  a1: number;
  a2: number;
  a3: number;
  a4: number;
  a5: number;
  d1: number;
  d2: number;
  d3: number;
  d4: number;
  d5: number;
}
/**
 * The all-time rows of `rollup_total` again, in a small partial covering index (one entry per bucket ×
 * unit, a few hundred kilobytes whatever the number of ratings): a breakdown or total over all time
 * reads its units' cells from pages that stay cached instead of one scattered table page per unit among
 * millions of day and hour rows (P5). The database keeps it in the rating's transaction, so it is as
 * exact as the table. Queries reach it by saying `grain = 'A'` as a literal, without a period
 * (`ALL_TIME_TOTALS` in stats.service.ts). The same statement works on SQLite and PostgreSQL.
 */
export const ROLLUP_TOTAL_ALL_TIME_INDEX = 'rollup_total_all_time';
export const ROLLUP_TOTAL_ALL_TIME_INDEX_SQL = `create index ${ROLLUP_TOTAL_ALL_TIME_INDEX} on rollup_total (bucket, scope, a1, a2, a3, a4, a5, d1, d2, d3, d4, d5) where grain = 'A'`;

export const RollupTotalSchema = new EntitySchema<RollupTotal>({
  name: 'RollupTotal',
  tableName: 'rollup_total',
  indexes: [{ name: ROLLUP_TOTAL_ALL_TIME_INDEX, expression: ROLLUP_TOTAL_ALL_TIME_INDEX_SQL }],
  properties: {
    bucket: KEY_COLUMNS.bucket,
    scope: KEY_COLUMNS.scope,
    grain: KEY_COLUMNS.grain,
    period: KEY_COLUMNS.period,
    a1: int,
    a2: int,
    a3: int,
    a4: int,
    a5: int,
    d1: int,
    d2: int,
    d3: int,
    d4: int,
    d5: int,
  },
});

export const statsEntities = [RollupCountSchema, RollupTagSchema, RollupDimensionSchema, RollupTotalSchema];
