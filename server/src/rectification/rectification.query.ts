import type { RectificationDeps } from './rectification.deps.js';
import { AppUserSchema } from '../auth/auth.entities.js';
import { appendAudit, recordAudit } from '../auth/audit.service.js';
import { assertFiguresOpen } from '../stats/access.logic.js';
import type { Actor } from '../common/actor.js';
import { DepartmentSchema, ItemSchema, StaffSchema } from '../catalog/catalog.entities.js';
import { isValidRegionCode, isWithinRegion } from '../catalog/region.logic.js';
import { DataIntegrityError, ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors.js';
import type { Em } from '../db/orm.js';
import { periodOf } from '../stats/period.logic.js';
import { figuresFrom, type RectFigures } from './figures.logic.js';
import { readRectRollup } from './figures.store.js';
import { caseScopeSql, canSeeCase } from './rectification.access.js';
import { RectCaseSchema, RectProblemSchema, RectStepSchema, type RectCase, type RectProblem, type RectStep } from './rectification.entities.js';
import { STATES, type RectState } from './rectification.logic.js';
import { scopeKey } from '../common/scope-key.js';

export interface CaseFilter {
  states?: RectState[] | null;
  overdue?: boolean | null;
  departmentId?: number | null;
  problemId?: number | null;
  projectNo?: string | null;
  limit?: number | null;
  offset?: number | null;
}

/** The caller's cases, most urgent first (the deadline in force, then the newest). */
export async function listCases(app: RectificationDeps, actor: Actor, filter: CaseFilter): Promise<{ total: number; items: RectCase[] }> {
  const em = app.orm.em.fork() as Em;
  const scope = caseScopeSql(actor);
  const where = [scope.sql];
  const params: unknown[] = [...scope.params];
  if (filter.states?.length) {
    for (const s of filter.states) if (!STATES.includes(s)) throw InvalidInputError.field('states', STATES.join(', '), s);
    where.push(`rc.state in (${filter.states.map(() => '?').join(', ')})`);
    params.push(...filter.states);
  }
  // Bare boolean tests read the same on SQLite (0/1) and PostgreSQL (boolean).
  if (filter.overdue != null) where.push(filter.overdue ? 'rc.overdue' : 'not rc.overdue');
  if (filter.departmentId != null) {
    const dept = await em.findOne(DepartmentSchema, { id: filter.departmentId });
    if (!dept) throw NotFoundError.of('department', String(filter.departmentId));
    where.push('(rc.department_path like ? or rc.handling_department_path like ?)');
    params.push(`${dept.path}%`, `${dept.path}%`);
  }
  if (filter.problemId != null) {
    where.push('rc.problem_id = ?');
    params.push(filter.problemId);
  }
  if (filter.projectNo) {
    where.push('rc.project_no = ?');
    params.push(filter.projectNo.trim());
  }
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
  const offset = Math.max(filter.offset ?? 0, 0);
  const sqlWhere = where.join(' and ');
  const total = await em.execute<Array<{ n: number | string }>>(`select count(*) as n from rect_case rc where ${sqlWhere}`, params);
  const ids = await em.execute<Array<{ id: number }>>(
    `select rc.id from rect_case rc where ${sqlWhere}
      order by case when rc.due_at is null then 1 else 0 end, rc.due_at, rc.id desc limit ? offset ?`,
    [...params, limit, offset],
  );
  const rows = ids.length ? await em.find(RectCaseSchema, { id: { $in: ids.map((r) => Number(r.id)) } }) : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return { total: Number(total[0]?.n ?? 0), items: ids.map((r) => byId.get(Number(r.id))!).filter(Boolean) };
}

/** One case within the caller's scope; out-of-scope cases are not found (their existence is not disclosed). */
export async function getCase(app: RectificationDeps, actor: Actor, id: number): Promise<RectCase> {
  const em = app.orm.em.fork() as Em;
  const kase = await em.findOne(RectCaseSchema, { id });
  if (!kase || !canSeeCase(actor, kase)) throw NotFoundError.of('rectification case', String(id));
  return kase;
}

export async function caseHistory(app: RectificationDeps, caseId: number): Promise<Array<RectStep & { actorName: string }>> {
  const em = app.orm.em.fork() as Em;
  const steps = await em.find(RectStepSchema, { rectCaseId: caseId }, { orderBy: { seq: 'asc' } });
  const userIds = [
    ...new Set(
      steps
        .map((s) => /^user:(\d+)$/.exec(s.actor)?.[1])
        .filter((v): v is string => !!v)
        .map(Number),
    ),
  ];
  const users = userIds.length ? await em.find(AppUserSchema, { id: { $in: userIds } }, { fields: ['id', 'displayName'] }) : [];
  const names = new Map(users.map((u) => [`user:${u.id}`, u.displayName]));
  const display = (actor: string) => names.get(actor) ?? (actor.startsWith('system:') ? '系统' : actor.startsWith('rerate-token:') ? '评价人' : actor);
  return steps.map((s) => ({ ...s, actorName: display(s.actor) }));
}

/** Names for case views, loaded once per page. */
export async function caseNames(app: RectificationDeps, cases: RectCase[]) {
  const em = app.orm.em.fork() as Em;
  const deptIds = [...new Set(cases.flatMap((c) => [c.departmentId, c.handlingDepartmentId]).filter((v): v is number => v !== null))];
  const itemIds = [...new Set(cases.map((c) => c.itemId))];
  const staffIds = [...new Set(cases.map((c) => c.staffId).filter((v): v is number => v !== null))];
  const [depts, items, staff] = await Promise.all([
    deptIds.length ? em.find(DepartmentSchema, { id: { $in: deptIds } }) : [],
    itemIds.length ? em.find(ItemSchema, { id: { $in: itemIds } }) : [],
    staffIds.length ? em.find(StaffSchema, { id: { $in: staffIds } }) : [],
  ]);
  return {
    department: new Map(depts.map((d) => [d.id, d.name])),
    item: new Map(items.map((i) => [i.id, { name: i.name, taskCode: i.taskCode }])),
    staff: new Map(staff.map((s) => [s.id, { workNo: s.workNo, name: s.name }])),
  };
}

/**
 * R12: the rater's contact data, decrypted, only for the callback handler (12345 hotline) of a case waiting
 * for its callback; every view is written to the audit log.
 */
export async function raterContact(
  app: RectificationDeps,
  actor: Actor,
  caseId: number,
): Promise<{ name: string | null; mobile: string | null; comment: string | null }> {
  if (actor.role !== 'hotline') throw ForbiddenError.role(['hotline'], actor.role);
  const kase = await getCase(app, actor, caseId);
  if (kase.state !== 'FED_BACK') {
    throw new ForbiddenError(`the rater's contact data is shown only while the callback is due (state FED_BACK); case ${caseId} is ${kase.state}`);
  }
  const em = app.orm.em.fork() as Em;
  const rows = await em.execute<
    Array<{ rater_name_sealed: string | null; rater_mobile_sealed: string | null; comment: string | null; comment_sealed: string | null }>
  >('select rater_name_sealed, rater_mobile_sealed, comment, comment_sealed from rating where id = ?', [kase.ratingId]);
  const row = rows[0];
  // The view is recorded before the data is shown; if the record cannot be written, nothing is shown.
  await em.transactional((tx) =>
    appendAudit(
      tx as Em,
      app.dialect,
      { actor, action: 'rater-contact.view', subject: `rect_case:${caseId}`, detail: `rating ${kase.ratingId}, for the callback (回访)` },
      app.clock.now().getTime(),
    ),
  );
  try {
    return {
      name: row?.rater_name_sealed ? app.cipher.decrypt(row.rater_name_sealed) : null,
      mobile: row?.rater_mobile_sealed ? app.cipher.decrypt(row.rater_mobile_sealed) : null,
      comment: row?.comment_sealed ? app.cipher.decrypt(row.comment_sealed) : (row?.comment ?? null),
    };
  } catch (err) {
    if (err instanceof DataIntegrityError) {
      const detail = `rating ${kase.ratingId}: a sealed value failed its integrity check`;
      await recordAudit(app, { actor, action: 'integrity.failure', subject: `rect_case:${caseId}`, outcome: 'failed', detail }, app.clock.now().getTime());
    }
    throw err;
  }
}

export interface FiguresScope {
  regionCode?: string | null;
  departmentId?: number | null;
  month?: string | null;
}

/** Assessment figures of one scope (R19, R22) from the counters: no scan of the cases. */
export async function rectificationFigures(
  app: RectificationDeps,
  actor: Actor,
  scope: FiguresScope,
): Promise<{ scope: string; period: string; figures: RectFigures }> {
  assertFiguresOpen(actor, app.config.publicFigures);
  const em = app.orm.em.fork() as Em;
  if (scope.regionCode && scope.departmentId) throw InvalidInputError.field('regionCode/departmentId', 'at most one of them', scope);
  // A screen or embed token without a scope of its own reads the one it was issued for.
  const asked =
    actor.role === 'screen' && !scope.regionCode && !scope.departmentId
      ? { ...scope, departmentId: actor.departmentId ?? null, regionCode: actor.regionCode ?? null }
      : scope;
  let key: string = scopeKey.total;
  let full = actor.role === 'admin';
  if (asked.departmentId) {
    const dept = await em.findOne(DepartmentSchema, { id: asked.departmentId });
    if (!dept) throw NotFoundError.of('department', String(asked.departmentId));
    checkScreenLock(actor, { departmentPath: dept.path, regionCode: dept.regionCode }, `figures of ${dept.name}`);
    full ||= isOwnDepartment(actor, dept.path) || isOwnRegion(actor, dept.regionCode);
    key = scopeKey.department(dept.id);
  } else if (asked.regionCode) {
    if (!isValidRegionCode(asked.regionCode)) throw InvalidInputError.field('regionCode', 'a 12-digit region code', asked.regionCode);
    checkScreenLock(actor, { departmentPath: null, regionCode: asked.regionCode }, `figures of region ${asked.regionCode}`);
    full ||= isOwnRegion(actor, asked.regionCode);
    key = scopeKey.region(asked.regionCode);
  } else {
    checkScreenLock(actor, { departmentPath: null, regionCode: null }, 'the figures of the whole platform');
  }
  const { grain, period, label } = monthPeriod(scope.month ?? null);
  const counts = (await readRectRollup(em, [key], grain, period)).get(key) ?? {};
  const figures = figuresFrom(counts);
  // Outside their own unit officials see what the public sees (never less, R12): no rate computed from
  // fewer cases than the configured minimum.
  if (!full && figures.counts.cases < app.config.minPublicRatings) {
    for (const k of [
      'rectificationRate',
      'onTimeRate',
      'callbackRate',
      'callbackSatisfactionRate',
      'averageLevelBefore',
      'averageLevelAfter',
      'recoveredRate',
    ] as const)
      figures[k] = null;
  }
  return { scope: key, period: label, figures };
}

/** A department officer's (or department system's) own department and its sub-units. */
function isOwnDepartment(actor: Actor, path: string): boolean {
  return (actor.role === 'department' || actor.role === 'system') && !!actor.departmentPath && path.startsWith(actor.departmentPath);
}

/** A supervisor's or 12345 operator's own region. */
function isOwnRegion(actor: Actor, regionCode: string): boolean {
  return (actor.role === 'supervisor' || actor.role === 'hotline') && !!actor.regionCode && isWithinRegion(regionCode, actor.regionCode);
}

/** Screen and embed tokens read only the region or department they were issued for (R12). */
function checkScreenLock(actor: Actor, unit: { departmentPath: string | null; regionCode: string | null }, what: string): void {
  if (actor.role !== 'screen') return;
  if (actor.departmentId && !(unit.departmentPath && unit.departmentPath.includes(`/${actor.departmentId}/`))) throw ForbiddenError.scope(what);
  if (actor.regionCode && !(unit.regionCode && isWithinRegion(unit.regionCode, actor.regionCode))) throw ForbiddenError.scope(what);
}

function monthPeriod(month: string | null): { grain: 'A' | 'M'; period: number; label: string } {
  if (!month) return { grain: 'A', period: 0, label: 'all' };
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 12) throw InvalidInputError.field('month', 'YYYY-MM', month);
  return { grain: 'M', period: Number(match[1]) * 100 + Number(match[2]), label: month };
}

