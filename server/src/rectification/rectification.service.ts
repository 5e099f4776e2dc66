import type { RectificationDeps } from './rectification.deps.js';
import type { Actor } from '../common/actor.js';
import { appendAudit } from '../auth/audit.service.js';
import { regionAncestors } from '../catalog/region.logic.js';
import { DepartmentSchema, ItemSchema, type Department, type Item } from '../catalog/catalog.entities.js';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors.js';
import { publicUrl } from '../common/config.js';
import { log } from '../common/logger.js';
import type { ChangeEvent } from '../common/pubsub.js';
import type { EntitySchema } from '@mikro-orm/core';
import type { Em } from '../db/orm.js';
import { insertRow, rowReader, sqlOf, type Sql } from '../db/sql.js';
import { isDuplicateOrStale, mapDatabaseError } from '../db/errors.js';
import type { Service } from '../case/case.entities.js';
import { appendOutbox, type OutboxEntry } from '../db/outbox.store.js';
import { deliverMessages, MESSAGE_TOPICS, type MessagePayload } from '../notify/notify.service.js';
import type { Rating } from '../rating/rating.entity.js';
import { RatingSchema } from '../rating/rating.entity.js';
import { parseYmd } from './calendar.logic.js';
import { rectRollupDeltas, rectScopesOf } from './figures.logic.js';
import { applyRectRollup } from './figures.store.js';
import { invalidateRating } from './invalidation.js';
import { isConcentrated, problemKeys, windowStart } from './problem.logic.js';
import { canSeeCase } from './rectification.access.js';
import { RectCaseSchema, RectStepSchema, type RectCase, type RectStep } from './rectification.entities.js';
import type { RerateTicketView } from './rectification.types.js';
import { ACTION_ROLES, applyAction, openCase, stateTakes, validateStepMeta, type Command, type RectAction } from './rectification.logic.js';
import { toRectificationRecord } from './record.logic.js';
import { loadRegionRules, type RegionRules } from './settings.store.js';

/** A note and attachment names recorded with a step (R15). */
export interface StepMeta {
  note?: string | null;
  attachments?: string[] | null;
}

/** What happened in a committed transaction, published and delivered after it. */
export interface AfterCommit {
  events: ChangeEvent[];
  messages: number[];
}

export const SYSTEM_ACTOR: Actor = { role: 'system', label: 'system:rectification' };

// ---------------------------------------------------------------------------------------------------------
// Opening (R13): inside the rating's transaction

interface UnitRow {
  department_id: number;
  item_id: number;
  path: string;
  region_code: string;
  item_department_id: number;
}

/** A case opened for a bad rating: its id and where it is seen (its scopes). */
export type OpenedCase = Pick<RectCase, 'id' | 'departmentPath' | 'regionCode'>;

/**
 * Opens one case per responsible department of a bad rating, in the rating's transaction (R13): the
 * departments of every case unit the rating covers (joint cases: one case each). A bad follow-up
 * (追评) is a bad review too, unless a case for the same service is still being handled.
 */
