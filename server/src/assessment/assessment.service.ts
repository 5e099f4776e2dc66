import type { Actor } from '../common/actor.js';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors.js';
import type { Kernel } from '../common/kernel.js';
import { scopeKey } from '../common/scope-key.js';
import type { Database, Em } from '../db/orm.js';
import { topDepartmentsOf } from '../catalog/catalog.service.js';
import { isValidRegionCode, isWithinRegion, regionAncestors, regionLevelOf } from '../catalog/region.logic.js';
import { regionPrefix } from '../stats/stats.logic.js';
import { appendAudit } from '../auth/audit.service.js';
import { AssessmentSettingSchema, AssessmentSnapshotSchema, SupervisionEntrySchema, type SupervisionEntry } from './assessment.entities.js';
import {
  ASSESSMENT_DEFAULTS,
  ASSESSMENT_SETTING_KEYS,
  emptyUnitCounts,
  parsePeriod,
  previousPeriod,
  rankUnits,
  rectContribution,
  resolveAssessmentRules,
  selectSupervision,
  signalReason,
  validateAssessmentSetting,
  type AssessmentRules,
  type AssessmentSettingKey,
  type Period,
  type RankedUnit,
  type UnitFacts,
  type UpheldSignal,
} from './assessment.logic.js';

/**
 * Where the key-supervision list reads upheld fraud signals (R18 → R23): the integrity feature answers it
 * through the composition root (assessment does not import integrity).
 */
export interface UpheldSignalSource {
  upheldIn(regionCode: string, startMs: number, endMs: number): Promise<UpheldSignal[]>;
}

/** What the assessment feature needs; the composition root supplies it. */
export interface AssessmentDeps extends Kernel, Database {
  readonly upheldSignals: UpheldSignalSource;
}

export type GroupKind = 'DEPARTMENTS' | 'REGIONS' | 'HALL_STAFF';
export interface GroupInput {
  kind: GroupKind;
  regionCode?: string | null;
  hallId?: number | null;
}

/** A resolved peer group: its key, label, the region whose settings apply and its units. */
interface Group {
  key: string;
  kind: GroupKind;
  label: string;
  regionCode: string;
  hallId: number | null;
}

export interface GroupFigures {
  group: Group;
  period: Period;
  rules: AssessmentRules;
  units: UnitFacts[];
  /** When the figures were frozen (closed period), else null (an open period, computed now). */
  frozenAt: number | null;
}

const LEVEL_LABEL: Record<string, string> = { PROVINCE: '省', CITY: '市', DISTRICT: '区县', TOWNSHIP: '乡镇街道', VILLAGE: '村社区' };
const CHILD_LABEL: Record<string, string> = { PROVINCE: '各市', CITY: '各区县', DISTRICT: '各乡镇街道', TOWNSHIP: '各村社区' };

async function resolveGroup(em: Em, input: GroupInput): Promise<Group> {
  if (input.kind === 'HALL_STAFF') {
    if (!input.hallId) throw InvalidInputError.field('group.hallId', 'the hall of a HALL_STAFF group', input.hallId);
    const rows = await em.execute<Array<{ id: number; name: string; region_code: string }>>('select id, name, region_code from hall where id = ?', [
      input.hallId,
    ]);
    const hall = rows[0];
    if (!hall) throw NotFoundError.of('hall', String(input.hallId));
    return { key: `H:${hall.id}`, kind: 'HALL_STAFF', label: `${hall.name}工作人员`, regionCode: hall.region_code, hallId: Number(hall.id) };
  }
  const code = input.regionCode ?? '';
  if (!isValidRegionCode(code)) throw InvalidInputError.field('group.regionCode', 'a 12-digit region code', code);
  const level = regionLevelOf(code);
  if (input.kind === 'DEPARTMENTS')
    return { key: `D:${code}`, kind: 'DEPARTMENTS', label: `${LEVEL_LABEL[level] ?? ''}级部门`, regionCode: code, hallId: null };
  if (level === 'VILLAGE') throw InvalidInputError.field('group.regionCode', 'a region with smaller regions (not a village)', code);
  return { key: `R:${code}`, kind: 'REGIONS', label: CHILD_LABEL[level] ?? '下级区域', regionCode: code, hallId: null };
}

async function loadRules(em: Em, regionCode: string) {
  const chain = regionAncestors(regionCode);
  const overrides = await em.find(AssessmentSettingSchema, { regionCode: { $in: chain } });
  return resolveAssessmentRules(chain, overrides);
}

