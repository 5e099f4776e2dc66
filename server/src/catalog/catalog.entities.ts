import { EntitySchema } from '@mikro-orm/core';
import { bool, int, optInt, optStr, pk, str } from '../common/columns.js';

/** R4: 市 / 县区 / 乡镇街道 / 村社区, keyed by the 12-digit 行政区划代码. */
export interface Region {
  code: string;
  name: string;
  level: string;
  parentCode: string | null;
}
export const RegionSchema = new EntitySchema<Region>({
  name: 'Region',
  tableName: 'region',
  properties: {
    code: { type: 'string', length: 12, primary: true },
    name: str(100),
    level: str(10),
    parentCode: { ...optStr(12), index: true },
  },
});

/** A government body; `path` ("/3/17/") lets a department officer's scope include its sub-units. */
export interface Department {
  id: number;
  creditCode: string;
  name: string;
  regionCode: string;
  parentId: number | null;
  path: string;
}
export const DepartmentSchema = new EntitySchema<Department>({
  name: 'Department',
  tableName: 'department',
  properties: {
    id: pk,
    creditCode: { ...str(18), unique: true },
    name: str(100),
    regionCode: { ...str(12), index: true },
    parentId: optInt,
    path: { ...str(200), index: true },
  },
});

export interface Hall {
  id: number;
  name: string;
  regionCode: string;
}
export const HallSchema = new EntitySchema<Hall>({
  name: 'Hall',
  tableName: 'hall',
  properties: { id: pk, name: str(100), regionCode: { ...str(12), index: true } },
});

export interface ServiceWindow {
  id: number;
  hallId: number;
  no: string;
  name: string;
  departmentId: number | null;
  /**
   * When the window serves (R18: ratings at the window outside these hours are suspicious), as
   * `<weekdays> <HH:MM>-<HH:MM>`, weekdays 1 (Monday) … 7, e.g. `1-5 08:30-17:30` (the default) or `1-6 09:00-17:00`.
   */
  openingHours?: string;
}
/** Weekdays 08:30–17:30, the usual hours of a government service hall. */
export const DEFAULT_OPENING_HOURS = '1-5 08:30-17:30';
export const ServiceWindowSchema = new EntitySchema<ServiceWindow>({
  name: 'ServiceWindow',
  tableName: 'service_window',
  uniques: [{ properties: ['hallId', 'no'] }],
  properties: {
    id: pk,
    hallId: int,
    no: str(20),
    name: str(100),
    departmentId: optInt,
    openingHours: { ...str(40), default: DEFAULT_OPENING_HOURS, onCreate: (w: ServiceWindow) => w.openingHours ?? DEFAULT_OPENING_HOURS },
  },
});

export interface Terminal {
  id: number;
  hallId: number;
  no: string;
  name: string;
}
export const TerminalSchema = new EntitySchema<Terminal>({
  name: 'Terminal',
  tableName: 'terminal',
  uniques: [{ properties: ['hallId', 'no'] }],
  properties: { id: pk, hallId: int, no: str(20), name: str(100) },
});

/** R1: staff are rated by 工号; their names are shown on the window evaluator (R7). */
export interface Staff {
  id: number;
  departmentId: number;
  workNo: string;
  name: string;
  windowId: number | null;
}
export const StaffSchema = new EntitySchema<Staff>({
  name: 'Staff',
  tableName: 'staff',
  uniques: [{ properties: ['departmentId', 'workNo'] }],
  properties: { id: pk, departmentId: int, workNo: str(30), name: str(30), windowId: optInt },
});

/** R25: service item (事项) by 实施编码 and 业务办理项编码. */
export interface Item {
  id: number;
  taskCode: string;
  handleItemCode: string;
  name: string;
  itemType: string;
  departmentId: number;
}
export const ItemSchema = new EntitySchema<Item>({
  name: 'Item',
  tableName: 'item',
  properties: {
    id: pk,
    taskCode: { ...str(40), unique: true },
    handleItemCode: { ...str(60), index: true },
    name: str(200),
    itemType: str(2),
    departmentId: { ...int, index: true },
  },
});

/** National tag dictionary, versioned: retired versions stay for old ratings. */
export interface Tag {
  id: number;
  version: string;
  code: string;
  level: number;
  name: string;
  nameEn: string;
  active: boolean;
}
export const TagSchema = new EntitySchema<Tag>({
  name: 'Tag',
  tableName: 'tag',
  uniques: [{ properties: ['version', 'code'] }],
  properties: { id: pk, version: str(10), code: str(10), level: int, name: str(100), nameEn: str(200), active: bool },
});

export const catalogEntities = [RegionSchema, DepartmentSchema, HallSchema, ServiceWindowSchema, TerminalSchema, StaffSchema, ItemSchema, TagSchema];
