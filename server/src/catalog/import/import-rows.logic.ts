import { explainCreditCode } from '../credit-code.logic.js';
import { explainRegionCode, regionLevelOf, regionParentOf, type RegionLevel } from '../region.logic.js';

/**
 * R4, R25: the catalog file layouts (docs/exchange.md, "Catalog import"): which kinds of row a file
 * may hold, the column headers accepted for each field (Chinese or English, case and spacing
 * ignored), and the checks one row must pass on its own. Lookups across rows and against the stored
 * catalog are the service's.
 */
export const IMPORT_KINDS = ['regions', 'departments', 'halls', 'windows', 'staff', 'items'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

interface FieldSpec {
  field: string;
  required: boolean;
  aliases: readonly string[];
}

const DEPT_CODE = ['deptcode', 'creditcode', '部门信用代码', '部门统一社会信用代码', '统一社会信用代码', '实施主体编码'];
const HALL_REGION = ['hallregioncode', 'regioncode', 'areacode', '大厅区划代码', '行政区划代码', '区划代码'];

export const LAYOUTS: Readonly<Record<ImportKind, readonly FieldSpec[]>> = {
  regions: [
    { field: 'code', required: true, aliases: ['code', 'regioncode', '区划代码', '行政区划代码'] },
    { field: 'name', required: true, aliases: ['name', 'regionname', '名称', '区划名称'] },
    { field: 'level', required: false, aliases: ['level', '级别', '层级'] },
    { field: 'parentCode', required: false, aliases: ['parentcode', '上级代码', '上级区划代码'] },
  ],
  departments: [
    { field: 'creditCode', required: true, aliases: DEPT_CODE },
    { field: 'name', required: true, aliases: ['name', 'deptname', '部门名称', '名称'] },
    { field: 'regionCode', required: true, aliases: ['regioncode', 'areacode', '行政区划代码', '区划代码'] },
    { field: 'parentCreditCode', required: false, aliases: ['parentcreditcode', 'parentdeptcode', '上级部门信用代码', '上级部门统一社会信用代码'] },
  ],
  halls: [
    { field: 'name', required: true, aliases: ['hallname', 'name', '大厅名称', '名称'] },
    { field: 'regionCode', required: true, aliases: ['regioncode', 'areacode', '行政区划代码', '区划代码'] },
  ],
  windows: [
    { field: 'hallName', required: true, aliases: ['hallname', '大厅名称'] },
    { field: 'hallRegionCode', required: true, aliases: HALL_REGION },
    { field: 'no', required: true, aliases: ['windowno', 'winno', 'no', '窗口编号', '窗口号'] },
    { field: 'name', required: true, aliases: ['windowname', 'winname', 'name', '窗口名称'] },
    { field: 'deptCode', required: false, aliases: DEPT_CODE },
  ],
  staff: [
    { field: 'deptCode', required: true, aliases: DEPT_CODE },
    { field: 'workNo', required: true, aliases: ['workno', 'staffno', '工号'] },
    { field: 'name', required: true, aliases: ['staffname', 'name', '姓名'] },
    { field: 'hallName', required: false, aliases: ['hallname', '大厅名称'] },
    { field: 'hallRegionCode', required: false, aliases: HALL_REGION },
    { field: 'windowNo', required: false, aliases: ['windowno', 'winno', '窗口编号', '窗口号'] },
  ],
  items: [
    { field: 'taskCode', required: true, aliases: ['taskcode', '实施编码'] },
    { field: 'handleItemCode', required: true, aliases: ['handleitemcode', 'taskhandleitem', '业务办理项编码'] },
    { field: 'name', required: true, aliases: ['taskname', 'itemname', 'name', '事项名称'] },
    { field: 'itemType', required: true, aliases: ['itemtype', 'tasktype', '事项类型'] },
    { field: 'deptCode', required: true, aliases: DEPT_CODE },
  ],
};

/** Sheet names (XLSX) and keys (JSON) naming a kind. */
const KIND_NAMES: Readonly<Record<string, ImportKind>> = {
  regions: 'regions',
  region: 'regions',
  区划: 'regions',
  行政区划: 'regions',
  departments: 'departments',
  department: 'departments',
  部门: 'departments',
  halls: 'halls',
  hall: 'halls',
  大厅: 'halls',
  windows: 'windows',
  window: 'windows',
  窗口: 'windows',
  staff: 'staff',
  人员: 'staff',
  工作人员: 'staff',
  items: 'items',
  item: 'items',
  事项: 'items',
};

export function normalizeHeader(header: string): string {
  return header
    .replace(/^\uFEFF/, '')
    .replace(/[\s_\-()（）*]/g, '')
    .toLowerCase();
}

export function kindOfName(name: string): ImportKind | null {
  return KIND_NAMES[normalizeHeader(name)] ?? null;
}

/** Which kind a header row describes, by the column that only that kind has. */
export function kindOfHeaders(headers: readonly string[]): ImportKind | null {
  const has = new Set(headers.map(normalizeHeader));
  const any = (...names: string[]) => names.some((n) => has.has(n));
  if (any('taskcode', '实施编码')) return 'items';
  if (any('workno', 'staffno', '工号')) return 'staff';
  if (any('windowno', 'winno', '窗口编号', '窗口号')) return 'windows';
  if (any('hallname', '大厅名称')) return 'halls';
  if (any('creditcode', 'deptcode', '统一社会信用代码', '部门信用代码')) return 'departments';
  if (any('code', 'regioncode', '区划代码', '行政区划代码')) return 'regions';
  return null;
}

/** Maps a file's headers to a kind's fields; names the required columns it lacks. */
export function columnMap(kind: ImportKind, headers: readonly string[]): { columns: Map<string, number>; missing: string[] } {
  const normalized = headers.map(normalizeHeader);
  const columns = new Map<string, number>();
  const taken = new Set<number>();
  for (const spec of LAYOUTS[kind]) {
    for (const alias of spec.aliases) {
      const at = normalized.findIndex((h, i) => h === alias && !taken.has(i));
      if (at >= 0) {
        columns.set(spec.field, at);
        taken.add(at);
        break;
      }
    }
  }
  const missing = LAYOUTS[kind]
    .filter((s) => s.required && !columns.has(s.field))
    .map((s) => `${s.field} (${s.aliases.filter((a) => /[^\u0020-\u007e]/.test(a))[0] ?? s.field})`);
  return { columns, missing };
}

export type RejectCode = 'MISSING_VALUE' | 'INVALID_VALUE' | 'UNKNOWN_REFERENCE' | 'DUPLICATE_ROW' | 'CONFLICT';

export interface Rejection {
  kind: ImportKind;
  row: number;
  column: string;
  code: RejectCode;
  message: string;
}

export class RowError extends Error {
  constructor(
    readonly column: string,
    readonly code: RejectCode,
    message: string,
  ) {
    super(message);
  }
}

export interface RegionRow {
  code: string;
  name: string;
  level: RegionLevel;
  parentCode: string | null;
}
export interface DepartmentRow {
  creditCode: string;
  name: string;
  regionCode: string;
  parentCreditCode: string | null;
}
export interface HallRow {
  name: string;
  regionCode: string;
}
export interface WindowRow {
  hallName: string;
  hallRegionCode: string;
  no: string;
  name: string;
  deptCode: string | null;
}
export interface StaffRow {
  deptCode: string;
  workNo: string;
  name: string;
  hallName: string | null;
  hallRegionCode: string | null;
  windowNo: string | null;
}
export interface ItemRow {
  taskCode: string;
  handleItemCode: string;
  name: string;
  itemType: string;
  deptCode: string;
}
export interface RowsOf {
  regions: RegionRow;
  departments: DepartmentRow;
  halls: HallRow;
  windows: WindowRow;
  staff: StaffRow;
  items: ItemRow;
}

/** 事项类型 codes (docs/exchange.md). */
export const ITEM_TYPES = ['00', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '20'];

const LEVEL_NAMES: Readonly<Record<string, RegionLevel>> = {
  PROVINCE: 'PROVINCE',
  省: 'PROVINCE',
  CITY: 'CITY',
  市: 'CITY',
  DISTRICT: 'DISTRICT',
  县: 'DISTRICT',
  区: 'DISTRICT',
  区县: 'DISTRICT',
  县区: 'DISTRICT',
  TOWNSHIP: 'TOWNSHIP',
  乡镇: 'TOWNSHIP',
  街道: 'TOWNSHIP',
  乡镇街道: 'TOWNSHIP',
  VILLAGE: 'VILLAGE',
  村: 'VILLAGE',
  社区: 'VILLAGE',
  村社区: 'VILLAGE',
};

type Raw = Readonly<Record<string, string>>;

function need(raw: Raw, field: string): string {
  const value = raw[field]?.trim() ?? '';
  if (!value) throw new RowError(field, 'MISSING_VALUE', `${field} is required and was empty`);
  return value;
}
function opt(raw: Raw, field: string): string | null {
  const value = raw[field]?.trim() ?? '';
  return value || null;
}
function text(raw: Raw, field: string, max: number): string {
  const value = need(raw, field);
  if (value.length > max) throw new RowError(field, 'INVALID_VALUE', `${field} must be at most ${max} characters, got ${value.length}`);
  return value;
}
function code(raw: Raw, field: string, max: number): string {
  const value = text(raw, field, max);
  if (!/^[\w.-]+$/.test(value)) throw new RowError(field, 'INVALID_VALUE', `${field} must be letters, digits, '.', '-' or '_', got ${JSON.stringify(value)}`);
  return value;
}
function regionCode(value: string, field: string): string {
  const padded = /^\d{6}$|^\d{9}$/.test(value) ? value.padEnd(12, '0') : value;
  const problem = explainRegionCode(padded);
  if (problem) throw new RowError(field, 'INVALID_VALUE', problem);
  return padded;
}
function creditCode(value: string, field: string): string {
  const problem = explainCreditCode(value);
  if (problem) throw new RowError(field, 'INVALID_VALUE', `not a valid unified social credit code: ${problem}`);
  return value;
}

/** One row's own checks: required values, formats, code check characters. Throws RowError. */
export function validateRow<K extends ImportKind>(kind: K, raw: Raw): RowsOf[K] {
  return VALIDATORS[kind](raw) as RowsOf[K];
}

const VALIDATORS: { [K in ImportKind]: (raw: Raw) => RowsOf[K] } = {
  regions: (raw) => {
    const code = regionCode(need(raw, 'code'), 'code');
    const level = regionLevelOf(code);
    const givenLevel = opt(raw, 'level');
    if (givenLevel && LEVEL_NAMES[givenLevel.toUpperCase()] !== level) {
      throw new RowError('level', 'INVALID_VALUE', `level ${JSON.stringify(givenLevel)} disagrees with the code, which is a ${level}`);
    }
    const derived = regionParentOf(code);
    const given = opt(raw, 'parentCode');
    const parentCode = given ? regionCode(given, 'parentCode') : derived;
    return { code, name: text(raw, 'name', 100), level, parentCode };
  },
  departments: (raw) => {
    const parent = opt(raw, 'parentCreditCode');
    return {
      creditCode: creditCode(need(raw, 'creditCode'), 'creditCode'),
      name: text(raw, 'name', 100),
      regionCode: regionCode(need(raw, 'regionCode'), 'regionCode'),
      parentCreditCode: parent ? creditCode(parent, 'parentCreditCode') : null,
    };
  },
  halls: (raw) => ({ name: text(raw, 'name', 100), regionCode: regionCode(need(raw, 'regionCode'), 'regionCode') }),
  windows: (raw) => {
    const dept = opt(raw, 'deptCode');
    return {
      hallName: text(raw, 'hallName', 100),
      hallRegionCode: regionCode(need(raw, 'hallRegionCode'), 'hallRegionCode'),
      no: code(raw, 'no', 20),
      name: text(raw, 'name', 100),
      deptCode: dept ? creditCode(dept, 'deptCode') : null,
    };
  },
  staff: (raw) => {
    const hallName = opt(raw, 'hallName');
    const windowNo = opt(raw, 'windowNo');
    const hallRegion = opt(raw, 'hallRegionCode');
    if (windowNo && (!hallName || !hallRegion)) {
      throw new RowError(hallName ? 'hallRegionCode' : 'hallName', 'MISSING_VALUE', 'a window number needs the hall name and the hall region code');
    }
    return {
      deptCode: creditCode(need(raw, 'deptCode'), 'deptCode'),
      workNo: code(raw, 'workNo', 30),
      name: text(raw, 'name', 30),
      hallName,
      hallRegionCode: hallRegion ? regionCode(hallRegion, 'hallRegionCode') : null,
      windowNo,
    };
  },
  items: (raw) => {
    const itemType = need(raw, 'itemType').padStart(2, '0');
    if (!ITEM_TYPES.includes(itemType))
      throw new RowError('itemType', 'INVALID_VALUE', `事项类型 must be one of ${ITEM_TYPES.join(', ')}, got ${JSON.stringify(itemType)}`);
    return {
      taskCode: code(raw, 'taskCode', 40),
      handleItemCode: code(raw, 'handleItemCode', 60),
      name: text(raw, 'name', 200),
      itemType,
      deptCode: creditCode(need(raw, 'deptCode'), 'deptCode'),
    };
  },
};

/** The key that identifies a row of a kind: a second row with the same key in one file is a duplicate. */
export function keyOf<K extends ImportKind>(kind: K, row: RowsOf[K]): string {
  const r = row as unknown as Record<string, string | null>;
  switch (kind) {
    case 'regions':
      return r.code!;
    case 'departments':
      return r.creditCode!;
    case 'halls':
      return `${r.regionCode}|${r.name}`;
    case 'windows':
      return `${r.hallRegionCode}|${r.hallName}|${r.no}`;
    case 'staff':
      return `${r.deptCode}|${r.workNo}`;
    default:
      return r.taskCode!;
  }
}