export async function openCasesForRating(app: RectificationDeps, tx: Em, rating: Rating, service: Service): Promise<OpenedCase[]> {
  if (rating.level > 2 || rating.isDefault || !rating.valid) return [];
  // A follow-up covers what the first rating covered (the services that point at the first rating).
  const coveringRatingId = rating.assessNumber === 1 ? rating.id : service.ratingId!;
  if (rating.assessNumber !== 1 && (await hasCaseInHand(tx, coveringRatingId))) return [];
  // Plain prepared statements on the rating's transaction (sqlOf), not the ORM: a bad review in a batch of
  // ratings opened its cases at several milliseconds each through the ORM, most of a batch's time.
  const sql = await sqlOf(tx);
  const units = await sql.all<UnitRow>(
    `select cu.department_id, cu.item_id, d.path, d.region_code, i.department_id as item_department_id
       from case_unit cu join department d on d.id = cu.department_id join item i on i.id = cu.item_id
      where cu.case_id in (select case_id from service where rating_id = ?)
      order by cu.department_id, cu.item_id`,
    [coveringRatingId],
  );
  const byDepartment = new Map<number, UnitRow>();
  for (const u of units) {
    const id = Number(u.department_id);
    const current = byDepartment.get(id);
    // The rated service's own item wins for its department.
    if (!current || (id === service.departmentId && Number(u.item_id) === service.itemId)) byDepartment.set(id, u);
  }
  const opened: OpenedCase[] = [];
  const now = rating.ratedAt;
  for (const [departmentId, unit] of byDepartment) {
    const region = await regionRulesIn(tx, unit.region_code);
    const row: Omit<RectCase, 'id'> = {
      ...openCase(rating.level, now, region),
      ratingId: rating.id,
      serviceId: service.id,
      caseId: service.caseId,
      projectNo: service.projectNo,
      serviceNumber: service.serviceNumber,
      itemId: Number(unit.item_id),
      staffId: departmentId === service.departmentId ? service.staffId : null,
      departmentId,
      departmentPath: unit.path,
      regionCode: unit.region_code,
      handlingDepartmentId: null,
      handlingDepartmentPath: null,
      problemId: null,
      updatedAt: now,
      version: 1,
    };
    const id = await insertRow(tx, sql, RectCaseSchema, row);
    const kase: RectCase = { ...row, id };
    await insertRow(tx, sql, RectStepSchema, stepRow(kase, 1, 'OPEN', null, SYSTEM_ACTOR, now, { note: null, attachments: [] }, { ratingId: rating.id }));
    await applyRectRollup(tx, rectRollupDeltas(kase, kase.openedAt, null, kase));
    await groupIntoProblem(tx, sql, kase, Number(unit.item_department_id), region, now);
    const dept = await catalogRow(tx, sql, DepartmentSchema, 'department', kase.departmentId);
    const item = await catalogRow(tx, sql, ItemSchema, 'item', kase.itemId);
    await appendOutbox(tx, [recordEntryOf(kase, 1, 'OPEN', now, dept, item, rating)], now);
    opened.push({ id, departmentPath: kase.departmentPath, regionCode: kase.regionCode });
  }
  return opened;
}