interface UnitRow {
  key: string;
  name: string;
  departmentPath: string;
  /** Which rectification cases belong to the unit. */
  owns: (c: { departmentPath: string; regionCode: string; staffId: number | null }) => boolean;
}

async function unitsOf(em: Em, g: Group): Promise<UnitRow[]> {
  if (g.kind === 'DEPARTMENTS') {
    const rows = await topDepartmentsOf(em, g.regionCode);
    return rows.map((r) => ({
      key: scopeKey.department(r.id),
      name: r.name,
      departmentPath: r.path,
      owns: (c) => c.departmentPath.includes(`/${r.id}/`),
    }));
  }
  if (g.kind === 'REGIONS') {
    const rows = await em.execute<Array<{ code: string; name: string }>>('select code, name from region where parent_code = ?', [g.regionCode]);
    return rows.map((r) => ({ key: scopeKey.region(r.code), name: r.name, departmentPath: '', owns: (c) => isWithinRegion(c.regionCode, r.code) }));
  }
  const rows = await em.execute<Array<{ id: number; name: string; path: string }>>(
    `select s.id, s.name, d.path from staff s
       join service_window w on w.id = s.window_id
       join department d on d.id = s.department_id
      where w.hall_id = ?`,
    [g.hallId],
  );
  return rows.map((r) => ({ key: scopeKey.staff(r.id), name: r.name, departmentPath: r.path, owns: (c) => c.staffId === Number(r.id) }));
}

/** The unit figures of a group in a period, read from the rating rollups and the rectification cases. */
async function computeUnits(em: Em, g: Group, p: Period): Promise<UnitFacts[]> {
  const units = await unitsOf(em, g);
  if (units.length === 0) return [];
  const byKey = new Map(units.map((u) => [u.key, { key: u.key, name: u.name, departmentPath: u.departmentPath, counts: emptyUnitCounts() }]));
  const keys = [...byKey.keys()];
  // The flat per-unit totals (rollup_total: all channels, levels 1–5 not default a1–a5 and default d1–d5), one row per unit and month.
  const rows = await em.execute<Array<{ scope: string } & Record<string, number | string | null>>>(
    `select scope, ${[1, 2, 3, 4, 5].map((l) => `sum(a${l}) as a${l}, sum(d${l}) as d${l}`).join(', ')} from rollup_total
      where bucket = 'H' and grain = 'M' and period in (${p.months.map(() => '?').join(', ')})
        and scope in (${keys.map(() => '?').join(', ')})
      group by scope`,
    [...p.months, ...keys],
  );
  for (const row of rows) {
    const c = byKey.get(row.scope)!.counts;
    for (let level = 1; level <= 5; level++) {
      const active = Number(row[`a${level}`] ?? 0);
      c.levels[level - 1]! += active + Number(row[`d${level}`] ?? 0);
      c.active += active;
    }
  }
  const cases = await em.execute<
    Array<{
      department_path: string;
      region_code: string;
      staff_id: number | null;
      state: string;
      resolved_at: number | string | null;
      on_time: number | boolean | null;
      rectify_due_at: number | string;
      called_back_at: number | string | null;
      callback_satisfaction: number | null;
    }>
  >(
    `select department_path, region_code, staff_id, state, resolved_at, on_time, rectify_due_at, called_back_at, callback_satisfaction
       from rect_case
      where region_code like ? and state <> 'INVALIDATED' and opened_at < ?
        and ((rectify_due_at >= ? and rectify_due_at < ?)
          or (resolved_at >= ? and resolved_at < ?)
          or (called_back_at >= ? and called_back_at < ?)
          or (rectify_due_at < ? and (resolved_at is null or resolved_at >= ?)))`,
    [`${g.kind === 'REGIONS' ? regionPrefix(g.regionCode) : ''}%`, p.endMs, p.startMs, p.endMs, p.startMs, p.endMs, p.startMs, p.endMs, p.endMs, p.endMs],
  );
  const num = (v: number | string | null) => (v === null ? null : Number(v));
  for (const row of cases) {
    const facts = {
      state: row.state,
      resolvedAt: num(row.resolved_at),
      onTime: row.on_time === null ? null : Boolean(Number(row.on_time)),
      rectifyDueAt: Number(row.rectify_due_at),
      calledBackAt: num(row.called_back_at),
      callbackSatisfaction: row.callback_satisfaction === null ? null : Number(row.callback_satisfaction),
    };
    const add = rectContribution(facts, p.startMs, p.endMs);
    const owner = { departmentPath: row.department_path, regionCode: row.region_code, staffId: row.staff_id === null ? null : Number(row.staff_id) };
    for (const u of units) {
      if (!u.owns(owner)) continue;
      const c = byKey.get(u.key)!.counts;
      c.rectDue += add.rectDue;
      c.rectOnTime += add.rectOnTime;
      c.callbacks += add.callbacks;
      c.callbackSatisfied += add.callbackSatisfied;
      c.overdue += add.overdue;
    }
  }
  return [...byKey.values()];
}

