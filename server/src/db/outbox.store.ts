import type { Dialect, Em } from './orm.js';
import { OutboxSchema, type OutboxRecord, type OutboxState } from './outbox.entities.js';
import { insertRow, sqlOf } from './sql.js';

/** Topics written so far; the exchange worker routes by topic. */
export type OutboxTopic = 'rectification.record' | 'exchange.service' | 'exchange.evaluation' | 'notify.sms' | 'notify.portal' | (string & {});

export interface OutboxEntry {
  topic: OutboxTopic;
  recordKey: string;
  aggregateType: string;
  aggregateId: string | number;
  payload: unknown;
  availableAt?: number;
}

/**
 * Appends records inside the caller's transaction; returns their ids (for delivery after commit).
 * Through the transaction's statement runner, not the ORM: a group commit may keep an earlier batch's
 * outbox rows unsent (PostgreSQL), and the runner sends them before this insert, so ids keep the order per case (R26).
 */
export async function appendOutbox(em: Em, entries: OutboxEntry[], now: number): Promise<number[]> {
  const sql = await sqlOf(em);
  const ids: number[] = [];
  for (const e of entries) {
    const row: Omit<OutboxRecord, 'id'> = {
      topic: e.topic,
      recordKey: e.recordKey,
      aggregateType: e.aggregateType,
      aggregateId: String(e.aggregateId),
      payload: JSON.stringify(e.payload),
      createdAt: now,
      availableAt: e.availableAt ?? now,
      attempts: 0,
      deliveredAt: null,
      lastError: null,
      state: 'PENDING',
      refusals: 0,
      claimedBy: null,
      leaseUntil: null,
    };
    ids.push(await insertRow(em, sql, OutboxSchema, row));
  }
  return ids;
}

export interface ClaimRequest {
  /** Who claims (unique per worker): finishing a record needs the same owner. */
  owner: string;
  /** Only records of these topics (a worker claims what it has an endpoint for). */
  topics: readonly string[];
  now: number;
  leaseMs: number;
  limit: number;
  /** Only these records (delivery right after the commit that wrote them). */
  ids?: readonly number[];
}

/**
 * Records of one aggregate are delivered in order, per lane: the records for the provincial platform
 * are one lane, each message topic (`notify.sms`, `notify.portal`) another, so a message waiting for
 * its gateway never holds up a provincial record or a message of the other channel. A record is eligible when it is pending, due, not leased to a live worker,
 * and no earlier record of its aggregate and lane is still pending or poison.
 */
const lane = (alias: string) => `(case when ${alias}.topic like 'notify.%' then ${alias}.topic else '' end)`;

function eligible(request: ClaimRequest): { where: string; params: unknown[] } {
  const topics = request.topics.map(() => '?').join(', ');
  const ids = request.ids?.length ? ` and o.id in (${request.ids.map(() => '?').join(', ')})` : '';
  return {
    where: `o.state = 'PENDING' and o.available_at <= ? and (o.lease_until is null or o.lease_until < ?) and o.topic in (${topics})${ids}
      and not exists (select 1 from outbox e where e.aggregate_type = o.aggregate_type and e.aggregate_id = o.aggregate_id
                        and e.id < o.id and e.state in ('PENDING', 'POISON') and ${lane('e')} = ${lane('o')})`,
    params: [request.now, request.now, ...request.topics, ...(request.ids ?? [])],
  };
}

/**
 * Claims up to `limit` eligible records for `leaseMs` in one statement: on PostgreSQL the candidate
 * rows are locked with FOR UPDATE SKIP LOCKED, so several servers claiming at once each get other
 * records; on SQLite (one writer at a time) the single UPDATE … RETURNING is atomic by itself.
 */