/** Figures of every department within a region that has cases, ranked by rectification rate then cases. */
export async function figuresByDepartment(app: RectificationDeps, actor: Actor, regionCode: string, month: string | null) {
  if (!isValidRegionCode(regionCode)) throw InvalidInputError.field('regionCode', 'a 12-digit region code', regionCode);
  if (actor.role === 'supervisor' && !(actor.regionCode && isWithinRegion(regionCode, actor.regionCode))) throw ForbiddenError.scope(`region ${regionCode}`);
  const em = app.orm.em.fork() as Em;
  const { grain, period, label } = monthPeriod(month);
  const rows = await em.execute<Array<{ scope: string }>>(`select distinct scope from rect_rollup where grain = ? and period = ? and scope like 'D:%'`, [
    grain,
    period,
  ]);
  const ids = rows.map((r) => Number(r.scope.slice(2)));
  const depts = ids.length ? await em.find(DepartmentSchema, { id: { $in: ids } }) : [];
  const inRegion = depts.filter(
    (d) => isWithinRegion(d.regionCode, regionCode) && (actor.role !== 'department' || d.path.startsWith(actor.departmentPath ?? '\0')),
  );
  const counters = await readRectRollup(
    em,
    inRegion.map((d) => scopeKey.department(d.id)),
    grain,
    period,
  );
  return inRegion
    .map((d) => ({ departmentId: d.id, departmentName: d.name, period: label, figures: figuresFrom(counters.get(scopeKey.department(d.id)) ?? {}) }))
    .filter((r) => r.figures.counts.cases > 0 || r.figures.counts.invalidated > 0)
    .sort((a, b) => (b.figures.rectificationRate ?? -1) - (a.figures.rectificationRate ?? -1) || b.figures.counts.cases - a.figures.counts.cases);
}