/**
 * A group's figures in a period. A period that has ended is frozen the first time it is read (R22:
 * reproducible): later reads return the frozen counts and rules, whatever arrived or changed since.
 */
export async function groupFigures(app: AssessmentDeps, input: GroupInput, periodText: string, actor?: Actor): Promise<GroupFigures> {
  const em = app.orm.em.fork() as Em;
  const period = parsePeriod(periodText);
  const group = await resolveGroup(em, input);
  // Checked before anything is computed or frozen.
  if (actor) checkGroupAccess(actor, group);
  const now = app.clock.now().getTime();
  const closed = now >= period.endMs;
  if (closed) {
    const frozen = await em.findOne(AssessmentSnapshotSchema, { groupKey: group.key, period: period.key });
    if (frozen) {
      const body = JSON.parse(frozen.body) as { rules: AssessmentRules; units: UnitFacts[] };
      return { group, period, rules: body.rules, units: body.units, frozenAt: frozen.computedAt };
    }
  }
  const { rules } = await loadRules(em, group.regionCode);
  const units = await computeUnits(em, group, period);
  if (!closed) return { group, period, rules, units, frozenAt: null };
  try {
    await em.insert(AssessmentSnapshotSchema, { groupKey: group.key, period: period.key, body: JSON.stringify({ rules, units }), computedAt: now });
  } catch {
    // Another request froze it first: theirs is the record.
    const frozen = await app.orm.em.fork().findOne(AssessmentSnapshotSchema, { groupKey: group.key, period: period.key });
    if (frozen) {
      const body = JSON.parse(frozen.body) as { rules: AssessmentRules; units: UnitFacts[] };
      return { group, period, rules: body.rules, units: body.units, frozenAt: frozen.computedAt };
    }
  }
  return { group, period, rules, units, frozenAt: now };
}

// ---------------------------------------------------------------------------------------------
// Access (R12, R22): supervisors read their region, admins everything; a department officer reads the
// unit rankings (they are published) but per-staff scores only of its own subtree.
// ---------------------------------------------------------------------------------------------

function checkGroupAccess(actor: Actor, g: Group): void {
  if (actor.role === 'admin' || actor.role === 'department') return;
  if (actor.role === 'supervisor' && actor.regionCode && isWithinRegion(g.regionCode, actor.regionCode)) return;
  throw ForbiddenError.scope(`the assessment of ${g.key}`);
}

function visibleTo(actor: Actor, g: Group, unit: { departmentPath: string }): boolean {
  if (actor.role !== 'department' || g.kind !== 'HALL_STAFF') return true;
  return !!actor.departmentPath && unit.departmentPath.startsWith(actor.departmentPath);
}

export interface RankingResult {
  groupKey: string;
  groupLabel: string;
  period: string;
  frozenAt: number | null;
  rules: AssessmentRules;
  rows: RankedUnit[];
}

export async function rankings(app: AssessmentDeps, actor: Actor, input: GroupInput, periodText: string, unitKey?: string | null): Promise<RankingResult> {
  const figures = await groupFigures(app, input, periodText, actor);
  const ranked = rankUnits(figures.units, figures.rules);
  if (unitKey) {
    const unit = ranked.find((u) => u.key === unitKey);
    if (!unit) throw NotFoundError.of('unit', `${unitKey} in ${figures.group.key}`);
    if (!visibleTo(actor, figures.group, unit)) throw ForbiddenError.scope(`the scores of ${unitKey}`);
  }
  return {
    groupKey: figures.group.key,
    groupLabel: figures.group.label,
    period: figures.period.key,
    frozenAt: figures.frozenAt,
    rules: figures.rules,
    rows: ranked.filter((u) => (!unitKey || u.key === unitKey) && visibleTo(actor, figures.group, u)),
  };
}

// ---------------------------------------------------------------------------------------------
// Key supervision (R23)
// ---------------------------------------------------------------------------------------------

export interface SupervisionView extends SupervisionEntry {
  reasonList: string[];
  groupLabel: string;
}

