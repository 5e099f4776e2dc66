import type { Actor } from '../common/actor.js';
import type { PiiCipher } from '../common/crypto.js';
import { log } from '../common/logger.js';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors.js';
import type { Em } from '../db/orm.js';
import { isValidRegionCode, isWithinRegion, regionLevelOf } from '../catalog/region.logic.js';
import { LEVELS } from '../catalog/levels.logic.js';
import { shanghaiIso } from '../common/calendar.js';
import { regionPrefix } from '../stats/stats.logic.js';
import { computeHotTags, computeOverview, resolveStatsQuery, type StatsDeps } from '../stats/stats.service.js';
import { STATE_NAMES } from '../rectification/rectification.logic.js';
import { appendAudit } from '../auth/audit.service.js';
import { parsePeriod, previousPeriod, rankUnits, rectContribution, type Period } from './assessment.logic.js';
import { groupFigures, type AssessmentDeps } from './assessment.service.js';
import { BulletinSchema, type Bulletin } from './bulletin.entities.js';
import { assembleBulletin, maskPublic, BULLETIN_CASES, BULLETIN_PROBLEMS, type BulletinContent, type BulletinOverdue } from './bulletin.logic.js';

/** What bulletins need: the assessment's figures and the live figures' tag dictionary. */
export interface BulletinDeps extends AssessmentDeps, StatsDeps {
  /** Opens the raters' sealed names, to mask them out of the typical cases' text (R12). */
  readonly cipher: Pick<PiiCipher, 'decrypt'>;
}

/** The identity a bulletin's figures are read with: every figure of the region, nothing suppressed. */
const READER: Actor = { role: 'admin', label: 'system:bulletin' };
export const BULLETIN_SYSTEM: Actor = { role: 'system', label: 'system:bulletin' };

function canManage(actor: Actor, regionCode: string): boolean {
  if (actor.role === 'admin' || actor.label === BULLETIN_SYSTEM.label) return true;
  return actor.role === 'supervisor' && !!actor.regionCode && isWithinRegion(regionCode, actor.regionCode);
}

function checkRegion(regionCode: string): void {
  if (!isValidRegionCode(regionCode)) throw InvalidInputError.field('regionCode', 'a 12-digit region code', regionCode);
}

const day = (ms: number) => shanghaiIso(ms).slice(0, 10);

/** The Shanghai days a period covers, inclusive, as the stats filter takes them. */
function periodDays(p: Period): { from: string; to: string } {
  const first = p.months[0]!;
  const last = p.months[p.months.length - 1]!;
  const lastDay = new Date(Date.UTC(Math.floor(last / 100), last % 100, 0)).getUTCDate();
  const ym = (m: number) => `${Math.floor(m / 100)}-${String(m % 100).padStart(2, '0')}`;
  return { from: `${ym(first)}-01`, to: `${ym(last)}-${String(lastDay).padStart(2, '0')}` };
}

const num = (v: number | string | null | undefined) => (v === null || v === undefined ? null : Number(v));

