import { EntitySchema } from '@mikro-orm/core';
import { millis, optMillis, optStr, pk, str, text } from '../common/columns.js';

/** A region's override of an assessment setting (assessment.logic.ts lists the keys and defaults). */
export interface AssessmentSetting {
  regionCode: string;
  key: string;
  value: string;
  updatedAt: number;
  updatedBy: string;
}
export const AssessmentSettingSchema = new EntitySchema<AssessmentSetting>({
  name: 'AssessmentSetting',
  tableName: 'assessment_setting',
  properties: {
    regionCode: { ...str(12), primary: true },
    key: { ...str(40), primary: true },
    value: str(100),
    updatedAt: millis,
    updatedBy: str(100),
  },
});

/**
 * The figures of one peer group for one closed period, frozen the first time they are read after the
 * period ended (R22: a closed period's score never changes). `body` is JSON: the rules in force and
 * every unit's counts.
 */
export interface AssessmentSnapshot {
  groupKey: string;
  period: string;
  body: string;
  computedAt: number;
}
export const AssessmentSnapshotSchema = new EntitySchema<AssessmentSnapshot>({
  name: 'AssessmentSnapshot',
  tableName: 'assessment_snapshot',
  properties: {
    groupKey: { ...str(40), primary: true },
    period: { ...str(7), primary: true },
    body: text,
    computedAt: millis,
  },
});

/** An entry of the key-supervision list (R23) and the supervisor's decision on it. */
export interface SupervisionEntry {
  id: number;
  regionCode: string;
  period: string;
  groupKey: string;
  unitKey: string;
  unitName: string;
  departmentPath: string;
  reasons: string;
  decision: string | null;
  note: string | null;
  decidedBy: string | null;
  decidedAt: number | null;
  createdAt: number;
}
export const SupervisionEntrySchema = new EntitySchema<SupervisionEntry>({
  name: 'SupervisionEntry',
  tableName: 'supervision_entry',
  uniques: [{ properties: ['regionCode', 'period', 'groupKey', 'unitKey'] }],
  properties: {
    id: pk,
    regionCode: str(12),
    period: str(7),
    groupKey: str(40),
    unitKey: str(40),
    unitName: str(100),
    departmentPath: str(200),
    reasons: text,
    decision: optStr(12),
    note: optStr(1000),
    decidedBy: optStr(100),
    decidedAt: optMillis,
    createdAt: millis,
  },
});

export const assessmentEntities = [AssessmentSettingSchema, AssessmentSnapshotSchema, SupervisionEntrySchema];