export async function claimOutbox(em: Em, dialect: Dialect, request: ClaimRequest): Promise<OutboxRecord[]> {
  if (request.topics.length === 0 || request.limit <= 0 || request.ids?.length === 0) return [];
  const { where, params } = eligible(request);
  const lock = dialect === 'postgresql' ? ' for update of o skip locked' : '';
  const rows = await em.execute<Array<Record<string, unknown>>>(
    `update outbox set claimed_by = ?, lease_until = ?
      where id in (select o.id from outbox o where ${where} order by o.id limit ?${lock})
      returning *`,
    [request.owner, request.now + request.leaseMs, ...params, request.limit],
    'all',
  );
  return rows.map(outboxRow).sort((a, b) => a.id - b.id);
}

/** A record as read with plain SQL (PostgreSQL returns bigint columns as strings). */
export function outboxRow(r: Record<string, unknown>): OutboxRecord {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: Number(r.id),
    topic: String(r.topic),
    recordKey: String(r.record_key),
    aggregateType: String(r.aggregate_type),
    aggregateId: String(r.aggregate_id),
    payload: String(r.payload),
    createdAt: Number(r.created_at),
    availableAt: Number(r.available_at),
    attempts: Number(r.attempts),
    deliveredAt: num(r.delivered_at),
    lastError: (r.last_error as string | null) ?? null,
    state: String(r.state) as OutboxState,
    refusals: Number(r.refusals ?? 0),
    claimedBy: (r.claimed_by as string | null) ?? null,
    leaseUntil: num(r.lease_until),
  };
}

/**
 * The other side acknowledged: the record is never sent again. Marked even when the lease ran out and
 * another worker claimed the record meanwhile (an acknowledgement is one whoever holds the claim); false
 * when the claim had been lost, for the log.
 */
export async function completeOutbox(em: Em, id: number, owner: string, now: number): Promise<boolean> {
  const rows = await em.execute<Array<{ claimed_by: string | null }>>('select claimed_by from outbox where id = ?', [id]);
  await em.execute(
    `update outbox set state = 'DELIVERED', attempts = attempts + 1, delivered_at = ?, last_error = null, claimed_by = null, lease_until = null
      where id = ? and state = 'PENDING'`,
    [now, id],
    'run',
  );
  return rows[0]?.claimed_by === owner;
}

export interface FailedAttempt {
  error: string;
  /** The other side answered and refused (counts toward poison); false for timeouts and unreachable endpoints. */
  refusal: boolean;
  retryAt: number;
  /** Refusals after which the record becomes POISON (waits for an administrator's retry or discard). */
  poisonAfter: number;
}

/** Records a failed attempt: retried at `retryAt`, or POISON after too many refusals. */
export async function failOutbox(em: Em, id: number, owner: string, attempt: FailedAttempt): Promise<OutboxState | null> {
  const add = attempt.refusal ? 1 : 0;
  const rows = await em.execute<Array<{ state: string }>>(
    `update outbox set attempts = attempts + 1, refusals = refusals + ?, last_error = ?, available_at = ?, claimed_by = null, lease_until = null,
            state = case when refusals + ? >= ? then 'POISON' else 'PENDING' end
      where id = ? and state = 'PENDING' and claimed_by = ?
      returning state`,
    [add, attempt.error.slice(0, 500), attempt.retryAt, add, attempt.poisonAfter, id, owner],
    'all',
  );
  return (rows[0]?.state as OutboxState | undefined) ?? null;
}

/** Gives a claimed record back untouched (a worker stopping before it sent it). */
export async function releaseOutbox(em: Em, id: number, owner: string): Promise<void> {
  await em.execute('update outbox set claimed_by = null, lease_until = null where id = ? and claimed_by = ? and state = ?', [id, owner, 'PENDING'], 'run');
}

/**
 * Exponential backoff with jitter: the n-th failed attempt waits between half and all of
 * `baseMs · 2^(n−1)`, capped at `maxMs` ("equal jitter": never at once, never in lockstep).
 */
export function retryDelay(attempts: number, policy: { baseMs: number; maxMs: number }, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
