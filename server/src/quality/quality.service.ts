import type { Actor } from '../common/actor.js';
import { ForbiddenError } from '../common/errors.js';
import type { Kernel } from '../common/kernel.js';
import type { Database, Em } from '../db/orm.js';
import { insertRow, rowReader, type Sql } from '../db/sql.js';
import { DepartmentSchema, type Department } from '../catalog/catalog.entities.js';
import { isValidRegionCode, isWithinRegion } from '../catalog/region.logic.js';
import { QualityFindingSchema, type QualityFinding } from './quality.entities.js';
import { refusalFinding, type FindingDraft, type FindingKind } from './quality.logic.js';

/** What keeping and reading findings needs. */
export interface QualityDeps extends Kernel, Database {}

/** Which record a finding is about and who sent it. */
export interface FindingSource {
  source: 'service' | 'rating';
  recordKey: string;
  actor: Actor;
  departmentId: number | null;
}

/** Fields whose given value may be kept in a refusal finding (codes, never personal data). */
const KEEPABLE = new Set(['projectNo', 'serviceNumber', 'taskCode', 'deptCode', 'areaCode', 'proStatus', 'proChannel', 'taskHandleItem', 'caseKind']);

function rowOf(draft: FindingDraft, src: FindingSource, at: number, refused: string | null): Omit<QualityFinding, 'id'> {
  return {
    kind: draft.kind,
    departmentId: src.departmentId ?? src.actor.departmentId ?? null,
    recordKey: src.recordKey.slice(0, 80),
    field: draft.field.slice(0, 40),
    givenValue: draft.given?.slice(0, 200) ?? null,
    expected: draft.expected?.slice(0, 200) ?? null,
    message: draft.message.slice(0, 500),
    refused,
    source: src.source,
    sender: src.actor.label.slice(0, 100),
    at,
  };
}

/** Stores findings of an accepted record inside the record's own transaction (they commit together). */
export async function storeFindings(em: Em, sql: Sql, drafts: readonly FindingDraft[], src: FindingSource, at: number): Promise<void> {
  for (const draft of drafts) await insertRow(em, sql, QualityFindingSchema, rowOf(draft, src, at, null));
}

/**
 * Keeps a refusal as a finding, in a transaction of its own: the record's transaction was rolled back,
 * the refusal still stands. A failure here is logged and never replaces the refusal the sender hears.
 */
export async function keepRefusal(app: QualityDeps, err: unknown, src: FindingSource, input: Record<string, unknown> = {}): Promise<void> {
  try {
    const draft = refusalFinding(err);
    if (draft.given == null && KEEPABLE.has(draft.field) && input[draft.field] != null) draft.given = String(input[draft.field]);
    const em = app.orm.em.fork() as Em;
    const departmentId = src.departmentId ?? (await departmentIdOf(em, input.deptCode)) ?? src.actor.departmentId ?? null;
    await em.insert(QualityFindingSchema, rowOf(draft, { ...src, departmentId }, app.clock.now().getTime(), draft.code) as QualityFinding);
  } catch (failure) {
    app.logger.error('could not keep a refused record as a quality finding', { error: failure instanceof Error ? failure.message : String(failure) });
  }
}

/** Keeps findings of an accepted record after its commit (for checks that only the stored record can make). */
export async function keepFindings(app: QualityDeps, drafts: readonly FindingDraft[], src: FindingSource): Promise<void> {
  if (drafts.length === 0) return;
  try {
    const em = app.orm.em.fork() as Em;
    const at = app.clock.now().getTime();
    for (const draft of drafts) await em.insert(QualityFindingSchema, rowOf(draft, src, at, null) as QualityFinding);
  } catch (failure) {
    app.logger.error('could not keep a quality finding', { error: failure instanceof Error ? failure.message : String(failure) });
  }
}

/** One finding of a batch: a refusal (with the record's sent fields) or a finding of an accepted record. */
export type BatchFinding = { refusal: unknown; src: FindingSource; input?: Record<string, unknown> } | { drafts: readonly FindingDraft[]; src: FindingSource };

/**
 * Keeps a batch's findings (R25) together after the batch: its refusals and its accepted records'
 * findings, in ONE transaction and one multi-row insert instead of one transaction (one fsync) per
 * record. Each row is what keepRefusal or keepFindings keeps alone; a failure is logged, never answered.
 */
export async function keepBatchFindings(app: QualityDeps, findings: readonly BatchFinding[]): Promise<void> {
  if (findings.length === 0) return;
  try {
    const em = app.orm.em.fork() as Em;
    const at = app.clock.now().getTime();
    const rows: Array<Omit<QualityFinding, 'id'>> = [];
    for (const f of findings) {
      if ('drafts' in f) {
        for (const draft of f.drafts) rows.push(rowOf(draft, f.src, at, null));
        continue;
      }
      const draft = refusalFinding(f.refusal);
      const input = f.input ?? {};
      if (draft.given == null && KEEPABLE.has(draft.field) && input[draft.field] != null) draft.given = String(input[draft.field]);
      const departmentId = f.src.departmentId ?? (await departmentIdOf(em, input.deptCode)) ?? f.src.actor.departmentId ?? null;
      rows.push(rowOf(draft, { ...f.src, departmentId }, at, draft.code));
    }
    if (rows.length > 0) await em.insertMany(QualityFindingSchema, rows as QualityFinding[]);
  } catch (failure) {
    app.logger.error('could not keep the quality findings of a batch', { error: failure instanceof Error ? failure.message : String(failure) });
  }
}

