import { EntitySchema } from '@mikro-orm/core';
import { int, millis, optInt, optMillis, optStr, pk, str } from '../common/columns.js';

export type CaseKind = 'ORDINARY' | 'BATCH' | 'JOINT' | 'THEME' | 'CONSULTATION';

/** A case (办件). The applicant's personal data is stored sealed (R12) next to a masked copy for display. */
export interface CaseRecord {
  id: number;
  projectNo: string;
  kind: CaseKind;
  batchNo: string | null;
  userProp: number;
  applicantNameSealed: string;
  applicantNameMasked: string;
  applicantMobileSealed: string | null;
  applicantMobileMasked: string | null;
  /** R18: the mobile's keyed hash, `<blind index tag>:<hash>` (see taggedMobileIndex), so a rating needs no decrypt; null for cases registered before it. */
  applicantMobileHash: string | null;
  applicantCertSealed: string | null;
  createdAt: number;
}
export const CaseSchema = new EntitySchema<CaseRecord>({
  name: 'CaseRecord',
  tableName: 'case_record',
  properties: {
    id: pk,
    projectNo: { ...str(50), unique: true },
    kind: str(16),
    batchNo: { ...optStr(50), index: true },
    userProp: int,
    applicantNameSealed: str(400),
    applicantNameMasked: str(60),
    applicantMobileSealed: optStr(400),
    applicantMobileMasked: optStr(30),
    applicantMobileHash: optStr(120),
    applicantCertSealed: optStr(400),
    createdAt: millis,
  },
});

/** Which department handles which item for a case: several for joint (联办) and theme (主题式) cases (R10). */
export interface CaseUnit {
  id: number;
  caseId: number;
  departmentId: number;
  itemId: number;
}
export const CaseUnitSchema = new EntitySchema<CaseUnit>({
  name: 'CaseUnit',
  tableName: 'case_unit',
  uniques: [{ properties: ['caseId', 'departmentId', 'itemId'] }],
  properties: { id: pk, caseId: { ...int, index: true }, departmentId: int, itemId: int },
});

/**
 * One service node of a case (R9): (projectNo, serviceNumber) is unique and is what gets rated.
 * `ratingId` points at the rating that covers it (for batches one rating covers several services).
 */
export interface Service {
  id: number;
  caseId: number;
  projectNo: string;
  serviceNumber: number;
  nodeName: string;
  itemId: number;
  departmentId: number;
  regionCode: string;
  staffId: number | null;
  windowId: number | null;
  terminalId: number | null;
  proChannel: number;
  proStatus: number;
  acceptedAt: number | null;
  completedAt: number | null;
  ratingId: number | null;
  createdAt: number;
}
export const ServiceSchema = new EntitySchema<Service>({
  name: 'Service',
  tableName: 'service',
  uniques: [{ properties: ['projectNo', 'serviceNumber'] }],
  indexes: [{ properties: ['ratingId', 'completedAt'] }],
  properties: {
    id: pk,
    caseId: { ...int, index: true },
    projectNo: str(50),
    serviceNumber: int,
    nodeName: str(100),
    itemId: int,
    departmentId: { ...int, index: true },
    regionCode: str(12),
    staffId: optInt,
    windowId: optInt,
    terminalId: optInt,
    proChannel: int,
    proStatus: int,
    acceptedAt: optMillis,
    completedAt: optMillis,
    ratingId: optInt,
    createdAt: millis,
  },
});

export const caseEntities = [CaseSchema, CaseUnitSchema, ServiceSchema];
