/**
 * The rating scale (R2) and the seven rating dimensions (R3). Internally levels use the
 * interface order of docs/exchange.md (5 = 非常满意); GB/T 39046 A.8 codes run the other way and are
 * converted only at the borders.
 */

/** A rating level: 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意. */
export type Level = 1 | 2 | 3 | 4 | 5;

/** One level of the scale with its display names. */
export interface LevelDefinition {
  readonly value: Level;
  readonly name: string;
  readonly nameEn: string;
}

/** The five levels, best first (R2). Star widgets map n stars to level n. */
export const LEVELS: ReadonlyArray<LevelDefinition> = [
  { value: 5, name: '非常满意', nameEn: 'Very satisfied' },
  { value: 4, name: '满意', nameEn: 'Satisfied' },
  { value: 3, name: '基本满意', nameEn: 'Basically satisfied' },
  { value: 2, name: '不满意', nameEn: 'Dissatisfied' },
  { value: 1, name: '非常不满意', nameEn: 'Very dissatisfied' },
];

/** Whether a value is one of the five levels. */
export function isLevel(value: unknown): value is Level {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5;
}

/** 好评 (R2): 非常满意, 满意 or 基本满意. False for anything that is not a level. */
export function isGoodLevel(level: number): boolean {
  return isLevel(level) && level >= 3;
}

/** 差评 (R2): 不满意 or 非常不满意; these open a rectification case (R13). False for non-levels. */
export function isBadLevel(level: number): boolean {
  return isLevel(level) && level <= 2;
}

/** GB/T 39046 A.8 满意度代码 of a level: 1 = 非常满意 … 5 = 非常不满意. */
export function toGbSatisfactionCode(level: number): Level {
  if (!isLevel(level)) throw new RangeError(`level must be 1–5, got ${level}`);
  return (6 - level) as Level;
}

/** The level of a GB/T 39046 A.8 满意度代码 (1 = 非常满意 … 5 = 非常不满意). */
export function fromGbSatisfactionCode(code: number): Level {
  if (!isLevel(code)) throw new RangeError(`GB/T 39046 satisfaction code must be 1–5, got ${code}`);
  return (6 - code) as Level;
}

/** Key of one of the seven rating dimensions (R3). */
export type DimensionKey = 'commitment' | 'attitude' | 'materials' | 'efficiency' | 'trips' | 'mechanism' | 'integrity';

/** One rating dimension with its display names. */
export interface DimensionDefinition {
  readonly key: DimensionKey;
  readonly name: string;
  readonly nameEn: string;
}

/** The seven optional per-dimension ratings, in the order of the national guide (R3). */
export const DIMENSIONS: ReadonlyArray<DimensionDefinition> = [
  { key: 'commitment', name: '承诺履行', nameEn: 'Commitments kept' },
  { key: 'attitude', name: '服务态度', nameEn: 'Service attitude' },
  { key: 'materials', name: '申请材料', nameEn: 'Application materials' },
  { key: 'efficiency', name: '办事效率', nameEn: 'Efficiency' },
  { key: 'trips', name: '跑趟次数', nameEn: 'Number of trips' },
  { key: 'mechanism', name: '服务机制', nameEn: 'Service mechanism' },
  { key: 'integrity', name: '勤政廉洁', nameEn: 'Diligence and integrity' },
];

/** Whether a string is one of the seven dimension keys. */
export function isDimensionKey(key: string): key is DimensionKey {
  return DIMENSIONS.some((d) => d.key === key);
}
