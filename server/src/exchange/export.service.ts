import type { Actor } from '../common/actor.js';
import { addDays, dayStartMs, formatYmd, parseYmd, shanghaiDateTime } from '../common/calendar.js';
import { ForbiddenError, InvalidInputError, UnauthenticatedError } from '../common/errors.js';
import type { Database, Em } from '../db/orm.js';
import { rowReader } from '../db/sql.js';
import { DepartmentSchema } from '../catalog/catalog.entities.js';
import { LEVELS } from '../catalog/levels.logic.js';
import { isValidRegionCode, isWithinRegion } from '../catalog/region.logic.js';
import { caseScopeSql, regionLikePattern } from '../rectification/rectification.access.js';
import { RectCaseSchema } from '../rectification/rectification.entities.js';
import { toRectificationRecord } from '../rectification/record.logic.js';
import type { RectAction } from '../rectification/rectification.logic.js';
import { evaluationRecord } from './records.logic.js';
import { GB_EVALUATION_FIELDS, gbEvaluationRecord } from './gbt39046.logic.js';

/** The GB/T 39046 record of a rating row (its JSON layout), kept beside the columns. */
const GB = 'gbt39046';

/**
 * Exports (issue 11 item 6): ratings, rectification records and quality findings, filtered by
 * department (with its sub-units), region and period (Shanghai days), read from the database a page
 * at a time by id (keyset), never all at once. Scoped like every other read: a department officer
 * its department subtree, a supervisor its region, an admin everything; every other role is refused.
 * Personal data only in masked form (names, phones); comments as stored (already masked, R12).
 */
