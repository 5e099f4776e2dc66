import type { Actor } from '../common/actor.js';
import { dayStartMs, formatYmd, parseYmd, ymdOf } from '../common/calendar.js';
import { ForbiddenError, IllegalTransitionError, InvalidInputError, NotFoundError } from '../common/errors.js';
import type { Database, Em } from '../db/orm.js';
import { isDuplicateOrStale } from '../db/errors.js';
import { appendAudit } from '../auth/audit.service.js';
import { isValidRegionCode, isWithinRegion } from '../catalog/region.logic.js';
import { regionLikePattern } from '../rectification/rectification.access.js';
import type { RectificationDeps } from '../rectification/rectification.deps.js';
import { invalidateRatingsInTx, publishAfterCommit } from '../rectification/rectification.service.js';
import { FraudSignalSchema, type FraudSignal } from './integrity.entities.js';
import {
  detectAll,
  reviewError,
  SIGNAL_KIND_NAMES,
  type DepartmentTotals,
  type DetectRow,
  type SignalDraft,
  type SignalKind,
  type SignalState,
} from './fraud.logic.js';

/** What the integrity feature needs: upholding a signal invalidates ratings through rectification's R18 path. */
export type IntegrityDeps = RectificationDeps;

/** A period as given (`YYYY-MM` or `YYYY-MM-DD`), as the instants [from, to). */
export interface Period {
  key: string;
  from: number;
  to: number;
}

export function parsePeriod(text: string): Period {
  const month = /^(\d{4})-(\d{2})$/.exec(text);
  if (month) {
    const y = Number(month[1]);
    const m = Number(month[2]);
    if (m >= 1 && m <= 12) {
      const next = m === 12 ? (y + 1) * 10000 + 101 : y * 10000 + (m + 1) * 100 + 1;
      return { key: text, from: dayStartMs(y * 10000 + m * 100 + 1), to: dayStartMs(next) };
    }
  }
  const ymd = parseYmd(text);
  if (ymd != null) return { key: text, from: dayStartMs(ymd), to: dayStartMs(ymd) + 86_400_000 };
  throw InvalidInputError.field('period', 'a month YYYY-MM or a day YYYY-MM-DD', text);
}

/** A region code given by a caller, checked before it reaches a scope pattern. */
export function checkRegionCode(code: string | null | undefined): void {
  if (code != null && !isValidRegionCode(code)) throw InvalidInputError.field('regionCode', 'a 12-digit region code', code);
}

/** The region a caller may detect or review in: a supervisor's own, any for admin and system. */
function regionOf(actor: Actor, requested: string | null): string | null {
  checkRegionCode(requested);
  if (actor.role === 'admin' || actor.role === 'system') return requested;
  if (actor.role === 'supervisor' && actor.regionCode) {
    if (requested && !isWithinRegion(requested, actor.regionCode)) throw ForbiddenError.scope(`region ${requested}`);
    return requested ?? actor.regionCode;
  }
  throw ForbiddenError.role(['supervisor', 'admin'], actor.role);
}

interface RawRow {
  id: number;
  case_id: number;
  level: number;
  channel: string;
  source: string;
  rated_at: number | string;
  actor_id: number | null;
  token_issuer: string | null;
  rater_mobile_hash: string | null;
  client_ip_hash: string | null;
  comment: string | null;
  department_id: number;
  department_path: string;
  department_name: string;
  region_code: string;
  window_id: number | null;
  window_name: string | null;
  opening_hours: string | null;
  staff_id: number | null;
  staff_name: string | null;
  staff_window_id: number | null;
}

/** The period's valid first ratings (defaults excluded) in a region, with where they were given. */
export async function loadDetectRows(em: Em, period: Period, regionCode: string | null): Promise<DetectRow[]> {
  const params: unknown[] = [period.from, period.to];
  let where = '';
  if (regionCode) {
    where = ' and d.region_code like ?';
    params.push(regionLikePattern(regionCode));
  }
  const raw = await em.execute<RawRow[]>(
    `select r.id, r.case_id, r.level, r.channel, r.source, r.rated_at, r.actor_id, r.token_issuer, r.rater_mobile_hash, r.client_ip_hash, r.comment,
            s.department_id, d.path as department_path, d.name as department_name, d.region_code,
            s.window_id, w.name as window_name, w.opening_hours, s.staff_id, st.name as staff_name, st.window_id as staff_window_id
       from rating r
       join service s on s.id = r.service_id
       join department d on d.id = s.department_id
       left join service_window w on w.id = s.window_id
       left join staff st on st.id = s.staff_id
      where r.rated_at >= ? and r.rated_at < ? and r.valid = true and r.is_default = false and r.assess_number = 1${where}
      order by r.rated_at, r.id`,
    params,
  );
  return raw.map((r) => ({
    id: Number(r.id),
    caseId: Number(r.case_id),
    level: Number(r.level),
    channel: r.channel,
    source: r.source,
    ratedAt: Number(r.rated_at),
    actorId: r.actor_id == null ? null : Number(r.actor_id),
    tokenIssuer: r.token_issuer,
    raterMobileHash: r.rater_mobile_hash,
    clientIpHash: r.client_ip_hash,
    comment: r.comment,
    departmentId: Number(r.department_id),
    departmentPath: r.department_path,
    departmentName: r.department_name,
    regionCode: r.region_code,
    windowId: r.window_id == null ? null : Number(r.window_id),
    windowName: r.window_name,
    openingHours: r.opening_hours,
    staffId: r.staff_id == null ? null : Number(r.staff_id),
    staffName: r.staff_name,
    staffWindowId: r.staff_window_id == null ? null : Number(r.staff_window_id),
  }));
}