/** Reads every figure of a region's bulletin for a period and assembles it (no write). */
export async function buildBulletinContent(app: BulletinDeps, regionCode: string, periodText: string): Promise<BulletinContent> {
  checkRegion(regionCode);
  const period = parsePeriod(periodText);
  const em = app.orm.em.fork() as Em;
  const regions = await em.execute<Array<{ name: string }>>('select name from region where code = ?', [regionCode]);
  if (!regions[0]) throw NotFoundError.of('region', regionCode);
  const like = `${regionPrefix(regionCode)}%`;

  // Headline ratings and the worst tags: the same rollups and statements as `overview` and `hotTags`.
  const q = await resolveStatsQuery(app, em, READER, { regionCode, ...periodDays(period) }, false);
  const ov = await computeOverview(em, q);
  const tags = await computeHotTags(app, em, q, 50);

  // Rectification: the assessment's counting (R22), over the region's cases.
  const cases = await em.execute<
    Array<{
      department_id: number;
      department_name: string;
      state: string;
      resolved_at: number | string | null;
      on_time: number | boolean | null;
      rectify_due_at: number | string;
      called_back_at: number | string | null;
      callback_satisfaction: number | null;
    }>
  >(
    `select c.department_id, d.name as department_name, c.state, c.resolved_at, c.on_time, c.rectify_due_at, c.called_back_at, c.callback_satisfaction
       from rect_case c join department d on d.id = c.department_id
      where c.region_code like ? and c.state <> 'INVALIDATED' and c.opened_at < ?
        and ((c.rectify_due_at >= ? and c.rectify_due_at < ?) or (c.resolved_at >= ? and c.resolved_at < ?)
          or (c.rectify_due_at < ? and (c.resolved_at is null or c.resolved_at >= ?)))`,
    [like, period.endMs, period.startMs, period.endMs, period.startMs, period.endMs, period.endMs, period.endMs],
  );
  const rect = { due: 0, done: 0, onTime: 0, overdue: 0 };
  const overdue = new Map<number, BulletinOverdue & { dueMs: number }>();
  for (const row of cases) {
    const resolvedAt = num(row.resolved_at);
    const facts = {
      state: row.state,
      resolvedAt,
      onTime: row.on_time === null ? null : Boolean(Number(row.on_time)),
      rectifyDueAt: Number(row.rectify_due_at),
      calledBackAt: num(row.called_back_at),
      callbackSatisfaction: num(row.callback_satisfaction),
    };
    const add = rectContribution(facts, period.startMs, period.endMs);
    rect.due += add.rectDue;
    rect.onTime += add.rectOnTime;
    if (add.rectDue && resolvedAt !== null && resolvedAt < period.endMs) rect.done += 1;
    if (add.overdue) {
      rect.overdue += 1;
      const id = Number(row.department_id);
      const o = overdue.get(id) ?? { department: row.department_name, count: 0, oldestDue: '', dueMs: Infinity };
      o.count += 1;
      o.dueMs = Math.min(o.dueMs, facts.rectifyDueAt);
      o.oldestDue = day(o.dueMs);
      overdue.set(id, o);
    }
  }

  // Rankings of the region's departments (frozen once the period has closed, R22).
  const figures = await groupFigures(app, { kind: 'DEPARTMENTS', regionCode }, period.key);
  const ranked = rankUnits(figures.units, figures.rules);
  const children = await em.execute<Array<{ n: number | string }>>('select count(*) as n from region where parent_code = ?', [regionCode]);
  const regionFigures = Number(children[0]?.n ?? 0) > 0 ? await groupFigures(app, { kind: 'REGIONS', regionCode }, period.key) : null;
  const row = (u: ReturnType<typeof rankUnits>[number]) => ({
    rank: u.rank,
    name: u.name,
    total: u.total,
    score: u.score,
    fairScore: u.fairScore,
    note: u.note,
  });

  const problems = await em.execute<
    Array<{
      group_by: string;
      item_name: string | null;
      department_name: string;
      state: string;
      opened_at: number | string;
      cause: string | null;
      measures: string | null;
    }>
  >(
    `select p.group_by, i.name as item_name, d.name as department_name, p.state, p.opened_at, p.cause, p.measures
       from rect_problem p join department d on d.id = p.department_id left join item i on i.id = p.item_id
      where p.region_code like ? and p.opened_at < ? and (p.closed_at is null or p.closed_at >= ?)
      order by p.opened_at, p.id limit ${BULLETIN_PROBLEMS}`,
    [like, period.endMs, period.startMs],
  );
  const PROBLEM_STATE: Record<string, string> = { OPEN: '待分析', ANALYSED: '已分析', CLOSED: '已关闭' };

  // Typical cases: bad reviews of the period, rectified ones first (their outcome is the lesson).
  const typical = await em.execute<
    Array<{
      item_name: string;
      department_name: string;
      level: number;
      opened_at: number | string;
      state: string;
      on_time: number | boolean | null;
      reply: string | null;
      rater_name_masked: string | null;
      rater_name_sealed: string | null;
    }>
  >(
    `select i.name as item_name, d.name as department_name, c.level, c.opened_at, c.state, c.on_time, c.reply, r.rater_name_masked, r.rater_name_sealed
       from rect_case c join item i on i.id = c.item_id join department d on d.id = c.department_id
       left join rating r on r.id = c.rating_id
      where c.region_code like ? and c.state <> 'INVALIDATED' and c.opened_at >= ? and c.opened_at < ?
      order by case when c.resolved_at is null then 1 else 0 end, c.level, c.opened_at, c.id limit ${BULLETIN_CASES}`,
    [like, period.startMs, period.endMs],
  );

  // The published text names nobody (R12): the region's staff and the raters are masked out of it.
  const staffNames = (
    await em.execute<Array<{ name: string }>>('select distinct s.name from staff s join department d on d.id = s.department_id where d.region_code like ?', [
      like,
    ])
  ).map((r) => r.name);
  // The raters by their real names (however the reply writes them) and by their masked form.
  const raterNames = typical.map((c) => c.rater_name_masked).filter((n): n is string => !!n);
  const raterFullNames = typical.map((c) => openName(app, c.rater_name_sealed)).filter((n): n is string => !!n);
  const publicText = (text: string | null) => maskPublic(text, [...staffNames, ...raterFullNames], raterNames);

  return assembleBulletin({
    regionCode,
    regionName: regions[0].name,
    period: period.key,
    periodKind: period.kind,
    counts: { total: ov.total ?? 0, good: ov.good ?? 0, bad: ov.bad ?? 0 },
    rect,
    rankingLabel: figures.group.label,
    minSample: figures.rules.minSample,
    ranking: ranked.map(row),
    regionRankingLabel: regionFigures?.group.label ?? null,
    regionRanking: regionFigures ? rankUnits(regionFigures.units, regionFigures.rules).map(row) : [],
    tags: tags.tags.map((t) => ({ code: t.code, name: t.name, count: t.count, level: t.level })),
    overdue: [...overdue.values()].map(({ department, count, oldestDue }) => ({ department, count, oldestDue })),
    problems: problems.map((p) => ({
      subject: p.group_by === 'ITEM' && p.item_name ? `事项：${p.item_name}` : `部门：${p.department_name}`,
      department: p.department_name,
      state: PROBLEM_STATE[p.state] ?? p.state,
      openedOn: day(Number(p.opened_at)),
      cause: publicText(p.cause),
      measures: publicText(p.measures),
    })),
    cases: typical.map((c) => ({
      item: c.item_name,
      department: c.department_name,
      levelName: LEVELS.find((l) => l.value === Number(c.level))?.name ?? String(c.level),
      ratedOn: day(Number(c.opened_at)),
      state: STATE_NAMES[c.state as keyof typeof STATE_NAMES] ?? c.state,
      onTime: c.on_time === null ? null : Boolean(Number(c.on_time)),
      outcome: publicText(c.reply),
    })),
  });
}

