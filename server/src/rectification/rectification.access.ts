import type { Actor } from '../common/actor.js';
import { isWithinRegion, regionLevelOf } from '../catalog/region.logic.js';

/** Who sees a case: its department (and parents) by path, the unit it was dispatched to, supervisors and hotline by region. */
export function canSeeCase(actor: Actor, c: { departmentPath: string; handlingDepartmentPath: string | null; regionCode: string }): boolean {
  switch (actor.role) {
    case 'admin':
      return true;
    case 'department':
      return !!actor.departmentPath && (c.departmentPath.startsWith(actor.departmentPath) || !!c.handlingDepartmentPath?.startsWith(actor.departmentPath));
    case 'supervisor':
    case 'hotline':
      return !!actor.regionCode && isWithinRegion(c.regionCode, actor.regionCode);
    default:
      return false;
  }
}

const SIGNIFICANT = { PROVINCE: 2, CITY: 4, DISTRICT: 6, TOWNSHIP: 9, VILLAGE: 12 } as const;

/** The LIKE pattern of every region code within `code` (a region and everything below it). */
export function regionLikePattern(code: string): string {
  return `${code.slice(0, SIGNIFICANT[regionLevelOf(code)])}%`;
}

/** SQL condition and parameters restricting rect_case rows to what the actor may see (alias `rc`). */
export function caseScopeSql(actor: Actor): { sql: string; params: unknown[] } {
  switch (actor.role) {
    case 'admin':
      return { sql: '1 = 1', params: [] };
    case 'department':
      if (!actor.departmentPath) return { sql: '1 = 0', params: [] };
      return { sql: '(rc.department_path like ? or rc.handling_department_path like ?)', params: [`${actor.departmentPath}%`, `${actor.departmentPath}%`] };
    case 'supervisor':
    case 'hotline':
      if (!actor.regionCode) return { sql: '1 = 0', params: [] };
      return { sql: 'rc.region_code like ?', params: [regionLikePattern(actor.regionCode)] };
    default:
      return { sql: '1 = 0', params: [] };
  }
}