/** Whether a case about any service the rating covers (a batch: all of them) is still being handled. */
async function hasCaseInHand(tx: Em, coveringRatingId: number): Promise<boolean> {
  const rows = await tx.execute<Array<{ n: number | string }>>(
    `select count(*) as n from rect_case
      where service_id in (select id from service where rating_id = ?) and state not in ('CLOSED', 'INVALIDATED')`,
    [coveringRatingId],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/** R20: attaches the new case to an open common problem of its item or department, or starts one when concentrated. */
async function groupIntoProblem(tx: Em, sql: Sql, c: RectCase, itemDepartmentId: number, region: RegionRules, now: number): Promise<void> {
  const since = windowStart(now, region.rules);
  for (const key of problemKeys({ itemId: c.itemId, departmentId: c.departmentId, itemDepartmentId }, region.rules)) {
    const column = key.groupBy === 'ITEM' ? 'item_id' : 'department_id';
    const value = key.groupBy === 'ITEM' ? c.itemId : c.departmentId;
    const problemOf = async () => (await sql.all<{ id: number }>('select id from rect_problem where open_key = ?', [key.key]))[0];
    let problem = await problemOf();
    if (!problem) {
      const rows = await sql.all<{ n: number | string }>(
        `select count(*) as n from rect_case where ${column} = ? and opened_at >= ? and state <> 'INVALIDATED'`,
        [value, since],
      );
      if (!isConcentrated(Number(rows[0]?.n ?? 0), region.rules)) continue;
      const owner = await catalogRow(tx, sql, DepartmentSchema, 'department', key.departmentId);
      // Two bad reviews at once: the unique open key lets exactly one insert win; both attach to it.
      await sql.run(
        `insert into rect_problem (group_by, group_key, open_key, item_id, department_id, department_path, region_code, state, opened_at, window_days, threshold)
         values (?, ?, ?, ?, ?, ?, ?, 'OPEN', ?, ?, ?) on conflict (open_key) do nothing`,
        [
          key.groupBy,
          key.key,
          key.key,
          key.itemId,
          owner.id,
          owner.path,
          owner.regionCode,
          now,
          region.rules.problem.windowDays,
          region.rules.problem.threshold,
        ],
      );
      problem = await problemOf();
      if (!problem) throw new Error(`common problem ${key.key} not found after its insert`);
    }
    await sql.run(
      `update rect_case set problem_id = ? where problem_id is null and state <> 'INVALIDATED' and (id = ? or (${column} = ? and opened_at >= ?))`,
      [Number(problem.id), c.id, value, since],
    );
    return;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Transitions: one action per call, in one transaction

export interface ActOptions {
  /** DISPATCH: the unit the case is dispatched to (default: the responsible department). */
  departmentId?: number | null;
}

/** Takes one action on a case as `actor`; illegal actions throw and change nothing. */
export async function act(
  app: RectificationDeps,
  actor: Actor,
  caseId: number,
  cmd: Command,
  meta: StepMeta = {},
  options: ActOptions = {},
): Promise<RectCase> {
  if (!ACTION_ROLES[cmd.action].includes(actor.role)) throw ForbiddenError.role(ACTION_ROLES[cmd.action], actor.role);
  const stepMeta = validateStepMeta(meta.note, meta.attachments);
  const em = app.orm.em.fork() as Em;
  const now = app.clock.now().getTime();
  const after: AfterCommit = { events: [], messages: [] };
  let result: RectCase;
  try {
    result = await em.transactional(async (t) => {
      const tx = t as Em;
      const kase = await tx.findOne(RectCaseSchema, { id: caseId });
      if (!kase || !canSeeCase(actor, kase)) {
        // A case outside the caller's scope is reported as not found: its existence is not disclosed.
        throw NotFoundError.of('rectification case', String(caseId));
      }
      return step(app, tx, kase, actor, cmd, stepMeta, now, after, options);
    });
  } catch (err) {
    throw mapDatabaseError(err, () => new ConflictError(`rectification case ${caseId} was changed by someone else meanwhile; reload it and try again`));
  }
  await afterCommit(app, after);
  return result;
}

/** Applies one action to a loaded case inside `tx`; shared by `act`, the job and invalidation of sibling cases. */
export async function step(
  app: RectificationDeps,
  tx: Em,
  kase: RectCase,
  actor: Actor,
  cmd: Command,
  meta: { note: string | null; attachments: string[] },
  now: number,
  after: AfterCommit,
  options: ActOptions = {},
): Promise<RectCase> {
  const region = await loadRegionRules(tx, kase.regionCode);
  const before: RectCase = { ...kase };
  const outcome = applyAction(kase, cmd, { now, rules: region.rules, calendar: region.calendar });
  Object.assign(kase, outcome.patch, { updatedAt: now });
  if (cmd.action === 'DECIDE_APPEAL') kase.appealNote = meta.note;
  let data: Record<string, unknown> | null = stepData(cmd);
  if (cmd.action === 'DISPATCH') data = { ...data, ...(await dispatchTarget(tx, actor, kase, options.departmentId ?? null)) };
  await tx.flush();
  const seq = await nextSeq(tx, kase.id);
  await tx.insert(RectStepSchema, stepRow(kase, seq, cmd.action, outcome.from, actor, now, meta, data) as never);
  await appendAudit(
    tx,
    app.dialect,
    { actor, action: `case.${cmd.action.toLowerCase()}`, subject: `case:${kase.id}`, detail: `${outcome.from} → ${kase.state}` },
    now,
  );
  await applyRectRollup(tx, rectRollupDeltas(kase, kase.openedAt, before, kase));
  after.events.push(caseEvent(app, kase, cmd.action, now));
  let siblings: RectCase[] = [];
  if (outcome.invalidateRating) {
    const reason = `${kase.invalidReason ?? 'invalid'}${meta.note ? `: ${meta.note}` : ''}`.slice(0, 200);
    const invalidated = await invalidateRating(tx, kase.ratingId, reason, app.invalidationHooks);
    if (invalidated) {
      after.events.push({ kind: 'invalidation', scopes: invalidated.scopes, at: now, detail: { ratingId: kase.ratingId } });
      // The rating no longer counts anywhere, so the other departments' cases of it end too.
      siblings = await tx.find(RectCaseSchema, { ratingId: kase.ratingId, id: { $ne: kase.id }, state: { $ne: 'INVALIDATED' } });
    }
  }
  // Written after the invalidation, so the record carries the rating's new validity (effectivEvalua).
  const outbox: OutboxEntry[] = [await recordEntry(tx, kase, seq, cmd.action, now)];
  outbox.push(...(await messagesFor(app, tx, kase, cmd.action, seq, region)));
  const ids = await appendOutbox(tx, outbox, now);
  after.messages.push(...ids.slice(1));
  for (const sibling of siblings) {
    await step(
      app,
      tx,
      sibling,
      SYSTEM_ACTOR,
      { action: 'INVALIDATE', reason: kase.invalidReason ?? 'rating invalidated' },
      { note: `rating invalidated by the decision on case ${kase.id}`, attachments: [] },
      now,
      after,
    );
  }
  return kase;
}

async function dispatchTarget(tx: Em, actor: Actor, kase: RectCase, departmentId: number | null): Promise<Record<string, unknown>> {
  const target = await tx.findOne(DepartmentSchema, { id: departmentId ?? kase.departmentId });
  if (!target) throw NotFoundError.of('department', String(departmentId));
  // 转办 stays within the responsible department's own units, or within the supervisor's region.
  const allowed =
    target.path.startsWith(kase.departmentPath) ||
    (actor.role === 'supervisor' && canSeeCase(actor, { departmentPath: target.path, handlingDepartmentPath: null, regionCode: target.regionCode }));
  if (!allowed) throw ForbiddenError.scope(`dispatch to ${target.name}`);
  kase.handlingDepartmentId = target.id;
  kase.handlingDepartmentPath = target.path;
  return { departmentId: target.id, departmentName: target.name };
}

function stepData(cmd: Command): Record<string, unknown> | null {
  const { action: _action, ...rest } = cmd;
  return Object.keys(rest).length ? rest : null;
}

async function nextSeq(tx: Em, caseId: number): Promise<number> {
  const rows = await tx.execute<Array<{ n: number | string | null }>>('select max(seq) as n from rect_step where rect_case_id = ?', [caseId]);
  return Number(rows[0]?.n ?? 0) + 1;
}

/** A step's row (R15): who did what, from which state to which, with the note and attachment names. */
function stepRow(
  kase: RectCase,
  seq: number,
  action: RectAction,
  from: string | null,
  actor: Actor,
  at: number,
  meta: { note: string | null; attachments: string[] },
  data: Record<string, unknown> | null,
): Omit<RectStep, 'id'> {
  return {
    rectCaseId: kase.id,
    seq,
    action,
    fromState: from,
    toState: kase.state,
    actor: actor.label,
    actorRole: actor.role,
    at,
    note: meta.note,
    attachments: meta.attachments.length ? JSON.stringify(meta.attachments) : null,
    data: data ? JSON.stringify(data) : null,
  };
}

/** The provincial record of this step (R17), in the same transaction. */
async function recordEntry(tx: Em, kase: RectCase, seq: number, action: RectAction, at: number): Promise<OutboxEntry> {
  // One after the other: a transaction has one connection.
  const dept = await tx.findOneOrFail(DepartmentSchema, { id: kase.departmentId });
  const item = await tx.findOneOrFail(ItemSchema, { id: kase.itemId });
  const rating = await tx.findOneOrFail(RatingSchema, { id: kase.ratingId }, { refresh: true });
  return recordEntryOf(kase, seq, action, at, dept, item, rating);
}

/** The record of a step from the case's department, item and rating as read. */
function recordEntryOf(
  kase: RectCase,
  seq: number,
  action: RectAction,
  at: number,
  dept: Pick<Department, 'creditCode' | 'name' | 'regionCode'>,
  item: Pick<Item, 'taskCode'>,
  rating: Pick<Rating, 'assessNumber' | 'ratedAt' | 'valid'>,
): OutboxEntry {
  const record = toRectificationRecord(kase, action, at, {
    caseId: kase.id,
    seq,
    projectNo: kase.projectNo,
    serviceNumber: kase.serviceNumber,
    assessNumber: rating.assessNumber,
    ratedAt: rating.ratedAt,
    deptCode: dept.creditCode,
    deptName: dept.name,
    areaCode: dept.regionCode,
    taskCode: item.taskCode,
    ratingValid: rating.valid,
  });
  // Ordered with the case's service and evaluation records (aggregate `case`, as the exchange hooks write
  // them): a rectification record never reaches the province before the rating it refers to (R26).
  return { topic: 'rectification.record', recordKey: `rect:${kase.id}:${seq}`, aggregateType: 'case', aggregateId: kase.caseId, payload: record };
}

/** R17: the reply reaches the rater by SMS and portal message; an escalation reaches the supervising body. */
async function messagesFor(app: RectificationDeps, tx: Em, kase: RectCase, action: RectAction, seq: number, region: RegionRules): Promise<OutboxEntry[]> {
  const out: OutboxEntry[] = [];
  const entry = (channel: 'sms' | 'portal', payload: MessagePayload): OutboxEntry => ({
    topic: MESSAGE_TOPICS[channel],
    recordKey: `rect:${kase.id}:${seq}:${channel}`,
    aggregateType: 'rect_case',
    aggregateId: kase.id,
    payload,
  });
  if (action === 'FEED_BACK') {
    const { token } = await app.tokens.sign('rerate', String(kase.id), region.rules.rerateTtlDays * 86_400);
    const link = publicUrl(app.config, `/rerate?t=${encodeURIComponent(token)}`);
    const text = `【政务服务好差评】您对办件${kase.projectNo}的评价已处理：${kase.reply ?? ''} 请对整改结果再次评价：${link}`;
    const rating = await tx.findOneOrFail(RatingSchema, { id: kase.ratingId }, { fields: ['raterMobileSealed'] });
    if (rating.raterMobileSealed) out.push(entry('sms', { channel: 'sms', to: { sealed: rating.raterMobileSealed }, text }));
    out.push(entry('portal', { channel: 'portal', to: { address: `case:${kase.projectNo}` }, title: '差评整改反馈', text }));
  }
  if (action === 'ESCALATE') {
    const chain = regionAncestors(kase.regionCode);
    const target = chain[Math.max(0, chain.length - kase.escalationLevel)]!;
    out.push(
      entry('portal', {
        channel: 'portal',
        to: { address: `region:${target}` },
        title: '差评整改超期督办',
        text: `整改工单 ${kase.id}（办件 ${kase.projectNo}）已超期，请督办（第${kase.escalationLevel}次）。`,
      }),
    );
  }
  return out;
}

function caseEvent(app: RectificationDeps, kase: RectCase, action: RectAction, at: number): ChangeEvent {
  return {
    kind: 'rectification',
    scopes: rectScopesOf(kase),
    at,
    detail: {
      caseId: kase.id,
      action,
      state: kase.state,
      overdue: kase.overdue,
      departmentPath: kase.departmentPath,
      handlingDepartmentPath: kase.handlingDepartmentPath,
      regionCode: kase.regionCode,
    },
  };
}

async function afterCommit(app: RectificationDeps, after: AfterCommit): Promise<void> {
  for (const event of after.events) app.bus.publish(event);
  if (after.messages.length) {
    try {
      await deliverMessages(app, after.messages);
    } catch (err) {
      // The messages stay in the outbox; the action itself has been committed.
      log.error('message delivery failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }
}

/**
 * R18 outside an appeal: ratings found fake (刷好评) or malicious by an upheld fraud signal become invalid
 * inside the caller's transaction, good ratings included. Each leaves every statistic exactly as an
 * upheld appeal does (`invalidateRating`), and its rectification cases still open end as INVALIDATED.
 * Returns the ratings this call invalidated (not those invalid already) and what to publish after commit.
 */
export async function invalidateRatingsInTx(
  app: RectificationDeps,
  tx: Em,
  ratingIds: readonly number[],
  reason: string,
  now: number,
): Promise<{ invalidated: number[]; after: AfterCommit }> {
  const after: AfterCommit = { events: [], messages: [] };
  const invalidated: number[] = [];
  for (const ratingId of ratingIds) {
    const done = await invalidateRating(tx, ratingId, reason);
    if (!done) continue;
    invalidated.push(ratingId);
    after.events.push({ kind: 'invalidation', scopes: done.scopes, at: now, detail: { ratingId } });
    const cases = await tx.find(RectCaseSchema, { ratingId, state: { $ne: 'INVALIDATED' } });
    for (const kase of cases) {
      await step(app, tx, kase, SYSTEM_ACTOR, { action: 'INVALIDATE', reason: reason.slice(0, 200) }, { note: reason, attachments: [] }, now, after);
    }
  }
  return { invalidated, after };
}

/** Publishes and delivers what a committed transaction of `invalidateRatingsInTx` produced. */
export async function publishAfterCommit(app: RectificationDeps, after: AfterCommit): Promise<void> {
  await afterCommit(app, after);
}

// ---------------------------------------------------------------------------------------------------------
// Entry points with their own inputs

/**
 * What the re-rating link shows before the levels: the reply the rater was sent, not the department's
 * internal record (整改内容 may name staff), and nothing about who handled it.
 */
export async function rerateTicket(app: RectificationDeps, token: string): Promise<RerateTicketView> {
  const claims = await app.tokens.verify(token, 'rerate');
  const em = app.orm.em.fork() as Em;
  const kase = await em.findOne(RectCaseSchema, { id: Number(claims.sub) });
  if (!kase) throw NotFoundError.of('rectification case of this link', claims.sub);
  const [item, department, rating] = await Promise.all([
    em.findOneOrFail(ItemSchema, { id: kase.itemId }),
    em.findOneOrFail(DepartmentSchema, { id: kase.departmentId }),
    em.findOneOrFail(RatingSchema, { id: kase.ratingId }),
  ]);
  return {
    projectNo: kase.projectNo,
    itemName: item.name,
    departmentName: department.name,
    ratedAt: new Date(rating.ratedAt),
    reply: kase.reply,
    resolvedAt: kase.resolvedAt ? new Date(kase.resolvedAt) : null,
    rerated: kase.rerateChannel === 'SELF',
    accepting: stateTakes(kase.state, 'RERATE'),
  };
}

/** The rater rates the fix (re-rating after rectification) with the link from the reply. */
export async function rerate(app: RectificationDeps, token: string, level: number): Promise<RectCase> {
  const claims = await app.tokens.verify(token, 'rerate');
  const actor: Actor = { role: 'rater', label: `rerate-token:${claims.jti}`, tokenId: claims.jti };
  const em = app.orm.em.fork() as Em;
  const now = app.clock.now().getTime();
  const after: AfterCommit = { events: [], messages: [] };
  const result = await em
    .transactional(async (t) => {
      const tx = t as Em;
      const kase = await tx.findOne(RectCaseSchema, { id: Number(claims.sub) });
      if (!kase) throw NotFoundError.of('rectification case of this link', claims.sub);
      return step(app, tx, kase, actor, { action: 'RERATE', level, channel: 'SELF' }, { note: null, attachments: [] }, now, after);
    })
    .catch((err: unknown) => {
      throw mapDatabaseError(err, () => new ConflictError('the case changed meanwhile; try again'));
    });
  await afterCommit(app, after);
  return result;
}

/** Escalates every case whose deadline in force has passed and was not escalated yet (the scheduler job, R16). */
export async function escalateOverdue(app: RectificationDeps, batchSize = 200): Promise<number> {
  const now = app.clock.now().getTime();
  let escalated = 0;
  let afterId = 0;
  for (;;) {
    const em = app.orm.em.fork() as Em;
    const due = await em.execute<Array<{ id: number }>>(
      `select id from rect_case where due_at is not null and due_at <= ? and id > ?
         and state not in ('CLOSED', 'INVALIDATED', 'APPEALED') and (escalated_due_at is null or escalated_due_at <> due_at)
       order by id limit ?`,
      [now, afterId, batchSize],
    );
    if (due.length === 0) break;
    afterId = Number(due[due.length - 1]!.id);
    for (const { id } of due) {
      const after: AfterCommit = { events: [], messages: [] };
      try {
        const done = await (app.orm.em.fork() as Em).transactional(async (t) => {
          const tx = t as Em;
          const kase = await tx.findOne(RectCaseSchema, { id: Number(id) });
          if (!kase || kase.dueAt === null || kase.dueAt > now || kase.escalatedDueAt === kase.dueAt) return false;
          if (['CLOSED', 'INVALIDATED', 'APPEALED'].includes(kase.state)) return false;
          await step(app, tx, kase, SYSTEM_ACTOR, { action: 'ESCALATE' }, { note: 'deadline passed (超期)', attachments: [] }, now, after);
          return true;
        });
        if (done) escalated += 1;
      } catch (err) {
        // A case that changed meanwhile is picked up by the next run.
        if (!isDuplicateOrStale(err)) throw err;
      }
      await afterCommit(app, after);
    }
  }
  if (escalated > 0) log.info('overdue rectification cases escalated (R16)', { escalated });
  return escalated;
}

/** Parses the workspace's "YYYY-MM-DD" into the calendar day the logic expects. */
export function dayInput(field: string, text: string): number {
  const day = parseYmd(text);
  if (day === null) throw InvalidInputError.field(field, 'a calendar day YYYY-MM-DD', text);
  return day;
}

/** A department or item row by id through the transaction's plain statements (the opening path). */
async function catalogRow<T extends object>(tx: Em, sql: Sql, schema: EntitySchema<T>, table: 'department' | 'item', id: number): Promise<T> {
  const [row] = await sql.all(`select * from ${table} where id = ?`, [id]);
  if (!row) throw NotFoundError.of(table, String(id));
  return rowReader(tx, schema)(row);
}

/** The region's rules and calendar, read once per transaction (a batch's bad reviews share them). */
const regionRulesByTransaction = new WeakMap<object, Map<string, Promise<RegionRules>>>();

function regionRulesIn(tx: Em, regionCode: string): Promise<RegionRules> {
  const trx = tx.getTransactionContext<object>();
  if (!trx) return loadRegionRules(tx, regionCode);
  let known = regionRulesByTransaction.get(trx);
  if (!known) regionRulesByTransaction.set(trx, (known = new Map()));
  let rules = known.get(regionCode);
  if (!rules) {
    rules = loadRegionRules(tx, regionCode);
    known.set(regionCode, rules);
    // A failed read is not kept: the next case reads again.
    rules.catch(() => known.delete(regionCode));
  }
  return rules;
}
