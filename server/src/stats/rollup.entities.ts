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

export const statsEntities = [RollupCountSchema, RollupTagSchema, RollupDimensionSchema];
