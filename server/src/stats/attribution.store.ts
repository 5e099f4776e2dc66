import type { Em } from '../db/orm.js';
import { sqlOf } from '../db/sql.js';
import { regionAncestors } from '../catalog/region.logic.js';
import type { Attribution } from './rollup.logic.js';

/** One unit of a case as the attribution reads it (a case_unit row with its department's region and path). */
export interface UnitRow {
  department_id: number;
  item_id: number;
  region_code: string;
  path: string;
}

/**
 * R10: the scopes one rating counts in, read from the raw rows: every department (and its parents) and
 * item of every case the rating covers, their regions up the hierarchy, and the rated service's staff.
 */
export async function loadAttribution(em: Em, caseIds: number[], kind: string, staffId: number | null): Promise<Attribution> {
  const units = await (
    await sqlOf(em)
  ).all<UnitRow>(
    `select cu.department_id, cu.item_id, d.region_code, d.path from case_unit cu
       join department d on d.id = cu.department_id
      where cu.case_id in (${caseIds.map(() => '?').join(', ')})`,
    caseIds,
  );
  return attributionFromUnits(units, kind, staffId);
}

export function attributionFromUnits(units: UnitRow[], kind: string, staffId: number | null): Attribution {
  const departmentIds = new Set<number>();
  const regionCodes = new Set<string>();
  const itemIds = new Set<number>();
  for (const unit of units) {
    for (const id of unit.path.split('/').filter(Boolean)) departmentIds.add(Number(id));
    for (const code of regionAncestors(unit.region_code)) regionCodes.add(code);
    itemIds.add(Number(unit.item_id));
  }
  return {
    bucket: kind === 'CONSULTATION' ? 'C' : 'H',
    regionCodes: [...regionCodes],
    departmentIds: [...departmentIds],
    itemIds: [...itemIds],
    staffIds: staffId ? [staffId] : [],
  };
}