/** Per department: the period's ratings and good ratings (from the rows) and completed services. */
async function departmentTotals(em: Em, rows: readonly DetectRow[], period: Period): Promise<DepartmentTotals[]> {
  const byDept = new Map<number, DepartmentTotals>();
  for (const r of rows) {
    const t = byDept.get(r.departmentId) ?? {
      departmentId: r.departmentId,
      departmentPath: r.departmentPath,
      departmentName: r.departmentName,
      regionCode: r.regionCode,
      ratings: 0,
      good: 0,
      services: 0,
    };
    t.ratings++;
    if (r.level >= 4) t.good++;
    byDept.set(r.departmentId, t);
  }
  if (byDept.size === 0) return [];
  const services = await em.execute<Array<{ department_id: number; n: number | string }>>(
    'select department_id, count(*) as n from service where completed_at >= ? and completed_at < ? group by department_id',
    [period.from, period.to],
  );
  for (const s of services) {
    const t = byDept.get(Number(s.department_id));
    if (t) t.services = Number(s.n);
  }
  return [...byDept.values()];
}

export interface DetectionReport {
  period: string;
  regionCode: string | null;
  created: number;
  updated: number;
  found: number;
}

/**
 * R18: runs every detector over a period (and region) and stores what they find. Idempotent: a signal
 * already stored (same fingerprint) is not stored again; an open one whose pattern grew is updated.
 */
export async function detectFraudSignals(
  app: IntegrityDeps,
  actor: Actor,
  periodText: string,
  requestedRegion: string | null = null,
): Promise<DetectionReport> {
  const regionCode = regionOf(actor, requestedRegion);
  const period = parsePeriod(periodText);
  const em = app.orm.em.fork() as Em;
  const rows = await loadDetectRows(em, period, regionCode);
  const totals = await departmentTotals(em, rows, period);
  const deviceKeys = new Set((await em.execute<Array<{ id: number }>>(`select id from api_key where role = 'device'`)).map((k) => `apikey:${Number(k.id)}`));
  const drafts = detectAll(rows, totals, app.config.fraud, period.key, (issuer) => deviceKeys.has(issuer));
  const now = app.clock.now().getTime();
  let created = 0;
  let updated = 0;
  for (const d of drafts) {
    const outcome = await storeDraft(app, d, now);
    if (outcome === 'created') created++;
    if (outcome === 'updated') updated++;
  }
  if (created || updated) {
    await (app.orm.em.fork() as Em).transactional((tx) =>
      appendAudit(
        tx as Em,
        app.dialect,
        { actor, action: 'fraud.detect', subject: `period:${period.key}`, detail: `region ${regionCode ?? 'all'}: ${created} new, ${updated} updated` },
        now,
      ),
    );
  }
  return { period: period.key, regionCode, created, updated, found: drafts.length };
}

async function storeDraft(app: IntegrityDeps, d: SignalDraft, now: number): Promise<'created' | 'updated' | 'unchanged'> {
  const em = app.orm.em.fork() as Em;
  const existing = await em.findOne(FraudSignalSchema, { fingerprint: d.fingerprint });
  const ratingIds = d.ratingIds.join(',');
  if (existing) {
    if (existing.state !== 'OPEN' || existing.ratingIds === ratingIds) return 'unchanged';
    Object.assign(existing, { ratingIds, ratingCount: d.ratingIds.length, lastAt: d.lastAt, explanation: d.explanation, detail: JSON.stringify(d.detail) });
    await em.flush();
    return 'updated';
  }
  try {
    em.create(FraudSignalSchema, {
      kind: d.kind,
      fingerprint: d.fingerprint,
      regionCode: d.regionCode,
      departmentId: d.departmentId,
      departmentPath: d.departmentPath,
      explanation: d.explanation,
      detail: JSON.stringify(d.detail),
      ratingIds,
      ratingCount: d.ratingIds.length,
      firstAt: d.firstAt,
      lastAt: d.lastAt,
      state: 'OPEN',
      reviewedBy: null,
      reviewedAt: null,
      reviewNote: null,
      invalidatedCount: null,
      createdAt: now,
    });
    await em.flush();
    return 'created';
  } catch (err) {
    // Another detection run stored the same signal meanwhile.
    if (isDuplicateOrStale(err)) return 'unchanged';
    throw err;
  }
}