/**
 * Generates (or regenerates, while still a draft) a region's bulletin for a period. Supervisors of the
 * region and admins; an approved bulletin is the published record and is not replaced.
 */
export async function generateBulletin(app: BulletinDeps, actor: Actor, regionCode: string, periodText: string): Promise<Bulletin> {
  checkRegion(regionCode);
  if (!canManage(actor, regionCode)) throw ForbiddenError.scope(`the bulletins of region ${regionCode}`);
  const period = parsePeriod(periodText);
  const content = JSON.stringify(await buildBulletinContent(app, regionCode, period.key));
  const now = app.clock.now().getTime();
  const em = app.orm.em.fork() as Em;
  const existing = await em.findOne(BulletinSchema, { regionCode, period: period.key });
  if (existing) {
    if (existing.status === 'APPROVED')
      throw new ConflictError(`the bulletin of ${regionCode} for ${period.key} is approved and published; it is not regenerated`);
    existing.content = content;
    existing.generatedAt = now;
    existing.generatedBy = actor.label.slice(0, 100);
    await em.flush();
    return existing;
  }
  const b = em.create(BulletinSchema, {
    regionCode,
    period: period.key,
    status: 'DRAFT',
    content,
    generatedAt: now,
    generatedBy: actor.label.slice(0, 100),
    approvedBy: null,
    approvedAt: null,
  });
  await em.flush();
  return b;
}