async function groupsOfRegion(em: Em, regionCode: string): Promise<GroupInput[]> {
  const groups: GroupInput[] = [{ kind: 'DEPARTMENTS', regionCode }];
  const children = await em.execute<Array<{ n: number | string }>>('select count(*) as n from region where parent_code = ?', [regionCode]);
  if (Number(children[0]?.n ?? 0) > 0) groups.push({ kind: 'REGIONS', regionCode });
  const halls = await em.execute<Array<{ id: number }>>('select id from hall where region_code like ? order by id', [`${regionPrefix(regionCode)}%`]);
  for (const h of halls) groups.push({ kind: 'HALL_STAFF', hallId: Number(h.id) });
  return groups;
}

/** Whether an upheld signal is about a unit (by its scope key): its department subtree, its region, or the staff member. */
function signalConcerns(s: UpheldSignal, unitKey: string): boolean {
  if (s.staffId !== null && unitKey === scopeKey.staff(s.staffId)) return true;
  const departments = (s.departmentPath ?? '').split('/').filter(Boolean);
  if (departments.some((id) => unitKey === scopeKey.department(id))) return true;
  return regionAncestors(s.regionCode).some((code) => unitKey === scopeKey.region(code));
}

function checkRegionAccess(actor: Actor, regionCode: string): void {
  if (actor.role === 'admin' || actor.role === 'department') return;
  if (actor.role === 'supervisor' && actor.regionCode && isWithinRegion(regionCode, actor.regionCode)) return;
  throw ForbiddenError.scope(`the key-supervision list of region ${regionCode}`);
}

/** A department officer sees only the entries about its own subtree (its departments and staff). */
function entryVisible(actor: Actor, e: { departmentPath: string }): boolean {
  if (actor.role !== 'department') return true;
  return !!actor.departmentPath && e.departmentPath !== '' && e.departmentPath.startsWith(actor.departmentPath);
}

/**
 * The key-supervision list of a region for a period: every peer group of the region (its departments,
 * its smaller regions, the staff of each of its halls) ranked for this period and the ones before; the
 * candidates are recorded (with their reasons) so a supervisor can confirm or dismiss each.
 */
export async function supervisionList(app: AssessmentDeps, actor: Actor, regionCode: string, periodText: string): Promise<SupervisionView[]> {
  if (!isValidRegionCode(regionCode)) throw InvalidInputError.field('region', 'a 12-digit region code', regionCode);
  checkRegionAccess(actor, regionCode);
  const period = parsePeriod(periodText);
  const em = app.orm.em.fork() as Em;
  const now = app.clock.now().getTime();
  const { rules } = await loadRules(em, regionCode);
  const signals = await app.upheldSignals.upheldIn(regionCode, period.startMs, period.endMs);
  const current = new Map<string, { groupKey: string; groupLabel: string; name: string; departmentPath: string; reasons: string[] }>();
  const labels = new Map<string, string>();
  for (const input of await groupsOfRegion(em, regionCode)) {
    const periods: Array<{ label: string; ranked: RankedUnit[] }> = [];
    let p = period;
    let label = '';
    let groupKey = '';
    for (let i = 0; i < Math.max(1, rules.consecutivePeriods); i++) {
      const f = await groupFigures(app, input, p.key);
      label = f.group.label;
      groupKey = f.group.key;
      periods.push({ label: p.key, ranked: rankUnits(f.units, f.rules) });
      p = previousPeriod(p);
    }
    labels.set(groupKey, label);
    const others = new Map<string, string[]>();
    for (const u of periods[0]!.ranked) {
      const mine = signals.filter((s) => signalConcerns(s, u.key));
      if (mine.length) others.set(u.key, mine.map(signalReason));
    }
    for (const c of selectSupervision(periods, rules, label, others)) {
      current.set(`${groupKey}|${c.key}`, { groupKey, groupLabel: label, name: c.name, departmentPath: c.departmentPath, reasons: c.reasons });
    }
  }
  const stored = await em.find(SupervisionEntrySchema, { regionCode, period: period.key }, { orderBy: { id: 'asc' } });
  const byKey = new Map(stored.map((e) => [`${e.groupKey}|${e.unitKey}`, e]));
  for (const [key, c] of current) {
    const unitKey = key.slice(c.groupKey.length + 1);
    const reasons = JSON.stringify(c.reasons);
    const existing = byKey.get(key);
    if (!existing) {
      const e = em.create(SupervisionEntrySchema, {
        regionCode,
        period: period.key,
        groupKey: c.groupKey,
        unitKey,
        unitName: c.name.slice(0, 100),
        departmentPath: c.departmentPath,
        reasons,
        decision: null,
        note: null,
        decidedBy: null,
        decidedAt: null,
        createdAt: now,
      });
      byKey.set(key, e);
    } else if (existing.decision === null && existing.reasons !== reasons) existing.reasons = reasons;
  }
  await em.flush();
  return [...byKey.entries()]
    .filter(([key, e]) => (current.has(key) || e.decision !== null) && entryVisible(actor, e))
    .map(([, e]) => ({ ...e, reasonList: JSON.parse(e.reasons) as string[], groupLabel: labels.get(e.groupKey) ?? e.groupKey }))
    .sort((a, b) => a.id - b.id);
}

