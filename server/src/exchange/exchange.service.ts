import type { Actor } from '../common/actor.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/errors.js';
import { appendAudit } from '../auth/audit.service.js';
import type { Database, Em } from '../db/orm.js';
import { outboxRow } from '../db/outbox.store.js';
import type { OutboxRecord } from '../db/outbox.entities.js';
import type { Kernel } from '../common/kernel.js';

export interface OutboxCount {
  state: string;
  topic: string;
  count: number;
}

export interface OutboxStatus {
  counts: OutboxCount[];
  /** Creation time of the oldest record still waiting (PENDING), or null. */
  oldestPendingAt: number | null;
  poison: OutboxRecord[];
  provinceConfigured: boolean;
}

/** Counts by state and topic, the oldest waiting record and the poison records with their last error. */
export async function outboxStatus(app: Kernel & Database, poisonLimit = 100): Promise<OutboxStatus> {
  const em = app.orm.em.fork() as Em;
  const counts = await em.execute<Array<{ state: string; topic: string; n: number | string }>>(
    'select state, topic, count(*) as n from outbox group by state, topic order by state, topic',
  );
  const oldest = await em.execute<Array<{ at: number | string | null }>>("select min(created_at) as at from outbox where state = 'PENDING'");
  const poison = await em.execute<Array<Record<string, unknown>>>("select * from outbox where state = 'POISON' order by id limit ?", [poisonLimit]);
  return {
    counts: counts.map((c) => ({ state: c.state, topic: c.topic, count: Number(c.n) })),
    oldestPendingAt: oldest[0]?.at === null || oldest[0]?.at === undefined ? null : Number(oldest[0].at),
    poison: poison.map(outboxRow),
    provinceConfigured: Boolean(app.config.provinceUrl),
  };
}

/**
 * An administrator sends a poison (or waiting) record again now: its refusals start from zero. Audited in
 * the same transaction. A delivered record is never sent again (CONFLICT).
 */
export async function retryOutboxRecord(app: Kernel & Database, actor: Actor, id: number): Promise<OutboxRecord> {
  return changeRecord(app, actor, id, 'outbox.retry', null, (tx, now) =>
    tx.execute(
      "update outbox set state = 'PENDING', refusals = 0, available_at = ?, claimed_by = null, lease_until = null where id = ? and state in ('POISON', 'PENDING')",
      [now, id],
      'run',
    ),
  );
}

/** An administrator gives up on a record (with the reason, audited): it is never sent, and no longer holds up its case. */
export async function discardOutboxRecord(app: Kernel & Database, actor: Actor, id: number, reason: string): Promise<OutboxRecord> {
  const why = reason.trim();
  if (!why || why.length > 300) throw InvalidInputError.field('reason', '1–300 characters', reason);
  return changeRecord(app, actor, id, 'outbox.discard', why, (tx) =>
    tx.execute(
      "update outbox set state = 'DISCARDED', last_error = ?, claimed_by = null, lease_until = null where id = ? and state in ('POISON', 'PENDING')",
      [`discarded: ${why}`.slice(0, 500), id],
      'run',
    ),
  );
}

async function changeRecord(
  app: Kernel & Database,
  actor: Actor,
  id: number,
  action: string,
  detail: string | null,
  change: (tx: Em, now: number) => Promise<unknown>,
): Promise<OutboxRecord> {
  const now = app.clock.now().getTime();
  return (app.orm.em.fork() as Em).transactional(async (t) => {
    const tx = t as Em;
    const [before] = await tx.execute<Array<Record<string, unknown>>>('select * from outbox where id = ?', [id]);
    if (!before) throw NotFoundError.of('outbox record', String(id));
    const record = outboxRow(before);
    if (record.state === 'DELIVERED' || record.state === 'DISCARDED') {
      throw new ConflictError(`outbox record ${id} is ${record.state.toLowerCase()}; it is never sent again`);
    }
    await change(tx, now);
    await appendAudit(
      tx,
      app.dialect,
      {
        actor,
        action,
        subject: `outbox:${id} ${record.recordKey}`,
        detail: detail ?? `was ${record.state}, ${record.attempts} attempts, last error: ${record.lastError ?? '—'}`,
      },
      now,
    );
    const [after] = await tx.execute<Array<Record<string, unknown>>>('select * from outbox where id = ?', [id]);
    return outboxRow(after!);
  });
}
