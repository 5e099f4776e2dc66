import { EntitySchema } from '@mikro-orm/core';
import { int, millis, optInt, optMillis, optStr, optText, pk, str } from '../common/columns.js';
import type { ProblemState } from './problem.logic.js';
import type { RectCaseState } from './rectification.logic.js';

const optBool = { type: 'boolean', nullable: true } as const;
const flag = { type: 'boolean' } as const;

/**
 * A rectification case (整改工单): one per bad rating and responsible department (R13; joint cases get one
 * per department). `departmentPath` is the responsible department's path, so a department sees its own
 * cases and its sub-units' by prefix; `handlingDepartmentPath` is where it was dispatched (转办).
 */
export interface RectCase extends RectCaseState {
  id: number;
  ratingId: number;
  serviceId: number;
  caseId: number;
  projectNo: string;
  serviceNumber: number;
  itemId: number;
  staffId: number | null;
  departmentId: number;
  departmentPath: string;
  regionCode: string;
  handlingDepartmentId: number | null;
  handlingDepartmentPath: string | null;
  problemId: number | null;
  updatedAt: number;
  version: number;
}
export const RectCaseSchema = new EntitySchema<RectCase>({
  name: 'RectCase',
  tableName: 'rect_case',
  uniques: [{ properties: ['ratingId', 'departmentId'] }],
  indexes: [
    { properties: ['departmentPath'] },
    { properties: ['handlingDepartmentPath'] },
    { properties: ['regionCode'] },
    { properties: ['state', 'dueAt'] },
    { properties: ['itemId', 'openedAt'] },
    { properties: ['departmentId', 'openedAt'] },
    { properties: ['problemId'] },
  ],
  properties: {
    id: pk,
    ratingId: int,
    serviceId: int,
    caseId: int,
    projectNo: str(50),
    serviceNumber: int,
    itemId: int,
    staffId: optInt,
    departmentId: int,
    departmentPath: str(200),
    regionCode: str(12),
    handlingDepartmentId: optInt,
    handlingDepartmentPath: optStr(200),
    problemId: optInt,
    state: str(16),
    level: int,
    finding: optStr(16),
    reasonable: optBool,
    rectClass: optStr(10),
    openedAt: millis,
    stageDueAt: optMillis,
    stageUnit: optStr(1),
    rectifyDueAt: millis,
    rectifyUnit: str(1),
    extendedTo: optMillis,
    extensions: int,
    extensionReason: optStr(500),
    dueAt: optMillis,
    pausedAt: optMillis,
    stateBeforeAppeal: optStr(16),
    appealedAt: optMillis,
    appealReason: optStr(500),
    appealBy: optStr(100),
    appealDecision: optStr(16),
    appealDecidedAt: optMillis,
    appealDecidedBy: optStr(100),
    appealNote: optStr(1000),
    handler: optStr(60),
    proposedHandling: optStr(500),
    leaderInstruction: optStr(500),
    content: optStr(255),
    reply: optStr(500),
    resolvedAt: optMillis,
    onTime: optBool,
    callbackAttempts: int,
    callbackReached: optBool,
    callbackSatisfaction: optInt,
    calledBackAt: optMillis,
    rerateLevel: optInt,
    rerateChannel: optStr(16),
    reratedAt: optMillis,
    closedAt: optMillis,
    overdue: flag,
    everOverdue: flag,
    escalationLevel: int,
    escalatedAt: optMillis,
    escalatedDueAt: optMillis,
    invalidReason: optStr(200),
    updatedAt: millis,
    version: { type: 'integer', version: true },
  },
});