export const EXPORT_KINDS = ['ratings', 'rectifications', 'quality-findings'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
export const EXPORT_ROLES = ['department', 'supervisor', 'admin'] as const;
export const EXPORT_PAGE_SIZE = 2000;

export interface ExportFilter {
  departmentId: number | null;
  regionCode: string | null;
  /** Shanghai days YYYYMMDD, both included. */
  from: number | null;
  to: number | null;
}

export type ExportRow = Record<string, unknown>;

export interface ExportSource {
  kind: ExportKind;
  /** The field names, in column order (the interface record's names). */
  columns: readonly string[];
  rows: AsyncIterable<ExportRow>;
  /**
   * A layout of its own for JSON (ratings: GB/T 39046 表9): the data set's name, its fields and the record
   * of a row; CSV and XLSX keep `columns`.
   */
  json?: { dataSet: string; fields: readonly string[]; record(row: ExportRow): ExportRow };
}

/** Reads `departmentId`, `regionCode`, `from`, `to` from query parameters (or CLI options); bad values are INVALID_INPUT. */
export function parseExportFilter(get: (name: string) => string | null | undefined): ExportFilter {
  const text = (name: string) => {
    const v = get(name)?.trim();
    return v ? v : null;
  };
  const dept = text('departmentId');
  if (dept !== null && !/^\d{1,9}$/.test(dept)) throw InvalidInputError.field('departmentId', 'a department id', dept.slice(0, 20));
  const region = text('regionCode');
  if (region !== null && !isValidRegionCode(region)) throw InvalidInputError.field('regionCode', 'a 12-digit region code', region.slice(0, 20));
  const day = (name: string) => {
    const v = text(name);
    if (v === null) return null;
    const ymd = parseYmd(v);
    if (ymd === null) throw InvalidInputError.field(name, 'a day YYYY-MM-DD', v.slice(0, 20));
    return ymd;
  };
  const from = day('from');
  const to = day('to');
  if (from !== null && to !== null && from > to) throw InvalidInputError.field('to', `a day not before ${formatYmd(from)}`, formatYmd(to));
  return { departmentId: dept === null ? null : Number(dept), regionCode: region, from, to };
}

/** The filter as written into the audit record and the JSON envelope. */
export function describeFilter(f: ExportFilter): Record<string, unknown> {
  return {
    departmentId: f.departmentId,
    regionCode: f.regionCode,
    from: f.from === null ? null : formatYmd(f.from),
    to: f.to === null ? null : formatYmd(f.to),
  };
}

/** Only officials export: officers, supervisors and admins. */
export function checkExportRole(actor: Actor): void {
  if (actor.role === 'public' || actor.role === 'rater') throw new UnauthenticatedError('sign in to export: Authorization: Bearer <session token>');
  if (!(EXPORT_ROLES as readonly string[]).includes(actor.role)) {
    throw new ForbiddenError(`exports need one of the roles ${EXPORT_ROLES.join(', ')}; the caller is ${actor.role}`);
  }
}

interface Where {
  parts: string[];
  params: unknown[];
}

/** The department filter as a path prefix, checked against the caller's scope (FORBIDDEN outside it). */
async function departmentPathOf(em: Em, actor: Actor, id: number): Promise<string> {
  const dept = await em.findOne(DepartmentSchema, { id }, { fields: ['id', 'path', 'regionCode'] });
  if (!dept) throw InvalidInputError.field('departmentId', 'an existing department', String(id));
  const own =
    actor.role === 'admin' ||
    (actor.role === 'department' && !!actor.departmentPath && dept.path.startsWith(actor.departmentPath)) ||
    (actor.role === 'supervisor' && !!actor.regionCode && isValidRegionCode(dept.regionCode) && isWithinRegion(dept.regionCode, actor.regionCode));
  if (!own) throw ForbiddenError.scope(`department ${id}`);
  return dept.path;
}

function checkRegion(actor: Actor, code: string): void {
  if (actor.role === 'supervisor' && !(actor.regionCode && isWithinRegion(code, actor.regionCode))) throw ForbiddenError.scope(`region ${code}`);
}

function add(w: Where, condition: string, ...params: unknown[]): void {
  w.parts.push(condition);
  w.params.push(...params);
}

/**
 * Rows joined to their department `d` (path, for officers and the department filter) and a region
 * column (for supervisors and the region filter): the caller's scope, then the filter within it.
 */
async function scopedWhere(em: Em, actor: Actor, f: ExportFilter, regionColumn: string): Promise<Where> {
  const w: Where = { parts: [], params: [] };
  if (actor.role === 'department') {
    if (actor.departmentPath) add(w, 'd.path like ?', `${actor.departmentPath}%`);
    else add(w, '1 = 0');
  } else if (actor.role === 'supervisor') {
    if (actor.regionCode) add(w, `${regionColumn} like ?`, regionLikePattern(actor.regionCode));
    else add(w, '1 = 0');
  }
  if (f.departmentId !== null) add(w, 'd.path like ?', `${await departmentPathOf(em, actor, f.departmentId)}%`);
  if (f.regionCode !== null) {
    checkRegion(actor, f.regionCode);
    add(w, `${regionColumn} like ?`, regionLikePattern(f.regionCode));
  }
  return w;
}

function period(f: ExportFilter, column: string, w: Where): void {
  if (f.from !== null) {
    w.parts.push(`${column} >= ?`);
    w.params.push(dayStartMs(f.from));
  }
  if (f.to !== null) {
    w.parts.push(`${column} < ?`);
    w.params.push(dayStartMs(addDays(f.to, 1)));
  }
}

/** Reads `select … where … and <id> > ? order by <id> limit n` page by page. */
async function* pages(em: Em, select: string, idColumn: string, w: Where, pageSize: number): AsyncGenerator<Record<string, unknown>> {
  let lastId = 0;
  for (;;) {
    const where = [...w.parts, `${idColumn} > ?`].join(' and ');
    const rows = await em.execute<Record<string, unknown>[]>(`${select} where ${where} order by ${idColumn} limit ${pageSize}`, [...w.params, lastId]);
    for (const row of rows) yield row;
    if (rows.length < pageSize) return;
    lastId = Number(rows[rows.length - 1]!.id);
    em.clear();
  }
}

const LEVEL_NAME = new Map<number, string>(LEVELS.map((l) => [l.value, l.name]));
const bool = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 't';
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export const RATING_COLUMNS = [
  'evaluationId',
  'projectNo',
  'serviceNumber',
  'assessNumber',
  'pf',
  'channel',
  'satisfaction',
  'satisfactionName',
  'evalDetail',
  'writingEvaluation',
  'assessTime',
  'isdefault',
  'effectivEvalua',
  'invalidReason',
  'userName',
  'mobile',
  'areaCode',
  'deptCode',
  'deptName',
  'taskCode',
  'taskName',
] as const;

async function ratingSource(em: Em, actor: Actor, f: ExportFilter, pageSize: number): Promise<ExportSource> {
  const w = await scopedWhere(em, actor, f, 's.region_code');
  period(f, 'r.rated_at', w);
  const select =
    'select r.id, r.assess_number, r.pf, r.channel, r.level, r.tags, r.comment, r.rated_at, r.is_default, r.valid, r.invalid_reason,' +
    ' r.rater_name_masked, r.rater_mobile_masked, s.project_no, s.service_number, s.region_code,' +
    ' cr.applicant_name_masked, cr.applicant_mobile_masked, cr.user_prop, d.credit_code, d.name as dept_name, i.task_code, i.name as task_name, i.item_type' +
    ' from rating r join service s on s.id = r.service_id join case_record cr on cr.id = r.case_id' +
    ' join department d on d.id = s.department_id join item i on i.id = s.item_id';
  async function* rows(): AsyncGenerator<ExportRow> {
    for await (const r of pages(em, select, 'r.id', w, pageSize)) {
      const level = Number(r.level);
      const record = evaluationRecord({
        ratingId: Number(r.id),
        projectNo: String(r.project_no),
        serviceNumber: Number(r.service_number),
        assessNumber: Number(r.assess_number),
        pf: Number(r.pf),
        level,
        tags: String(r.tags ?? ''),
        comment: (r.comment as string | null) ?? null,
        ratedAt: Number(r.rated_at),
        isDefault: bool(r.is_default),
        valid: bool(r.valid),
        invalidReason: (r.invalid_reason as string | null) ?? null,
      });
      // The rater is the applicant unless another name was given; only the masked forms leave (R12).
      const named = r.rater_name_masked != null;
      yield {
        ...record,
        channel: r.channel,
        satisfactionName: LEVEL_NAME.get(level) ?? null,
        userName: named ? r.rater_name_masked : r.applicant_name_masked,
        mobile: (named ? r.rater_mobile_masked : r.applicant_mobile_masked) ?? null,
        areaCode: r.region_code,
        deptCode: r.credit_code,
        deptName: r.dept_name,
        taskCode: r.task_code,
        taskName: r.task_name,
        [GB]: gbEvaluationRecord({
          projectNo: String(r.project_no),
          channel: String(r.channel),
          raterName: ((named ? r.rater_name_masked : r.applicant_name_masked) as string | null) ?? null,
          ratedAt: Number(r.rated_at),
          assessNumber: Number(r.assess_number),
          level,
          comment: (r.comment as string | null) ?? null,
          regionCode: String(r.region_code),
          taskName: String(r.task_name),
          taskCode: String(r.task_code),
          itemType: String(r.item_type),
          deptCode: String(r.credit_code),
          deptName: String(r.dept_name),
          userProp: Number(r.user_prop),
        }),
      };
    }
  }
  return {
    kind: 'ratings',
    columns: RATING_COLUMNS,
    rows: rows(),
    json: { dataSet: 'GB/T 39046-2020 表9 评价数据', fields: GB_EVALUATION_FIELDS, record: (row) => row[GB] as ExportRow },
  };
}

export const RECTIFICATION_COLUMNS = [
  'recordId',
  'projectNo',
  'serviceNumber',
  'assessNumber',
  'satisfaction',
  'assessTime',
  'deptCode',
  'deptName',
  'areaCode',
  'taskCode',
  'effectivEvalua',
  'invalidReason',
  'status',
  'statusName',
  'operation',
  'operationName',
  'operateTime',
  'isTrue',
  'isReasonable',
  'isMalicious',
  'handleGrade',
  'proposedHandling',
  'leaderInstruction',
  'rectification',
  'deadline',
  'extended',
  'extensionReason',
  'answer',
  'answerStatus',
  'callbackResult',
  'callbackSatisfaction',
  'overdue',
  'appealStatus',
] as const;

/** One row per rectification case: its record as of its latest step (docs/exchange.md "Rectification record"). */
async function rectificationSource(em: Em, actor: Actor, f: ExportFilter, pageSize: number): Promise<ExportSource> {
  const scope = caseScopeSql(actor);
  const w: Where = { parts: [scope.sql], params: [...scope.params] };
  if (f.departmentId !== null) {
    const path = `${await departmentPathOf(em, actor, f.departmentId)}%`;
    w.parts.push('(rc.department_path like ? or rc.handling_department_path like ?)');
    w.params.push(path, path);
  }
  if (f.regionCode !== null) {
    checkRegion(actor, f.regionCode);
    add(w, 'rc.region_code like ?', regionLikePattern(f.regionCode));
  }
  period(f, 'rc.opened_at', w);
  const select =
    'select rc.*, st.seq as last_seq, st.action as last_action, st.at as last_at, r.assess_number as r_assess_number, r.rated_at as r_rated_at,' +
    ' r.valid as r_valid, d.credit_code as d_credit_code, d.name as d_name, d.region_code as d_region_code, i.task_code as i_task_code' +
    ' from rect_case rc join rating r on r.id = rc.rating_id join department d on d.id = rc.department_id join item i on i.id = rc.item_id' +
    ' left join rect_step st on st.rect_case_id = rc.id and st.seq = (select max(s2.seq) from rect_step s2 where s2.rect_case_id = rc.id)';
  const read = rowReader(em, RectCaseSchema);
  async function* rows(): AsyncGenerator<ExportRow> {
    for await (const r of pages(em, select, 'rc.id', w, pageSize)) {
      const c = read(r);
      yield {
        ...toRectificationRecord(c, ((r.last_action as string | null) ?? 'OPEN') as RectAction, num(r.last_at) ?? c.openedAt, {
          caseId: c.id,
          seq: num(r.last_seq) ?? 0,
          projectNo: c.projectNo,
          serviceNumber: c.serviceNumber,
          assessNumber: Number(r.r_assess_number),
          ratedAt: Number(r.r_rated_at),
          deptCode: String(r.d_credit_code),
          deptName: String(r.d_name),
          areaCode: String(r.d_region_code),
          taskCode: String(r.i_task_code),
          ratingValid: bool(r.r_valid),
        }),
      };
    }
  }
  return { kind: 'rectifications', columns: RECTIFICATION_COLUMNS, rows: rows() };
}

export const FINDING_COLUMNS = [
  'findingId',
  'kind',
  'deptCode',
  'deptName',
  'areaCode',
  'recordKey',
  'field',
  'givenValue',
  'expected',
  'message',
  'refused',
  'source',
  'sender',
  'foundTime',
] as const;

async function findingSource(em: Em, actor: Actor, f: ExportFilter, pageSize: number): Promise<ExportSource> {
  const w = await scopedWhere(em, actor, f, 'd.region_code');
  period(f, 'q.at', w);
  const select =
    'select q.id, q.kind, q.record_key, q.field, q.given_value, q.expected, q.message, q.refused, q.source, q.sender, q.at,' +
    ' d.credit_code, d.name as dept_name, d.region_code from quality_finding q left join department d on d.id = q.department_id';
  async function* rows(): AsyncGenerator<ExportRow> {
    for await (const r of pages(em, select, 'q.id', w, pageSize)) {
      yield {
        findingId: Number(r.id),
        kind: r.kind,
        deptCode: r.credit_code ?? null,
        deptName: r.dept_name ?? null,
        areaCode: r.region_code ?? null,
        recordKey: r.record_key,
        field: r.field,
        givenValue: r.given_value ?? null,
        expected: r.expected ?? null,
        message: r.message,
        refused: r.refused ?? null,
        source: r.source,
        sender: r.sender,
        foundTime: shanghaiDateTime(Number(r.at)),
      };
    }
  }
  return { kind: 'quality-findings', columns: FINDING_COLUMNS, rows: rows() };
}

/**
 * The rows of an export, checked (role, scope of the filter) before the first row is read, so a
 * refusal is answered as an error and never as a half-written file.
 */
export async function exportSource(app: Database, actor: Actor, kind: ExportKind, filter: ExportFilter, pageSize = EXPORT_PAGE_SIZE): Promise<ExportSource> {
  checkExportRole(actor);
  const em = app.orm.em.fork() as Em;
  switch (kind) {
    case 'ratings':
      return ratingSource(em, actor, filter, pageSize);
    case 'rectifications':
      return rectificationSource(em, actor, filter, pageSize);
    case 'quality-findings':
      return findingSource(em, actor, filter, pageSize);
  }
}
