import { addDays } from './period.logic.js';
import { GOOD_MIN_LEVEL, isSuppressed, ratio } from './stats.logic.js';

/**
 * Comparisons of a unit's figures (R21, R22): with its own previous period of equal length and with its
 * peer group (the other units of the same kind under the same parent). Pure: the service reads the
 * rollup cells and decides each unit's public minimum.
 */

/** Figures compared: rating count, good rate, mean level and each dimension's good rate (R3). */
export interface ComparedFigures {
  ratings: number | null;
  goodRate: number | null;
  averageLevel: number | null;
  dimensions: Array<{ key: string; name: string; rated: number | null; goodRate: number | null }>;
}

export interface LevelCell {
  level: number;
  n: number;
}
export interface DimensionCell {
  dimension: string;
  level: number;
  n: number;
}

/** A unit's compared figures from its level and dimension cells; withheld (nulls) below `minCount`, per figure. */
export function comparedFiguresOf(
  levels: Iterable<LevelCell>,
  dimensionCells: Iterable<DimensionCell>,
  definitions: ReadonlyArray<{ key: string; name: string }>,
  minCount: number,
): ComparedFigures {
  let total = 0;
  let good = 0;
  let sum = 0;
  for (const c of levels) {
    if (c.level < 1 || c.level > 5) continue;
    total += c.n;
    sum += c.level * c.n;
    if (c.level >= GOOD_MIN_LEVEL) good += c.n;
  }
  const dims = new Map(definitions.map((d) => [d.key, { rated: 0, good: 0 }]));
  for (const c of dimensionCells) {
    const d = dims.get(c.dimension);
    if (!d || c.level < 1 || c.level > 5) continue;
    d.rated += c.n;
    if (c.level >= GOOD_MIN_LEVEL) d.good += c.n;
  }
  const withheld = isSuppressed(total, minCount);
  return {
    ratings: withheld ? null : total,
    goodRate: withheld ? null : ratio(good, total),
    averageLevel: withheld ? null : ratio(sum, total),
    dimensions: definitions.map((def) => {
      const d = dims.get(def.key)!;
      if (isSuppressed(d.rated, minCount)) return { key: def.key, name: def.name, rated: null, goodRate: null };
      return { key: def.key, name: def.name, rated: d.rated, goodRate: ratio(d.good, d.rated) };
    }),
  };
}

/** The middle value (mean of the two middle ones for an even count); null without values. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * One summary (median or mean) of the peers, figure by figure, over the peers whose figure is known
 * (a peer's figure withheld by the public minimum, or without any rating, takes no part).
 */
export function summarisePeers(
  peers: ComparedFigures[],
  definitions: ReadonlyArray<{ key: string; name: string }>,
  summary: (values: number[]) => number | null,
): ComparedFigures {
  const known = (pick: (f: ComparedFigures) => number | null) => summary(peers.map(pick).filter((v): v is number => v !== null));
  return {
    ratings: known((f) => f.ratings),
    goodRate: known((f) => f.goodRate),
    averageLevel: known((f) => f.averageLevel),
    dimensions: definitions.map((def, i) => ({
      key: def.key,
      name: def.name,
      rated: known((f) => f.dimensions[i]?.rated ?? null),
      goodRate: known((f) => f.dimensions[i]?.goodRate ?? null),
    })),
  };
}

/** `a − b` figure by figure; null where either is unknown. */
export function deltaOf(a: ComparedFigures, b: ComparedFigures): ComparedFigures {
  const minus = (x: number | null, y: number | null) => (x === null || y === null ? null : x - y);
  return {
    ratings: minus(a.ratings, b.ratings),
    goodRate: minus(a.goodRate, b.goodRate),
    averageLevel: minus(a.averageLevel, b.averageLevel),
    dimensions: a.dimensions.map((d, i) => ({
      key: d.key,
      name: d.name,
      rated: minus(d.rated, b.dimensions[i]?.rated ?? null),
      goodRate: minus(d.goodRate, b.dimensions[i]?.goodRate ?? null),
    })),
  };
}

/** Default length of a compared period when the filter gives no range. */
export const COMPARISON_DEFAULT_DAYS = 30;

/**
 * The compared period (inclusive days YYYYMMDD) and the previous one of equal length, ending the day
 * before it starts. Without a range: the last 30 days up to today; with one end only, 30 days from or
 * up to it.
 */
export function comparedPeriods(
  fromDay: number | null,
  toDay: number | null,
  today: number,
): { from: number; to: number; previousFrom: number; previousTo: number; days: number } {
  const to = toDay ?? (fromDay !== null ? addDays(fromDay, COMPARISON_DEFAULT_DAYS - 1) : today);
  const from = fromDay ?? addDays(to, -(COMPARISON_DEFAULT_DAYS - 1));
  const days = daysBetween(from, to) + 1;
  return { from, to, previousFrom: addDays(from, -days), previousTo: addDays(from, -1), days };
}

function daysBetween(from: number, to: number): number {
  const ms = (d: number) => Date.UTC(Math.floor(d / 10000), Math.floor((d % 10000) / 100) - 1, d % 100);
  return Math.round((ms(to) - ms(from)) / 86_400_000);
}

/** YYYYMMDD → "YYYY-MM-DD". */
export function isoDay(day: number): string {
  return `${Math.floor(day / 10000)}-${String(Math.floor((day % 10000) / 100)).padStart(2, '0')}-${String(day % 100).padStart(2, '0')}`;
}