export const SUPERVISION_DECISIONS = ['CONFIRMED', 'DISMISSED'] as const;

/** A supervisor confirms or dismisses an entry with a note (R23); audited with the decision and the note. */
export async function reviewSupervisionEntry(app: AssessmentDeps, actor: Actor, id: number, decision: string, note: string): Promise<SupervisionView> {
  if (!(SUPERVISION_DECISIONS as readonly string[]).includes(decision)) throw InvalidInputError.field('decision', 'CONFIRMED or DISMISSED', decision);
  const text = note.trim();
  if (!text || Array.from(text).length > 1000) throw InvalidInputError.field('note', '1–1000 characters', note);
  const now = app.clock.now().getTime();
  const em = app.orm.em.fork() as Em;
  const entry = await em.transactional(async (tx) => {
    const e = await tx.findOne(SupervisionEntrySchema, { id });
    if (!e) throw NotFoundError.of('supervision entry', String(id));
    if (!(actor.role === 'admin' || (actor.role === 'supervisor' && actor.regionCode && isWithinRegion(e.regionCode, actor.regionCode)))) {
      throw ForbiddenError.scope(`supervision entry ${id}`);
    }
    e.decision = decision;
    e.note = text;
    e.decidedBy = actor.label.slice(0, 100);
    e.decidedAt = now;
    await tx.flush();
    await appendAudit(
      tx as Em,
      app.dialect,
      { actor, action: 'supervision.review', subject: `supervision:${id}`, detail: `${decision} ${e.unitKey} ${e.period}: ${text}` },
      now,
    );
    return e;
  });
  return { ...entry, reasonList: JSON.parse(entry.reasons) as string[], groupLabel: entry.groupKey };
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

export async function assessmentSettings(app: AssessmentDeps, regionCode: string) {
  if (!isValidRegionCode(regionCode)) throw InvalidInputError.field('regionCode', 'a 12-digit region code', regionCode);
  const { values } = await loadRules(app.orm.em.fork() as Em, regionCode);
  return ASSESSMENT_SETTING_KEYS.map((key) => ({
    key,
    value: values[key].value,
    defaultValue: ASSESSMENT_DEFAULTS[key] as string,
    regionCode: values[key].regionCode,
  }));
}

/** Sets (or with value null removes) a region's override; applies to periods not yet frozen. Audited. */
export async function setAssessmentSetting(
  app: AssessmentDeps,
  actor: Actor,
  regionCode: string,
  key: string,
  value: string | null | undefined,
): Promise<void> {
  if (!isValidRegionCode(regionCode)) throw InvalidInputError.field('regionCode', 'a 12-digit region code', regionCode);
  if (actor.role !== 'admin' && !(actor.role === 'supervisor' && actor.regionCode && isWithinRegion(regionCode, actor.regionCode))) {
    throw ForbiddenError.scope(`region ${regionCode}`);
  }
  const normalized = value == null ? null : value.trim().replace(/\s+/g, '');
  if (normalized !== null) validateAssessmentSetting(key, normalized);
  else if (!(ASSESSMENT_SETTING_KEYS as string[]).includes(key)) validateAssessmentSetting(key, '');
  const now = app.clock.now().getTime();
  await (app.orm.em.fork() as Em).transactional(async (tx) => {
    if (normalized === null) await tx.nativeDelete(AssessmentSettingSchema, { regionCode, key });
    else
      await tx.upsert(AssessmentSettingSchema, {
        regionCode,
        key: key as AssessmentSettingKey,
        value: normalized,
        updatedAt: now,
        updatedBy: actor.label.slice(0, 100),
      });
    await appendAudit(
      tx as Em,
      app.dialect,
      {
        actor,
        action: 'setting.change',
        subject: `assessment:${regionCode}:${key}`.slice(0, 100),
        detail: normalized === null ? 'back to the default' : `set to ${normalized}`,
      },
      now,
    );
  });
}
