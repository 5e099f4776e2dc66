import type { Em } from './orm.js';
import { OutboxSchema, type OutboxRecord } from './outbox.entities.js';

/** Topics written so far; the exchange worker routes by topic. */
export type OutboxTopic = 'rectification.record' | 'notify.sms' | 'notify.portal' | (string & {});

export interface OutboxEntry {
  topic: OutboxTopic;
  recordKey: string;
  aggregateType: string;
  aggregateId: string | number;
  payload: unknown;
  availableAt?: number;
}

/** Appends records inside the caller's transaction; returns their ids (for delivery after commit). */
export async function appendOutbox(em: Em, entries: OutboxEntry[], now: number): Promise<number[]> {
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
    };
    ids.push(Number(await em.insert(OutboxSchema, row as OutboxRecord)));
  }
  return ids;
}

/** Records a delivery attempt's result: delivered, or failed with the time of the next try. */
export async function markOutbox(em: Em, id: number, result: { deliveredAt: number } | { error: string; retryAt: number }): Promise<void> {
  if ('deliveredAt' in result) {
    await em.execute('update outbox set attempts = attempts + 1, delivered_at = ?, last_error = null where id = ?', [result.deliveredAt, id], 'run');
  } else {
    await em.execute(
      'update outbox set attempts = attempts + 1, last_error = ?, available_at = ? where id = ?',
      [result.error.slice(0, 500), result.retryAt, id],
      'run',
    );
  }
}