/** One recorded step of a case (R15): who, when, what, from which state to which, note and attachment names. */
export interface RectStep {
  id: number;
  rectCaseId: number;
  seq: number;
  action: string;
  fromState: string | null;
  toState: string;
  actor: string;
  actorRole: string;
  at: number;
  note: string | null;
  attachments: string | null;
  data: string | null;
}
export const RectStepSchema = new EntitySchema<RectStep>({
  name: 'RectStep',
  tableName: 'rect_step',
  uniques: [{ properties: ['rectCaseId', 'seq'] }],
  properties: {
    id: pk,
    rectCaseId: int,
    seq: int,
    action: str(16),
    fromState: optStr(16),
    toState: str(16),
    actor: str(100),
    actorRole: str(16),
    at: millis,
    note: optText,
    attachments: optText,
    data: optText,
  },
});

/**
 * A common problem (R20). `openKey` holds the grouping key while the problem is open and is unique, so two
 * bad reviews arriving at once attach to one problem; it is cleared on closing.
 */
export interface RectProblem {
  id: number;
  groupBy: string;
  groupKey: string;
  openKey: string | null;
  itemId: number | null;
  departmentId: number;
  departmentPath: string;
  regionCode: string;
  state: ProblemState;
  openedAt: number;
  windowDays: number;
  threshold: number;
  cause: string | null;
  measures: string | null;
  analysedAt: number | null;
  analysedBy: string | null;
  closedAt: number | null;
  closedBy: string | null;
  closeNote: string | null;
}
export const RectProblemSchema = new EntitySchema<RectProblem>({
  name: 'RectProblem',
  tableName: 'rect_problem',
  indexes: [{ properties: ['departmentPath'] }, { properties: ['regionCode'] }],
  properties: {
    id: pk,
    groupBy: str(12),
    groupKey: str(40),
    openKey: { ...optStr(40), unique: true },
    itemId: optInt,
    departmentId: int,
    departmentPath: str(200),
    regionCode: str(12),
    state: str(12),
    openedAt: millis,
    windowDays: int,
    threshold: int,
    cause: optStr(1000),
    measures: optStr(1000),
    analysedAt: optMillis,
    analysedBy: optStr(100),
    closedAt: optMillis,
    closedBy: optStr(100),
    closeNote: optStr(1000),
  },
});

/** A region's override of a rectification setting (settings.logic.ts lists the keys and defaults). */
export interface RectSetting {
  regionCode: string;
  key: string;
  value: string;
  updatedAt: number;
  updatedBy: string;
}
export const RectSettingSchema = new EntitySchema<RectSetting>({
  name: 'RectSetting',
  tableName: 'rect_setting',
  properties: {
    regionCode: { ...str(12), primary: true },
    key: { ...str(40), primary: true },
    value: str(100),
    updatedAt: millis,
    updatedBy: str(100),
  },
});

/**
 * The holiday calendar for working-day limits: public holidays on weekdays (HOLIDAY) and weekend days
 * worked in exchange (WORKDAY, 调休). `regionCode` '' applies everywhere; a region's own rows win.
 */
export interface RectHoliday {
  regionCode: string;
  day: number;
  kind: string;
  name: string;
}
export const RectHolidaySchema = new EntitySchema<RectHoliday>({
  name: 'RectHoliday',
  tableName: 'rect_holiday',
  properties: {
    regionCode: { ...str(12), primary: true },
    day: { ...int, primary: true },
    kind: str(8),
    name: str(60),
  },
});

/** Exact assessment counters (R19, R22) per scope × period × metric; see figures.logic.ts. */
export interface RectRollup {
  scope: string;
  grain: string;
  period: number;
  metric: string;
  n: number;
}
export const RectRollupSchema = new EntitySchema<RectRollup>({
  name: 'RectRollup',
  tableName: 'rect_rollup',
  properties: {
    scope: { ...str(40), primary: true },
    grain: { ...str(1), primary: true },
    period: { ...int, primary: true },
    metric: { ...str(24), primary: true },
    n: int,
  },
});

export const rectificationEntities = [RectCaseSchema, RectStepSchema, RectProblemSchema, RectSettingSchema, RectHolidaySchema, RectRollupSchema];