async function departmentIdOf(em: Em, code: unknown): Promise<number | null> {
  if (typeof code !== 'string' || !code) return null;
  const dept = await em.findOne(DepartmentSchema, { creditCode: code }, { fields: ['id'] });
  return dept?.id ?? null;
}

export interface FindingFilter {
  departmentId?: number | null;
  kind?: string | null;
  from?: Date | null;
  to?: Date | null;
}

/**
 * The departments a caller may read findings of (R25, scoped like every other read): null for all
 * (admins), a department officer or system its department and sub-units, a supervisor its region.
 */
export async function scopedDepartmentIds(em: Em, actor: Actor): Promise<number[] | null> {
  if (actor.role === 'admin') return null;
  const all = await em.find(DepartmentSchema, {}, { fields: ['id', 'path', 'regionCode'] });
  const inScope = (d: Pick<Department, 'path' | 'regionCode'>) => {
    if (actor.role === 'supervisor') return !!actor.regionCode && isValidRegionCode(d.regionCode) && isWithinRegion(d.regionCode, actor.regionCode);
    if (actor.role === 'department' || actor.role === 'system') return !!actor.departmentPath && d.path.startsWith(actor.departmentPath);
    return false;
  };
  return all.filter(inScope).map((d) => d.id);
}

interface Where {
  text: string;
  params: unknown[];
}

async function whereOf(em: Em, actor: Actor, filter: FindingFilter): Promise<Where | null> {
  const parts: string[] = [];
  const params: unknown[] = [];
  const scope = await scopedDepartmentIds(em, actor);
  if (filter.departmentId != null) {
    if (scope && !scope.includes(filter.departmentId)) throw ForbiddenError.scope(`department ${filter.departmentId}`);
    parts.push('department_id = ?');
    params.push(filter.departmentId);
  } else if (scope) {
    if (scope.length === 0) return null;
    parts.push(`department_id in (${scope.map(() => '?').join(', ')})`);
    params.push(...scope);
  }
  if (filter.kind) {
    parts.push('kind = ?');
    params.push(filter.kind);
  }
  if (filter.from) {
    parts.push('at >= ?');
    params.push(filter.from.getTime());
  }
  if (filter.to) {
    parts.push('at < ?');
    params.push(filter.to.getTime());
  }
  return { text: parts.length ? `where ${parts.join(' and ')}` : '', params };
}

export interface FindingPage {
  nodes: QualityFinding[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** Newest first, `first` at a time; `after` is the previous page's `endCursor`. */
export async function listFindings(app: Database, actor: Actor, filter: FindingFilter, first: number, after: string | null): Promise<FindingPage> {
  const em = app.orm.em.fork() as Em;
  const where = await whereOf(em, actor, filter);
  if (!where) return { nodes: [], endCursor: null, hasNextPage: false };
  const afterId = after ? Number(after) : null;
  const text = afterId ? (where.text ? `${where.text} and id < ?` : 'where id < ?') : where.text;
  const params = afterId ? [...where.params, afterId] : where.params;
  const rows = await em.execute<Record<string, unknown>[]>(`select * from quality_finding ${text} order by id desc limit ${first + 1}`, params);
  const read = rowReader(em, QualityFindingSchema);
  const nodes = rows.slice(0, first).map(read);
  return { nodes, endCursor: nodes.length ? String(nodes[nodes.length - 1]!.id) : null, hasNextPage: rows.length > first };
}

export interface FindingCount {
  departmentId: number | null;
  departmentName: string | null;
  kind: FindingKind;
  count: number;
}

/** Counts per department and kind, within the caller's scope. */
export async function countFindings(app: Database, actor: Actor, filter: FindingFilter): Promise<FindingCount[]> {
  const em = app.orm.em.fork() as Em;
  const where = await whereOf(em, actor, filter);
  if (!where) return [];
  const rows = await em.execute<Array<{ department_id: number | null; kind: FindingKind; n: number | string }>>(
    `select department_id, kind, count(*) as n from quality_finding ${where.text} group by department_id, kind order by department_id, kind`,
    where.params,
  );
  const ids = [...new Set(rows.map((r) => r.department_id).filter((id): id is number => id != null))].map(Number);
  const names = new Map((ids.length ? await em.find(DepartmentSchema, { id: { $in: ids } }, { fields: ['id', 'name'] }) : []).map((d) => [d.id, d.name]));
  return rows.map((r) => ({
    departmentId: r.department_id == null ? null : Number(r.department_id),
    departmentName: r.department_id == null ? null : (names.get(Number(r.department_id)) ?? null),
    kind: r.kind,
    count: Number(r.n),
  }));
}

/** Every finding in scope, oldest first, read a page at a time (never all at once). */
export async function* eachFinding(app: Database, actor: Actor, filter: FindingFilter, pageSize = 1000): AsyncGenerator<QualityFinding> {
  const em = app.orm.em.fork() as Em;
  const where = await whereOf(em, actor, filter);
  if (!where) return;
  const read = rowReader(em, QualityFindingSchema);
  let lastId = 0;
  for (;;) {
    const text = where.text ? `${where.text} and id > ?` : 'where id > ?';
    const rows = await em.execute<Record<string, unknown>[]>(`select * from quality_finding ${text} order by id limit ${pageSize}`, [...where.params, lastId]);
    for (const row of rows) yield read(row);
    if (rows.length < pageSize) return;
    lastId = Number(rows[rows.length - 1]!.id);
    em.clear();
  }
}
