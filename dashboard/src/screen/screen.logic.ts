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

/**
 * The scope of a screen or widget from its context (screen and embed tokens are locked to theirs) and
 * its address's `?region=` / `?department=`.
 */
export function contextScope(
  context: { role: string; regionCode: string | null; departmentId: number | null; topRegions: readonly Region[] },
  query: { region?: string | null; department?: string | null },
): StatsFilter {
  const locked = context.role === 'screen' ? { regionCode: context.regionCode, departmentId: context.departmentId } : null;
  return screenScope(query, locked, context.topRegions);
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