/** Common problems (R20) in the caller's scope, open ones first. */
export async function listProblems(
  app: RectificationDeps,
  actor: Actor,
  state: string | null,
): Promise<Array<RectProblem & { caseCount: number; openCases: number }>> {
  const em = app.orm.em.fork() as Em;
  const all = await em.find(RectProblemSchema, state ? { state: state as RectProblem['state'] } : {}, { orderBy: { id: 'desc' }, limit: 500 });
  const visible = all.filter((p) => canSeeCase(actor, { departmentPath: p.departmentPath, handlingDepartmentPath: null, regionCode: p.regionCode }));
  return withCounts(em, visible);
}

export async function getProblem(app: RectificationDeps, actor: Actor, id: number): Promise<RectProblem & { caseCount: number; openCases: number }> {
  const em = app.orm.em.fork() as Em;
  const p = await em.findOne(RectProblemSchema, { id });
  if (!p || !canSeeCase(actor, { departmentPath: p.departmentPath, handlingDepartmentPath: null, regionCode: p.regionCode })) {
    throw NotFoundError.of('common problem', String(id));
  }
  return (await withCounts(em, [p]))[0]!;
}

async function withCounts(em: Em, problems: RectProblem[]) {
  if (problems.length === 0) return [];
  const rows = await em.execute<Array<{ problem_id: number; n: number | string; open: number | string }>>(
    `select problem_id, count(*) as n, sum(case when state in ('CLOSED', 'INVALIDATED') then 0 else 1 end) as open
       from rect_case where problem_id in (${problems.map(() => '?').join(', ')}) group by problem_id`,
    problems.map((p) => p.id),
  );
  const counts = new Map(rows.map((r) => [Number(r.problem_id), { caseCount: Number(r.n), openCases: Number(r.open) }]));
  return problems.map((p) => ({ ...p, ...(counts.get(p.id) ?? { caseCount: 0, openCases: 0 }) }));
}

/** "2026-11" of an instant, for the workspace's month filter. */
export function monthOf(ms: number): string {
  const p = periodOf(ms, 'M');
  return `${Math.floor(p / 100)}-${String(p % 100).padStart(2, '0')}`;
}