export interface SignalFilter {
  state?: SignalState | null;
  kind?: SignalKind | null;
  regionCode?: string | null;
  departmentId?: number | null;
  limit?: number | null;
  offset?: number | null;
}

/** SQL restricting fraud_signal rows to the caller: admins all, supervisors their region, officers their department's. */
function scopeSql(actor: Actor): { sql: string; params: unknown[] } {
  switch (actor.role) {
    case 'admin':
    case 'auditor':
      return { sql: '1 = 1', params: [] };
    case 'supervisor':
      if (!actor.regionCode) return { sql: '1 = 0', params: [] };
      return { sql: 'region_code like ?', params: [regionLikePattern(actor.regionCode)] };
    case 'department':
      if (!actor.departmentPath) return { sql: '1 = 0', params: [] };
      return { sql: 'department_path like ?', params: [`${actor.departmentPath}%`] };
    default:
      return { sql: '1 = 0', params: [] };
  }
}

export function canSeeSignal(actor: Actor, s: Pick<FraudSignal, 'regionCode' | 'departmentPath'>): boolean {
  if (actor.role === 'admin' || actor.role === 'auditor') return true;
  if (actor.role === 'supervisor') return !!actor.regionCode && isWithinRegion(s.regionCode, actor.regionCode);
  if (actor.role === 'department') return !!actor.departmentPath && !!s.departmentPath?.startsWith(actor.departmentPath);
  return false;
}

export async function listSignals(app: IntegrityDeps, actor: Actor, filter: SignalFilter): Promise<{ total: number; items: FraudSignal[] }> {
  checkRegionCode(filter.regionCode);
  const scope = scopeSql(actor);
  const where = [scope.sql];
  const params = [...scope.params];
  if (filter.state) {
    where.push('state = ?');
    params.push(filter.state);
  }
  if (filter.kind) {
    where.push('kind = ?');
    params.push(filter.kind);
  }
  if (filter.regionCode) {
    where.push('region_code like ?');
    params.push(regionLikePattern(filter.regionCode));
  }
  if (filter.departmentId) {
    where.push('department_id = ?');
    params.push(filter.departmentId);
  }
  const em = app.orm.em.fork() as Em;
  const cond = where.join(' and ');
  const [count] = await em.execute<Array<{ n: number | string }>>(`select count(*) as n from fraud_signal where ${cond}`, params);
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
  const offset = Math.max(filter.offset ?? 0, 0);
  const ids = await em.execute<Array<{ id: number }>>(`select id from fraud_signal where ${cond} order by id desc limit ${limit} offset ${offset}`, params);
  const items = ids.length ? await em.find(FraudSignalSchema, { id: { $in: ids.map((r) => Number(r.id)) } }, { orderBy: { id: 'desc' } }) : [];
  return { total: Number(count?.n ?? 0), items };
}