export async function listBulletins(app: BulletinDeps, actor: Actor, regionCode: string): Promise<Bulletin[]> {
  checkRegion(regionCode);
  if (!canManage(actor, regionCode)) throw ForbiddenError.scope(`the bulletins of region ${regionCode}`);
  return (app.orm.em.fork() as Em).find(BulletinSchema, { regionCode }, { orderBy: { period: 'desc', id: 'desc' } });
}

export async function getBulletin(app: BulletinDeps, actor: Actor, id: number): Promise<Bulletin> {
  const b = await (app.orm.em.fork() as Em).findOne(BulletinSchema, { id });
  if (!b) throw NotFoundError.of('bulletin', String(id));
  if (!canManage(actor, b.regionCode)) throw ForbiddenError.scope(`bulletin ${id}`);
  return b;
}

/** A supervisor of the region (or an admin) approves a draft: it is published from then on. Audited. */
export async function approveBulletin(app: BulletinDeps, actor: Actor, id: number): Promise<Bulletin> {
  const now = app.clock.now().getTime();
  return (app.orm.em.fork() as Em).transactional(async (tx) => {
    const b = await tx.findOne(BulletinSchema, { id });
    if (!b) throw NotFoundError.of('bulletin', String(id));
    if (!canManage(actor, b.regionCode) || actor.role === 'system') throw ForbiddenError.scope(`bulletin ${id}`);
    if (b.status === 'APPROVED') throw new ConflictError(`bulletin ${id} is already approved`);
    b.status = 'APPROVED';
    b.approvedBy = actor.label.slice(0, 100);
    b.approvedAt = now;
    await tx.flush();
    await appendAudit(tx as Em, app.dialect, { actor, action: 'bulletin.approve', subject: `bulletin:${id}`, detail: `${b.regionCode} ${b.period}` }, now);
    return b;
  });
}

/** The approved bulletins of a region (public, 公开): their content only, never who approved them. */
export async function publicBulletins(app: BulletinDeps, regionCode: string): Promise<Bulletin[]> {
  checkRegion(regionCode);
  const rows = await (app.orm.em.fork() as Em).find(BulletinSchema, { regionCode, status: 'APPROVED' }, { orderBy: { period: 'desc' } });
  return rows.map((b) => ({ ...b, approvedBy: null, generatedBy: '' }));
}

/** The period before the one containing `now` (a month): what the monthly schedule drafts. */
export function lastMonthKey(nowMs: number): string {
  const today = shanghaiIso(nowMs).slice(0, 7);
  return previousPeriod(parsePeriod(today)).key;
}

/**
 * The monthly schedule: last month's draft for every city (and province) region that has none yet. Run
 * hourly, so it drafts on the 1st and catches up after downtime; a supervisor still approves each.
 */
export async function draftLastMonthBulletins(app: BulletinDeps): Promise<number> {
  const period = lastMonthKey(app.clock.now().getTime());
  const em = app.orm.em.fork() as Em;
  const regions = (await em.execute<Array<{ code: string }>>('select code from region order by code')).filter((r) => {
    const level = regionLevelOf(r.code);
    return level === 'CITY' || level === 'PROVINCE';
  });
  const existing = new Set((await em.find(BulletinSchema, { period })).map((b) => b.regionCode));
  let created = 0;
  for (const r of regions) {
    if (existing.has(r.code)) continue;
    await generateBulletin(app, BULLETIN_SYSTEM, r.code, period);
    created += 1;
  }
  return created;
}

/** A sealed name in clear, or null (none, or sealed under a key this server no longer holds: the masked form still applies). */
function openName(app: BulletinDeps, sealed: string | null): string | null {
  if (!sealed) return null;
  try {
    const name = app.cipher.decrypt(sealed).trim();
    return name || null;
  } catch (err) {
    log.warn('bulletin: a rater name could not be opened; masked by its masked form only', { error: err instanceof Error ? err.message : String(err) });
    return null;
  }
}
