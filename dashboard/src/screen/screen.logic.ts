import type { BreakdownRow, Region, StatsFilter } from '../api/types.js';

export const DESIGN_WIDTH = 1920;
export const DESIGN_HEIGHT = 1080;

/** How the 1920×1080 design sits in a viewport: one uniform scale, centred, letterboxed on other aspect ratios. */
export interface StageFit {
  scale: number;
  left: number;
  top: number;
}

export function stageFit(viewWidth: number, viewHeight: number, designWidth = DESIGN_WIDTH, designHeight = DESIGN_HEIGHT): StageFit {
  if (viewWidth <= 0 || viewHeight <= 0) return { scale: 1, left: 0, top: 0 };
  const scale = Math.min(viewWidth / designWidth, viewHeight / designHeight);
  return { scale, left: (viewWidth - designWidth * scale) / 2, top: (viewHeight - designHeight * scale) / 2 };
}

/** Ratings a department needs before the screen ranks it (R22; the assessment default `rank.minSample`). */
export const RANK_MIN_SAMPLE = 30;
/** The normal quantile of the 95% Wilson bound (the assessment default `rank.confidence`). */
const Z95 = 1.96;

/** Wilson score interval's lower bound of `good` out of `total` at 95% (0 without ratings). */
export function wilsonLower(good: number, total: number, z = Z95): number {
  if (total <= 0) return 0;
  const p = good / total;
  const z2 = z * z;
  const centre = p + z2 / (2 * total);
  const margin = z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return Math.max(0, (centre - margin) / (1 + z2 / total));
}

export type RankedRow = BreakdownRow & { ranked: boolean };

/**
 * Departments ranked fairly (数据晾晒, R22): by the 95% Wilson lower bound of the good rate, so three
 * ratings at 100% do not outrank three thousand at 99.8%; then by good rate, volume and name. Departments
 * with fewer than RANK_MIN_SAMPLE ratings follow unranked, by volume; withheld ones (too few ratings for
 * the public) go last rather than pretending to rank.
 */
export function rankDepartments(rows: readonly BreakdownRow[], minSample = RANK_MIN_SAMPLE): RankedRow[] {
  const shown = (r: BreakdownRow) => !r.suppressed && r.goodRate !== null && (r.total ?? 0) > 0;
  const ranked = (r: BreakdownRow) => shown(r) && (r.total ?? 0) >= minSample;
  const lower = (r: BreakdownRow) => wilsonLower(r.good ?? 0, r.total ?? 0);
  return [...rows]
    .sort((a, b) => {
      if (shown(a) !== shown(b)) return shown(a) ? -1 : 1;
      if (ranked(a) !== ranked(b)) return ranked(a) ? -1 : 1;
      const byBound = ranked(a) ? lower(b) - lower(a) : 0;
      return byBound || (ranked(a) ? (b.goodRate ?? 0) - (a.goodRate ?? 0) : 0) || (b.total ?? 0) - (a.total ?? 0) || a.name.localeCompare(b.name, 'zh-CN');
    })
    .map((r) => ({ ...r, ranked: ranked(r) }));
}

const SEGMENT_ENDS = [2, 4, 6, 9, 12];

/** The parent of a 12-digit region code (null for a province): the last non-zero segment zeroed. */
export function parentRegion(code: string): string | null {
  if (!/^\d{12}$/.test(code)) return null;
  for (let i = SEGMENT_ENDS.length - 1; i > 0; i--) {
    const start = SEGMENT_ENDS[i - 1]!;
    const end = SEGMENT_ENDS[i]!;
    if (!/^0+$/.test(code.slice(start, end))) {
      // A city without districts (东莞) numbers its townships under the city: zeroing lands on the city.
      return code.slice(0, start).padEnd(12, '0');
    }
  }
  return null;
}

/** The chain of ancestors from the top region down to `code` itself, for the drill-down breadcrumb. */
export function regionPath(code: string, top: string | null): string[] {
  const path: string[] = [];
  let at: string | null = code;
  while (at) {
    path.unshift(at);
    if (at === top) break;
    at = parentRegion(at);
  }
  return top && !path.includes(top) ? [top, ...path] : path;
}

/**
 * What a screen shows: a locked token scope wins over the URL; otherwise `?department=` or `?region=`;
 * otherwise the only top-level region when there is one (the city of an installation), else everything.
 */
export function screenScope(
  query: { region?: string | null; department?: string | null },
  locked: { regionCode?: string | null; departmentId?: number | null } | null,
  topRegions: readonly Region[],
): StatsFilter {
  if (locked?.departmentId) return { departmentId: locked.departmentId };
  const department = Number(query.department);
  if (query.department && Number.isInteger(department) && department > 0 && !locked?.regionCode) return { departmentId: department };
  if (query.region && /^\d{12}$/.test(query.region)) {
    if (!locked?.regionCode || isWithin(query.region, locked.regionCode)) return { regionCode: query.region };
  }
  if (locked?.regionCode) return { regionCode: locked.regionCode };
  return topRegions.length === 1 ? { regionCode: topRegions[0]!.code } : {};
}

/** Whether a region code lies within another (same significant prefix). */
export function isWithin(code: string, ancestor: string): boolean {
  const significant = ancestor.replace(/0+$/, '');
  let end = SEGMENT_ENDS.find((e) => e >= significant.length) ?? 12;
  if (end < 2) end = 2;
  return code.slice(0, end) === ancestor.slice(0, end);
}

/** Whether a breakdown row is a region that has smaller regions to drill into. */
export function canDrill(row: BreakdownRow): boolean {
  return row.regionLevel !== null && row.regionLevel !== 'VILLAGE' && /^\d{12}$/.test(row.key);
}

/**
 * Rows of a self-scrolling list: rendered twice when they overflow, so the scroll wraps without a
 * jump; the offset is kept across data updates (modulo the new height), so live data never restarts it.
 */
export function nextScrollOffset(offset: number, elapsedMs: number, pxPerSecond: number, listHeight: number, viewHeight: number): number {
  if (listHeight <= viewHeight || listHeight <= 0) return 0;
  const next = offset + (pxPerSecond * Math.min(elapsedMs, 250)) / 1000;
  return next % listHeight;
}