export const REVIEW_DECISIONS = ['UPHOLD', 'DISMISS'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/**
 * R18: a supervisor of the signal's region (or an admin) decides. UPHOLD invalidates every flagged
 * rating still valid, good ones included, through the R18 invalidation path (they leave every
 * statistic; their open rectification cases end); DISMISS keeps them. Audited; nothing is deleted.
 */
export async function reviewFraudSignal(app: IntegrityDeps, actor: Actor, id: number, decision: ReviewDecision, note: string): Promise<FraudSignal> {
  if (actor.role !== 'supervisor' && actor.role !== 'admin') throw ForbiddenError.role(['supervisor', 'admin'], actor.role);
  const text = note.trim();
  if (!text) throw InvalidInputError.field('note', 'the reason for the decision', note);
  if (text.length > 500) throw InvalidInputError.field('note', 'at most 500 characters', `${text.length} characters`);
  const now = app.clock.now().getTime();
  const em = app.orm.em.fork() as Em;
  const result = await em.transactional(async (t) => {
    const tx = t as Em;
    const signal = await tx.findOne(FraudSignalSchema, { id });
    if (!signal || !canSeeSignal(actor, signal)) throw NotFoundError.of('fraud signal', String(id));
    const refused = reviewError(signal.state);
    if (refused) throw new IllegalTransitionError(refused, { from: signal.state, action: decision });
    // Conditional: of two concurrent reviews only one decides.
    const changed = await tx.nativeUpdate(
      FraudSignalSchema,
      { id, state: 'OPEN' },
      { state: decision === 'UPHOLD' ? 'UPHELD' : 'DISMISSED', reviewedBy: actor.label, reviewedAt: now, reviewNote: text },
    );
    if (changed === 0) throw new IllegalTransitionError('the signal has just been reviewed by someone else', { from: 'OPEN', action: decision });
    let after: Awaited<ReturnType<typeof invalidateRatingsInTx>>['after'] | null = null;
    let invalidated = 0;
    if (decision === 'UPHOLD') {
      const ratingIds = signal.ratingIds ? signal.ratingIds.split(',').map(Number) : [];
      const reason = `fraud signal ${signal.id} upheld (刷好评/异常评价): ${text}`.slice(0, 200);
      const done = await invalidateRatingsInTx(app, tx, ratingIds, reason, now);
      after = done.after;
      invalidated = done.invalidated.length;
      await tx.nativeUpdate(FraudSignalSchema, { id }, { invalidatedCount: invalidated });
    }
    await appendAudit(
      tx,
      app.dialect,
      {
        actor,
        action: decision === 'UPHOLD' ? 'fraud.uphold' : 'fraud.dismiss',
        subject: `fraud-signal:${id}`,
        detail: `${signal.kind}; ${decision === 'UPHOLD' ? `${invalidated} ratings invalidated` : 'ratings kept'}; ${text}`,
      },
      now,
    );
    return { after, signal: await tx.findOneOrFail(FraudSignalSchema, { id }, { refresh: true }) };
  });
  if (result.after) await publishAfterCommit(app, result.after);
  return result.signal;
}

export const FRAUD_JOB_ACTOR: Actor = { role: 'system', label: 'system:fraud-detection' };

/** `YYYY-MM` of an instant (Asia/Shanghai). */
export function monthOfMs(ms: number): string {
  const ymd = ymdOf(ms);
  return `${Math.floor(ymd / 10000)}-${String(Math.floor(ymd / 100) % 100).padStart(2, '0')}`;
}

/**
 * The scheduled run (and `npm run job:fraud` without a period): this month, and last month too during
 * the first three days of a month (late ratings of its last days). Idempotent, like every run.
 */
export async function runFraudJob(app: IntegrityDeps, period: string | null = null, regionCode: string | null = null): Promise<DetectionReport[]> {
  const now = app.clock.now().getTime();
  const periods = period ? [period] : [monthOfMs(now)];
  if (!period && ymdOf(now) % 100 <= 3) periods.unshift(monthOfMs(now - 4 * 86_400_000));
  const reports: DetectionReport[] = [];
  for (const p of periods) reports.push(await detectFraudSignals(app, FRAUD_JOB_ACTOR, p, regionCode));
  return reports;
}

/** An upheld signal as other features read it (the key-supervision list, R23): who it is about and why. */
export interface UpheldSignalFacts {
  id: number;
  kindName: string;
  regionCode: string;
  departmentPath: string | null;
  /** The staff member a signal is about (SELF_RATING), else null. */
  staffId: number | null;
  /** Shanghai day (YYYY-MM-DD) it was upheld. */
  upheldOn: string;
}

/**
 * The upheld signals of a region that concern [startMs, endMs): their flagged ratings fall in it, or they
 * were upheld in it. Read by the key-supervision list (R18 → R23) through the root.
 */
export async function upheldSignals(app: Database, regionCode: string, startMs: number, endMs: number): Promise<UpheldSignalFacts[]> {
  checkRegionCode(regionCode);
  const rows = await (app.orm.em.fork() as Em).find(
    FraudSignalSchema,
    {
      state: 'UPHELD',
      regionCode: { $like: regionLikePattern(regionCode) },
      $or: [{ firstAt: { $lt: endMs }, lastAt: { $gte: startMs } }, { reviewedAt: { $gte: startMs, $lt: endMs } }],
    },
    { orderBy: { id: 'asc' } },
  );
  return rows.map((s) => {
    let staffId: number | null = null;
    try {
      const detail = JSON.parse(s.detail) as { staffId?: unknown };
      if (typeof detail.staffId === 'number') staffId = detail.staffId;
    } catch {
      /* detail is machine JSON; an unreadable one names no staff member */
    }
    return {
      id: s.id,
      kindName: SIGNAL_KIND_NAMES[s.kind as SignalKind] ?? s.kind,
      regionCode: s.regionCode,
      departmentPath: s.departmentPath,
      staffId,
      upheldOn: formatYmd(ymdOf(s.reviewedAt ?? s.createdAt)),
    };
  });
}
